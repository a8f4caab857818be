// A copy of the chart in which the live Typha Deployment that `lookup` would return is a fixed stand-in: offline
// `helm template` cannot look anything up, so tests of the upgrade path (autoscaler keeps the live count) swap the
// one lookup call in terway-relay.liveTypha for a literal.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chartDir } from "../../scripts/tools.js";

export const LIVE_TYPHA_LOOKUP = 'lookup "apps/v1" "Deployment" .Release.Namespace (include "terway-relay.typhaName" .)';

/** `live` is a template expression for lookup's answer, e.g. (dict "spec" (dict "replicas" 9)). */
export function chartWithLiveTypha(live: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "live-typha-")), "chart");
  cpSync(chartDir, dir, { recursive: true });
  const helpers = join(dir, "templates/_helpers.tpl");
  const text = readFileSync(helpers, "utf8");
  // The one place the live Deployment is read: if the helper changes, this must fail rather than test nothing.
  if (text.split(LIVE_TYPHA_LOOKUP).length !== 2) throw new Error(`_helpers.tpl must contain exactly one ${LIVE_TYPHA_LOOKUP}`);
  writeFileSync(helpers, text.replace(LIVE_TYPHA_LOOKUP, live));
  return dir;
}
