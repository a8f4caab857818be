// Copies of the chart in which what `lookup` would return from a live cluster is a fixed stand-in: offline
// `helm template` cannot look anything up, so tests of the install and upgrade paths swap the one lookup call of a
// fact (all of them are in terway-relay.clusterFacts, templates/_cluster-facts.tpl) for a literal template expression.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chartDir } from "../../scripts/tools.js";

export const LIVE_TYPHA_LOOKUP =
  'lookup "apps/v1" "Deployment" .Release.Namespace (include "terway-relay.typhaName" .)';
export const LIVE_TERWAY_LOOKUP = 'lookup "apps/v1" "DaemonSet" $.Release.Namespace .';
const FACTS_FILE = "templates/_cluster-facts.tpl";

/** A fresh copy of chart/ in a temporary directory, to be changed by the caller. */
export function chartCopy(prefix: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), "chart");
  cpSync(chartDir, dir, { recursive: true });
  return dir;
}

/** Replaces the one occurrence of `lookup` in `file` of the chart copy `dir`. */
function answerLookup(dir: string, file: string, lookup: string, answer: string): string {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  // The one place the fact is read: if it moves, this must fail rather than test nothing.
  if (text.split(lookup).length !== 2) throw new Error(`${file} must contain exactly one ${lookup}`);
  writeFileSync(path, text.replace(lookup, answer));
  return dir;
}

/** The live Typha Deployment: `live` is a template expression for lookup's answer, e.g. (dict "spec" (dict "replicas" 9)). */
export function chartWithLiveTypha(live: string, dir = chartCopy("live-typha-")): string {
  return answerLookup(dir, FACTS_FILE, LIVE_TYPHA_LOOKUP, live);
}

/** The live Terway DaemonSets: terway-eniip answers with `ds` (a template expression), the others with nothing. */
export function chartWithLiveTerway(ds: string, dir = chartCopy("live-terway-")): string {
  return answerLookup(dir, FACTS_FILE, LIVE_TERWAY_LOOKUP, `(ternary ${ds} dict (eq . "terway-eniip"))`);
}
