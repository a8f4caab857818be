// The chart's Terway -> Felix table (chart/templates/_terway.tpl, define "terway-relay.felixVersions"), read from the
// template: one "FROM TO FELIX TYPHA" line per row, FROM <= version < TO, TO "-" for open-ended, versions A.B.C.D.
// Generators derive from it (docs/versions.md's version table, Chart.yaml's image list), and so do the harness's
// checks of a given Terway (felixRow); they never restate it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chartDir } from "./tools.js";
import { minorOf, sameMinor } from "./version-skew.js";

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

/** "A.B.C.D" of a Terway image reference's tag, or of a bare tag such as v1.9.0, by terway-relay.terwayVersion's
 * rules (a tag vA.B.C is A.B.C.0; a build tag vA.B.C.D-g<sha>-aliyun is A.B.C.D); undefined when it is not one. */
export function terwayVersion(imageOrTag: string): string | undefined {
  const name = imageOrTag.replace(/@.*$/, "").split("/").pop() ?? "";
  const tag = name.includes(":") ? name.slice(name.indexOf(":") + 1) : name;
  const m = /^v?([0-9]{1,9})\.([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?(?:[-+].*)?$/.exec(tag);
  return m ? [m[1], m[2], m[3], m[4] ?? "0"].map(Number).join(".") : undefined;
}

/** a < b, both A.B.C.D (terway-relay.versionLess). */
function versionLess(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  const i = x.findIndex((n, k) => n !== y[k]);
  return i >= 0 && x[i] < y[i];
}

/** The row that places an A.B.C.D Terway version (terway-relay.terwayRow), or undefined: a version no row places. */
export function felixRow(version: string, rows: FelixRow[] = felixRows()): FelixRow | undefined {
  return rows.find((r) => !versionLess(version, r.from) && (r.to === null || versionLess(version, r.to)));
}

/** The row that places a Terway image reference or tag (terwayVersion, then felixRow), or undefined. */
export function felixRowOf(imageOrTag: string): FelixRow | undefined {
  const version = terwayVersion(imageOrTag);
  return version === undefined ? undefined : felixRow(version);
}

/** An A.B.C.D version as image tags spell it: vA.B.C for a release (D = 0), vA.B.C.D for a build past it. */
const tag = (v: string) => `v${v.replace(/\.0$/, "")}`;

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
    const same = r.typha !== r.felix && sameMinor(r.typha, r.felix) ? ` (the same ${minorOf(r.felix)} line)` : "";
    out.push(`| ${tag(r.from)} | ${r.to ? tag(r.to) : "every later version"} | ${r.felix} | \`${r.typha}\`${same} |`);
  });
  return out.join("\n");
}

/** The Typha tags the table deploys (its TYPHA column, in order, once): the Typha images the chart can pick. */
export function tableTyphaVersions(rows: FelixRow[] = felixRows()): string[] {
  return [...new Set(rows.map((r) => r.typha))];
}
