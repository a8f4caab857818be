// The chart's Terway -> Felix table (chart/templates/_terway.tpl, define "terway-relay.felixVersions"), read from the
// template: one "FROM TO FELIX TYPHA" line per row, FROM <= version < TO, TO "-" for open-ended, versions A.B.C.D.
// The generators (scripts/build/terway-table.ts) and `doctor` read it here; the hook reads the same lines from
// FELIX_VERSIONS. Outside build/ because the CLI bundle reads it at run time.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chartDir } from "./tools.js";

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

/** "A.B.C.D" from an image reference's tag, or undefined when the tag is not a Terway version: the rules of
 * terway-relay.terwayVersion (chart/templates/_terway.tpl), e.g. v1.0.10.333-gfd2b7b8-aliyun is 1.0.10.333. */
export function terwayVersionOf(image: string): string | undefined {
  const name = image.replace(/@.*$/, "").split("/").pop() ?? "";
  if (!name.includes(":")) return undefined;
  const tag = name.slice(name.indexOf(":") + 1);
  const m = /^v?([0-9]{1,9})\.([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?(?:[-+].*)?$/.exec(tag);
  return m ? [m[1], m[2], m[3], m[4] ?? "0"].map(Number).join(".") : undefined;
}

/** a < b, both A.B.C.D (terway-relay.versionLess). */
function versionLess(a: string, b: string): boolean {
  const [x, y] = [a.split(".").map(Number), b.split(".").map(Number)];
  const i = x.findIndex((n, k) => n !== y[k]);
  return i >= 0 && x[i] < y[i];
}

/** The row that places a Terway version (terway-relay.typhaForTerway), or undefined. */
export function felixRowFor(version: string, rows: FelixRow[] = felixRows()): FelixRow | undefined {
  return rows.find((r) => !versionLess(version, r.from) && (r.to === null || versionLess(version, r.to)));
}

/** "3.5" of "v3.5.8", the line a Felix or Typha version belongs to; undefined when it is not a version. */
export const minorOf = (v: string): string | undefined => /^v?([0-9]+\.[0-9]+)/.exec(v)?.[1];
