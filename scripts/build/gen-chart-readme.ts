// Writes the generated part of chart/README.md (what `helm show readme` prints): the values table from
// values.schema.json, between `<!-- values:start -->` and `<!-- values:end -->`. The rest of the file is written
// by hand. It is the one values table: README.md and docs/ link to it. test/chart-readme.test.ts fails on drift.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type SchemaNode, type ValuesSchema, valuesSchema } from "../schema.js";
import { chartDir } from "../tools.js";
import { isMain } from "./is-main.js";
import { replaceBlock } from "./marked-block.js";

export const chartReadmePath = join(chartDir, "README.md");

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(node: SchemaNode, root: ValuesSchema): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (node.$ref) return typeOf(root.definitions?.[node.$ref.replace("#/definitions/", "")] ?? {}, root);
  if (node.type === "array" && node.items) return `${typeOf(node.items, root)}[]`;
  return Array.isArray(node.type) ? node.type.join(" \\| ") : (node.type ?? "any");
}

/** One row per leaf value (objects with declared properties are walked, not listed). */
export function valuesTable(): string {
  const root = valuesSchema();
  const rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"];
  const walk = (props: Record<string, SchemaNode>, prefix: string) => {
    for (const [key, node] of Object.entries(props)) {
      const path = `${prefix}${key}`;
      if (node.properties) walk(node.properties, `${path}.`);
      else
        rows.push(
          `| \`${path}\` | ${typeOf(node, root)} | ${node.default === undefined ? "none: required" : `\`${cell(JSON.stringify(node.default))}\``} | ${cell(node.description ?? "")} |`,
        );
    }
  };
  walk(root.properties ?? {}, "");
  return rows.join("\n");
}

/** chart/README.md as the generator wants it, from the file as it is. */
export function chartReadmeSource(current = readFileSync(chartReadmePath, "utf8")): string {
  return replaceBlock(current, "values", valuesTable(), undefined, "chart/README.md");
}

if (isMain(import.meta.url)) {
  writeFileSync(chartReadmePath, chartReadmeSource());
  console.log(`wrote ${chartReadmePath}`);
}
