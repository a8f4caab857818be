// Generators over the chart's Terway -> Felix table (scripts/felix-table.ts reads it): README's version table,
// Chart.yaml's image list. They never restate it.
import { type FelixRow, felixRows } from "../felix-table.js";

/** An A.B.C.D version as image tags spell it: vA.B.C for a release (D = 0), vA.B.C.D for a build past it. */
const tag = (v: string) => `v${v.replace(/\.0$/, "")}`;

/** "v3.5" of "v3.5.8". */
const minor = (v: string) => /^v?[0-9]+\.[0-9]+/.exec(v)?.[0].replace(/^v?/, "v");

const REFUSED = "none (no row places it) | refused, unless `typha.allowVersionSkew=true`";

/** README's Terway version table: each row of the chart's table, and the versions no row places. */
export function terwayVersionTable(rows: FelixRow[] = felixRows()): string {
  const out = [
    "| Terway version (image tag), from | up to, not including | Felix it bundles | `typha.image.tag` the chart picks |",
    "| --- | --- | --- | --- |",
    `| any older | ${tag(rows[0].from)} | ${REFUSED} |`,
  ];
  rows.forEach((r, i) => {
    const previousTo = rows[i - 1]?.to;
    if (previousTo && previousTo !== r.from) out.push(`| ${tag(previousTo)} | ${tag(r.from)} | ${REFUSED} |`);
    const same = r.typha !== r.felix && minor(r.typha) === minor(r.felix) ? ` (the same ${minor(r.felix)} line)` : "";
    out.push(`| ${tag(r.from)} | ${r.to ? tag(r.to) : "every later version"} | ${r.felix} | \`${r.typha}\`${same} |`);
  });
  return out.join("\n");
}

/** The Typha tags the table deploys (its TYPHA column, in order, once): the Typha images the chart can pick. */
export function tableTyphaVersions(rows: FelixRow[] = felixRows()): string[] {
  return [...new Set(rows.map((r) => r.typha))];
}
