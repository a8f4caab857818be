// The chart's Terway -> Felix table (chart/templates/_terway.tpl, define "terway-relay.felixVersions"), read from the
// template: one "FROM TO FELIX TYPHA" line per row, FROM <= version < TO, TO "-" for open-ended, versions A.B.C.D.
// Generators derive from it (docs/versions.md's version table, Chart.yaml's image list); they never restate it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chartDir } from "../tools.js";

export const terwayTplPath = join(chartDir, "templates/_terway.tpl");

export interface FelixRow {
  /** First Terway version the row places, A.B.C.D. */
  from: string;
  /** First version after the row, A.B.C.D, or null: every later version. */
  to: string | null;
  felix: string;
  typha: string;
}

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;

/** The table's rows, in order. Throws when the define is missing or a line is not a row. */
export function felixRows(tpl = readFileSync(terwayTplPath, "utf8")): FelixRow[] {
  const body = /define "terway-relay\.felixVersions" -}}\n([\s\S]*?)\n\{\{- end }}/.exec(tpl);
  if (!body) throw new Error(`${terwayTplPath} has no terway-relay.felixVersions table`);
  return body[1].split("\n").map((line) => {
    const [from, to, felix, typha, extra] = line.trim().split(/\s+/);
    if (!VERSION.test(from) || !(to === "-" || VERSION.test(to ?? "")) || !felix || !typha || extra !== undefined)
      throw new Error(`unreadable felixVersions row in ${terwayTplPath}: ${JSON.stringify(line)}`);
    return { from, to: to === "-" ? null : to, felix, typha };
  });
}

/** An A.B.C.D version as image tags spell it: vA.B.C for a release (D = 0), vA.B.C.D for a build past it. */
const tag = (v: string) => `v${v.replace(/\.0$/, "")}`;

/** "v3.5" of "v3.5.8". */
const minor = (v: string) => /^v?[0-9]+\.[0-9]+/.exec(v)?.[0].replace(/^v?/, "v");

const REFUSED = "none (no row places it) | refused, unless `typha.allowVersionSkew=true`";

/** docs/versions.md's Terway version table: each row of the chart's table, and the versions no row places. */
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
