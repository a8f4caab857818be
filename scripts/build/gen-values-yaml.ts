// Writes chart/values.yaml (what `helm show values` prints, and the chart's defaults) from values.schema.json: every
// key with its description as a comment and its default as the value, so defaults are declared once, in the schema.
// A key without a default is shown commented out, with the schema's first example when it gives one (region).
// test/generated.test.ts fails on drift.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { HELM_YAML_SCHEMA } from "../helm-yaml.js";
import { hasDefault, valuesSchema, type SchemaNode } from "../schema.js";
import { chartDir } from "../tools.js";
import type { Json } from "../values.js";
import { isMain } from "./is-main.js";

export const valuesYamlPath = join(chartDir, "values.yaml");

/** Comment lines are wrapped to this width, indentation included. */
const WIDTH = 118;

const HEADER = [
  "# yaml-language-server: $schema=values.schema.json",
  "# Values of terway-relay, generated from values.schema.json (each key's description and default) by `npm run gen`:",
  "# edit the schema, not this file. chart/README.md lists every key.",
];

/** `text` as `# ` comment lines at `indent`, wrapped at word boundaries. */
function comment(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + 2 + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${indent}# ${l}`);
}

/** YAML as Helm reads it (go-yaml v2 scalars: a string that would read as a number or boolean is quoted). */
const dump = (value: Json) => yaml.dump(value, { schema: HELM_YAML_SCHEMA, quotingType: '"', lineWidth: -1 }).trimEnd();

/** `key: value` at `indent`; a non-empty map or list goes on the lines below. A string of digits and dots is
 * quoted although Helm would read it as a string anyway (`tag: "1.8.4"`), so that readers need not wonder. */
function entry(key: string, value: Json, indent: string): string[] {
  const name = dump(key);
  if (typeof value === "string" && /^[0-9.]+$/.test(value)) return [`${indent}${name}: ${JSON.stringify(value)}`];
  const text = dump(value);
  const block = value !== null && typeof value === "object" && Object.keys(value).length > 0;
  if (!block) return [`${indent}${name}: ${text}`];
  return [`${indent}${name}:`, ...text.split("\n").map((l) => `${indent}  ${l}`)];
}

/** The lines of one key: its description, then its value (or, without a default, the key commented out). */
function keyLines(key: string, node: SchemaNode, indent: string): string[] {
  const lines = node.description ? comment(node.description, indent) : [];
  if (node.properties) {
    const children = Object.entries(node.properties);
    // An object none of whose keys has a default is an empty map by default (schema.ts, defaultsOf).
    lines.push(`${indent}${dump(key)}:${children.some(([, c]) => hasDefault(c)) ? "" : " {}"}`);
    for (const [k, c] of children) lines.push(...keyLines(k, c, `${indent}  `));
  } else if ("default" in node) lines.push(...entry(key, node.default as Json, indent));
  else if (node.examples?.length)
    lines.push(...entry(key, node.examples[0], indent).map((l) => l.replace(/^( *)/, "$1# ")));
  else lines.push(`${indent}# ${dump(key)}:`);
  return lines;
}

/** chart/values.yaml as the schema says it. Top-level keys are set apart by a blank line. */
export function valuesYamlSource(schema = valuesSchema()): string {
  const sections = Object.entries(schema.properties ?? {}).map(([k, n]) => keyLines(k, n, "").join("\n"));
  return `${[HEADER.join("\n"), ...sections].join("\n\n")}\n`;
}

if (isMain(import.meta.url)) {
  writeFileSync(valuesYamlPath, valuesYamlSource());
  console.log(`wrote ${valuesYamlPath}`);
}
