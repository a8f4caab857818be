// Rules between values that the schema cannot express, checked by the harness (validate, render, adopt) before
// Helm is called. Their chart twins fail the render (terway-relay.validate, terway-relay.validateValues and the
// replica plan in _helpers.tpl); test/differential.test.ts proves the harness and the chart refuse the same cases.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CALICO_MAX_ADVISED, typhaReplicas, type ReplicaInput } from "./replicas.js";
import { felixRowOf } from "./felix-table.js";
import { RELEASE_NAMESPACE } from "./release.js";
import { chartDir } from "./tools.js";
import type { TerwayRelayValues as Values } from "./generated/values.js";
import type { ValueProblem } from "./validate.js";
import { minorOf, typhaFelixRefusal } from "./version-skew.js";

/** The chart's refusal of another namespace (terway-relay.validate), word for word. */
function namespaceRefusal(ns: string): string {
  return `release namespace ${JSON.stringify(ns)} is not allowed: install terway-relay into ${RELEASE_NAMESPACE} (helm install -n ${RELEASE_NAMESPACE}), where Terway's Felix looks for the Typha Service`;
}

type Typha = Values["typha"];
/** A container's resources: Typha's and the autoscaler's have the same shape. */
type Resources = Typha["resources"];

/** Typha release lines the dedicated ClusterRole has rules for (the lines of chart/templates/_typha-rbac.tpl's table; the differential corpus checks that harness and chart refuse the same tag). */
const RBAC_LINES = ["v3.5", "v3.20", "v3.24"];

let regions: Set<string> | undefined;

/** Alibaba Cloud region ids the chart knows (chart/files/regions.txt, which cites its upstream source). */
export function knownRegions(): Set<string> {
  regions ??= new Set(
    readFileSync(join(chartDir, "files/regions.txt"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#")),
  );
  return regions;
}

/** The region problem the chart fails with (terway-relay.validateValues), or undefined. */
export function regionProblem(region: string, typhaRegistry: string): string | undefined {
  if (region === "")
    return "region is required: set it to the cluster's Alibaba Cloud region id, such as cn-hangzhou (the default images come from registry-vpc.<region>.aliyuncs.com)";
  const known = knownRegions();
  if (known.has(region)) return undefined;
  // Zone ids are the region id plus a letter: cn-hangzhou-h, ap-southeast-1a.
  const zoneOf = region.replace(/-?[a-z]$/, "");
  if (zoneOf !== region && known.has(zoneOf))
    return `region ${region} is a zone id, not a region id: did you mean ${zoneOf}?`;
  if (typhaRegistry === "")
    return `region ${region} is not in the chart's list of Alibaba Cloud regions (files/regions.txt): set typha.image.registry explicitly (e.g. registry-vpc.${region}.aliyuncs.com) once you know the registry serves that region`;
  return undefined;
}

const BINARY_SI: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SI: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A resource quantity's value (Kubernetes' grammar, kubernetes/apimachinery pkg/api/resource/quantity.go:
 * <signedNumber><suffix>, suffix a binary SI, decimal SI or e/E exponent), or undefined when it does not parse.
 * The schema's quantity pattern is the same grammar without a minus sign (container resources are never negative).
 * Its chart twin is terway-relay.quantityValue.
 */
function quantityValue(q: string): number | undefined {
  const m = /^\+?((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(.*)$/.exec(q);
  if (!m) return undefined;
  const mult = BINARY_SI[m[2]] ?? DECIMAL_SI[m[2]];
  return mult === undefined ? undefined : Number(m[1]) * mult;
}

/** requests above limits for one container's resources, as the chart words them. */
function requestsAboveLimits(path: string, r: Resources): ValueProblem[] {
  const out: ValueProblem[] = [];
  for (const [name, request] of Object.entries(r.requests)) {
    const limit = r.limits[name as keyof Resources["limits"]];
    if (limit === undefined) continue;
    const [req, lim] = [quantityValue(request), quantityValue(limit)];
    if (req !== undefined && lim !== undefined && req > lim)
      out.push({
        path: `${path}.requests.${name}`,
        message: `${request} is above ${path}.limits.${name}=${limit}: a request may not exceed its limit (the API server refuses the pod)`,
      });
  }
  return out;
}

/** The refusal of a pinned typha.image.tag that cannot serve the Felix of the given Terway (an image reference or
 * tag), as the chart's terway-relay.refuseTyphaFelix refuses it at install. An empty tag is the table's Typha for
 * that Terway, which is never refused; a Terway no row places has no known Felix (the hook checks those). */
function typhaFelixProblem(v: Values, terway: string | undefined): ValueProblem | undefined {
  if (v.mode !== "relay" || terway === undefined || v.typha.image.tag === "") return undefined;
  const row = felixRowOf(terway);
  const message = row && typhaFelixRefusal(v.typha.image.tag, row.felix, terway);
  return message ? { path: "typha.image.tag", message } : undefined;
}

/** Problems of schema-valid values (and the release namespace) that the chart would refuse; with the cluster's
 * Terway (its version or policy image), also the Typha that the chart refuses for its Felix at install. */
export function crossFieldProblems(v: Values, opts: { namespace?: string; terway?: string } = {}): ValueProblem[] {
  const out: ValueProblem[] = [];
  const ns = opts.namespace ?? RELEASE_NAMESPACE;
  if (ns !== RELEASE_NAMESPACE) out.push({ path: "(namespace)", message: namespaceRefusal(ns) });
  const region = regionProblem(v.region, v.typha.image.registry);
  if (region) out.push({ path: "region", message: region });
  const t = v.typha;
  out.push(
    ...requestsAboveLimits("typha.resources", t.resources),
    ...requestsAboveLimits("typha.autoscaler.resources", t.autoscaler.resources),
  );
  if (t.autoscaler.enabled && t.replicas > 0)
    out.push({
      path: "typha.replicas",
      message: "a fixed replica count is not allowed with typha.autoscaler.enabled: set it to 0",
    });
  const tag = t.image.tag; // empty: picked at install from the live Terway, always a line of the table
  if (v.mode === "relay" && t.serviceAccount.create && tag !== "" && !RBAC_LINES.includes(minorOf(tag) ?? ""))
    out.push({
      path: "typha.serviceAccount.create",
      message: `the chart knows what Typha v3.5.x, v3.20.x and v3.24.x need from the API server, not Typha ${JSON.stringify(tag)}: use one of those tags or set typha.serviceAccount.create=false (Terway's account)`,
    });
  const pairing = typhaFelixProblem(v, opts.terway);
  if (pairing) out.push(pairing);
  const plan = typhaReplicas(replicaInput(v, t.autoscaler.enabled ? 0 : t.replicas));
  if (plan.error) {
    const path = /maxReplicas/.test(plan.error.split(" ")[0])
      ? "typha.maxReplicas"
      : plan.source === "typha.replicas"
        ? "typha.replicas"
        : "nodeCount";
    out.push({ path, message: plan.error });
  }
  return out;
}

/** The replica rule's inputs from values, as the chart's terway-relay.replicaPlan reads them. */
function replicaInput(v: Values, replicas: number | undefined): ReplicaInput {
  return { nodeCount: v.nodeCount, replicas, maxReplicas: v.typha.maxReplicas, ...v.typha.replicaRule };
}

/** Shapes the chart renders but that are probably mistakes: printed as warnings, the exit code stays 0. */
export function crossFieldWarnings(v: Values): ValueProblem[] {
  const t = v.typha;
  const replicas = t.replicas;
  if (replicas === 0 || t.autoscaler.enabled) return [];
  const { rule } = typhaReplicas(replicaInput(v, undefined));
  // The planner's limit (Calico advises no more than 20 Typhas), or twice what the rule gives.
  if (replicas > rule && (replicas > CALICO_MAX_ADVISED || replicas >= 2 * rule))
    return [
      {
        path: "typha.replicas",
        message: `${replicas} is far above the rule's ${rule} replicas for ${v.nodeCount || "an unknown number of"} nodes${replicas > CALICO_MAX_ADVISED ? `, and Calico advises no more than ${CALICO_MAX_ADVISED} Typhas` : ""}: every Typha watches the API server, so set typha.replicas=0 to use the rule unless you mean it`,
      },
    ];
  return [];
}
