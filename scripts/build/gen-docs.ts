// Writes the generated tables of docs/*.md between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers: the Terway
// version table of docs/versions.md (chart/templates/_terway.tpl's felixVersions, scripts/felix-table.ts) and
// the capacity table of docs/capacity.md (scripts/plan.ts's plan()). test/generated.test.ts fails on drift.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apiLoadWarning, plan } from "../plan.js";
import { typhaReplicas } from "../replicas.js";
import { repoRoot } from "../tools.js";
import { apiLoadTable } from "./api-load-table.js";
import { isMain } from "./is-main.js";
import { replaceBlock } from "./marked-block.js";
import { terwayVersionTable } from "../felix-table.js";

/** Node counts of docs/capacity.md's table. */
export const TABLE_NODE_COUNTS = [100, 200, 500, 1000, 1001, 1500, 2000, 3000, 4000, 5000];

/** docs/capacity.md's table of replicas and connections (chart defaults, and the replica count tigera/operator's
 * formula gives), from plan(). */
export function planTable(nodeCounts: number[] = TABLE_NODE_COUNTS): string {
  const rows = [
    "| nodes | replicas | per Typha, steady | per Typha, one lost | Typha's connection target | replicas with `formula: operator` | notes |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const n of nodeCounts) {
    const p = plan({ nodeCount: n });
    const c = p.connections;
    // The API-server figures and their warning are the api-load table's (apiLoadTable), not repeated here.
    const listsWarning = apiLoadWarning(p);
    const notes = p.error ? `refused: ${p.error}` : p.warnings.filter((w) => w !== listsWarning).join("; ");
    rows.push(
      `| ${n} | ${p.replicas} | ${c.steadyPerTypha} | ${c.afterLossPerTypha ?? "-"} | ${c.rebalanceTarget} | ${typhaReplicas({ nodeCount: n, formula: "operator" }).replicas} | ${notes.replace(/\|/g, "\\|")} |`,
    );
  }
  return rows.join("\n");
}

/** Each generated block: the docs page it lives in (relative to the repository), its marker name, its content. */
export const DOC_BLOCKS: { page: string; name: string; content: () => string }[] = [
  { page: "docs/versions.md", name: "terway-versions", content: () => terwayVersionTable() },
  { page: "docs/capacity.md", name: "plan", content: () => planTable() },
  { page: "docs/capacity.md", name: "api-load", content: () => apiLoadTable() },
];

export const docPath = (page: string) => join(repoRoot, page);

/** `page` as the generators want it, from the page as it is: every block of DOC_BLOCKS that lives there rewritten. */
export function docSource(page: string, current = readFileSync(docPath(page), "utf8")): string {
  return DOC_BLOCKS.filter((b) => b.page === page).reduce(
    (text, b) => replaceBlock(text, b.name, b.content(), undefined, page),
    current,
  );
}

/** The pages that hold generated blocks. */
export const generatedPages = () => [...new Set(DOC_BLOCKS.map((b) => b.page))];

if (isMain(import.meta.url)) {
  for (const page of generatedPages()) {
    writeFileSync(docPath(page), docSource(page));
    console.log(`wrote ${docPath(page)}`);
  }
}
