// Rules between values that the schema cannot express, checked by the harness before Helm is called. Their
// chart twins fail the render (terway-relay.validate and the replica plan in _helpers.tpl);
// test/differential.test.ts proves the harness and the chart refuse the same cases.
import { typhaReplicas } from "./replicas.js";
import type { ValueProblem } from "./validate.js";

/** Terway's Felix looks for the Typha Service in kube-system (facts.md: no FELIX_TYPHAK8SNAMESPACE is set). */
export const RELEASE_NAMESPACE = "kube-system";

interface Values {
  mode?: string;
  nodeCount?: number;
  typha?: {
    replicas?: number;
    maxReplicas?: number;
    replicaRule?: { formula?: "guide" | "operator"; nodesPerReplica?: number; minReplicas?: number };
    autoscaler?: { enabled?: boolean };
    serviceAccount?: { create?: boolean };
    image?: { tag?: string };
  };
}

/** Typha release lines the dedicated ClusterRole has rules for (chart/templates/_typha-rbac.tpl, terway-relay.typhaRbacLine). */
export const RBAC_LINES = ["3.5", "3.20", "3.24"];

/** Problems of schema-valid values (and the release namespace) that the chart would refuse. */
export function crossFieldProblems(values: unknown, opts: { namespace?: string } = {}): ValueProblem[] {
  const v = values as Values;
  const out: ValueProblem[] = [];
  const ns = opts.namespace ?? RELEASE_NAMESPACE;
  if (ns !== RELEASE_NAMESPACE) out.push({ path: "(namespace)", message: `release namespace ${JSON.stringify(ns)} is not allowed: install into ${RELEASE_NAMESPACE}` });
  const t = v.typha ?? {};
  if (t.autoscaler?.enabled && (t.replicas ?? 0) > 0)
    out.push({ path: "typha.replicas", message: "a fixed replica count is not allowed with typha.autoscaler.enabled: set it to 0" });
  const tag = t.image?.tag ?? ""; // empty: picked at install from the live Terway, always a line of the table
  if (t.serviceAccount?.create && tag !== "" && !RBAC_LINES.includes(/^v?[0-9]+\.[0-9]+/.exec(tag)?.[0].replace(/^v/, "") ?? ""))
    out.push({
      path: "typha.serviceAccount.create",
      message: `the chart knows what Typha v3.5.x, v3.20.x and v3.24.x need from the API server, not Typha ${JSON.stringify(tag)}: use one of those tags or set typha.serviceAccount.create=false (Terway's account)`,
    });
  const plan = typhaReplicas({
    nodeCount: v.nodeCount ?? 0,
    replicas: t.autoscaler?.enabled ? 0 : t.replicas,
    maxReplicas: t.maxReplicas,
    formula: t.replicaRule?.formula,
    nodesPerReplica: t.replicaRule?.nodesPerReplica,
    minReplicas: t.replicaRule?.minReplicas,
  } as Parameters<typeof typhaReplicas>[0]);
  if (plan.error) {
    const path = /maxReplicas/.test(plan.error.split(" ")[0]) ? "typha.maxReplicas" : plan.source === "typha.replicas" ? "typha.replicas" : "nodeCount";
    out.push({ path, message: plan.error });
  }
  return out;
}
