// Writes the generated parts of README.md between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers.
// The values table (values.schema.json descriptions and defaults), the capacity table (scripts/plan.ts's plan()) and
// the Terway version table (chart/templates/_terway.tpl's felixVersions, scripts/build/terway-table.ts).
// test/generated.test.ts fails on drift.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { plan } from "../plan.js";
import { typhaReplicas } from "../replicas.js";
import { valuesSchema, type SchemaNode, type ValuesSchema } from "../schema.js";
import { repoRoot } from "../tools.js";
import { isMain } from "./is-main.js";
import { terwayVersionTable } from "./terway-table.js";

export const readmePath = join(repoRoot, "README.md");

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

/** Node counts of the README's capacity table. */
export const TABLE_NODE_COUNTS = [100, 200, 500, 1000, 1001, 1500, 2000, 3000, 4000, 5000];

/** The README's capacity table (chart defaults, and the replica count tigera/operator's formula gives), from plan(). */
export function planTable(nodeCounts: number[] = TABLE_NODE_COUNTS): string {
  const rows = [
    "| nodes | replicas | per Typha, steady | per Typha, one lost | Typha's connection target | API watches per type, without → with relay | replicas with `formula: operator` | notes |",
    "| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
  ];
  for (const n of nodeCounts) {
    const p = plan({ nodeCount: n });
    const c = p.connections;
    const notes = p.error ? `refused: ${p.error}` : p.warnings.join("; ");
    rows.push(
      `| ${n} | ${p.replicas} | ${c.steadyPerTypha} | ${c.afterLossPerTypha ?? "-"} | ${c.rebalanceTarget} | ${p.watches.withoutRelay} → ${p.watches.withRelay} (${p.watches.reduction}x) | ${typhaReplicas({ nodeCount: n, formula: "operator" }).replicas} | ${notes.replace(/\|/g, "\\|")} |`,
    );
  }
  return rows.join("\n");
}

/** `text` with the lines between its `start` and `end` markers (README.md's <!-- name:start --> ... by default)
 * replaced by `content`. */
export function replaceBlock(
  text: string,
  name: string,
  content: string,
  [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`],
  file = "README.md",
): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file} has no ${start.trim()} ... ${end.trim()} block`);
  return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
}

/** The README as the generators want it, from the README as it is. */
export function readmeSource(current = readFileSync(readmePath, "utf8")): string {
  return replaceBlock(
    replaceBlock(replaceBlock(current, "values", valuesTable()), "plan", planTable()),
    "terway-versions",
    terwayVersionTable(),
  );
}

if (isMain(import.meta.url)) {
  writeFileSync(readmePath, readmeSource());
  console.log(`wrote ${readmePath}`);
}
