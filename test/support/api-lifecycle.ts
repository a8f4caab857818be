// The Kubernetes API lifecycle table (test/fixtures/api-lifecycle.json) as functions: is an apiVersion/kind served
// by a given Kubernetes minor, and which --api-versions a cluster of that minor would report. The matrix renders
// with exactly that list, so Capabilities gates in the chart see what a real cluster of that version shows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../scripts/tools.js";

export interface ApiRow {
  apiVersion: string;
  /** "*" for every kind of the group/version. */
  kind: string;
  /** First minor (1.N) that serves it; 0 = every version. */
  introduced: number;
  /** First minor that no longer serves it; null = still served. */
  removed: number | null;
  /** Served only where this CRD family is installed (not by Kubernetes itself). */
  crd?: string;
  source: string;
}

export const API_TABLE: ApiRow[] = (
  JSON.parse(readFileSync(join(repoRoot, "test/fixtures/api-lifecycle.json"), "utf8")) as { apis: ApiRow[] }
).apis;

/** The Kubernetes minors the chart claims: from Chart.yaml's kubeVersion floor (1.20) to the newest Helm 4 knows. */
export const FIRST_MINOR = 20;
export const LAST_MINOR = 35;
export const MINORS: number[] = Array.from({ length: LAST_MINOR - FIRST_MINOR + 1 }, (_, i) => FIRST_MINOR + i);

/** The table row deciding an apiVersion/kind: an exact kind wins over "*". */
export function rowFor(apiVersion: string, kind: string, table: ApiRow[] = API_TABLE): ApiRow | undefined {
  return (
    table.find((r) => r.apiVersion === apiVersion && r.kind === kind) ??
    table.find((r) => r.apiVersion === apiVersion && r.kind === "*")
  );
}

export interface ServeContext {
  minor: number;
  /** CRD families installed in the target cluster. */
  crds?: string[];
}

/** Why the target cluster cannot take this object, or undefined when it can. Unknown APIs are refused: add a
 * row with its source to the table. */
export function notServedReason(
  apiVersion: string,
  kind: string,
  ctx: ServeContext,
  table: ApiRow[] = API_TABLE,
): string | undefined {
  const row = rowFor(apiVersion, kind, table);
  if (!row) return `${apiVersion} ${kind} is not in test/fixtures/api-lifecycle.json: add it with its source`;
  if (row.crd && !(ctx.crds ?? []).includes(row.crd))
    return `${apiVersion} ${kind} needs the ${row.crd} CRDs, which this cluster does not have`;
  if (ctx.minor < row.introduced)
    return `${apiVersion} ${kind} is served only from Kubernetes 1.${row.introduced} (${row.source}), target is 1.${ctx.minor}`;
  if (row.removed !== null && ctx.minor >= row.removed)
    return `${apiVersion} ${kind} was removed in Kubernetes 1.${row.removed} (${row.source}), target is 1.${ctx.minor}`;
  return undefined;
}

/** --api-versions for a cluster of this minor: each served group/version, and group/version/Kind for named kinds. */
export function servedApiVersions(ctx: ServeContext, table: ApiRow[] = API_TABLE): string[] {
  const out = new Set<string>();
  for (const r of table) {
    if (notServedReason(r.apiVersion, r.kind === "*" ? "*" : r.kind, ctx, [r])) continue;
    out.add(r.apiVersion);
    if (r.kind !== "*") out.add(`${r.apiVersion}/${r.kind}`);
  }
  return [...out].sort();
}

/** Version strings as ACK and upstream report them: ACK-style pre-release for odd minors' variants, plain otherwise. */
export const ackVersion = (minor: number): string => `v1.${minor}.${(minor * 7) % 13}-aliyun.1`;
export const plainVersion = (minor: number): string => `1.${minor}.0`;
