// The replica rule, TypeScript side. Its chart twin is "terway-relay.replicaPlan" in chart/templates/_helpers.tpl;
// test/replicas.test.ts proves both give the same answer (or refuse) for every node count 1..10000.
// Two formulas (typha.replicaRule.formula). guide, the default: one Typha per 200 nodes, at least 3 (the ACK guide;
// Calico's docs say the same for production). operator: tigera/operator's GetExpectedTyphaScale (pkg/common/autoscale.go,
// v1.28.5 to v1.38.0): 1 for up to 2 nodes, 2 for up to 4, else max(3, floor(n / 200) + 2), one spare Typha more
// than the guide. The parameters are values (typha.replicaRule); their defaults come from values.schema.json.
import type { TerwayRelayValues } from "./generated/values.js";
import { schemaDefault } from "./schema.js";

/** typha.replicaRule: the rule's parameters. */
export type RuleParameters = TerwayRelayValues["typha"]["replicaRule"];
export type Formula = RuleParameters["formula"];

/** Calico's advice: no more than 20 replicas (projectcalico/calico v3.24.5,
 * calico/getting-started/kubernetes/self-managed-onprem/onpremises.md, "Install Calico with Kubernetes API datastore,
 * more than 50 nodes"). */
export const CALICO_MAX_ADVISED = 20;

let ruleDefaultsCache: RuleParameters | undefined;

/** typha.replicaRule's defaults, as values.schema.json declares them. */
export function ruleDefaults(): RuleParameters {
  return (ruleDefaultsCache ??= {
    formula: schemaDefault("typha.replicaRule.formula") as Formula,
    nodesPerReplica: schemaDefault("typha.replicaRule.nodesPerReplica") as number,
    minReplicas: schemaDefault("typha.replicaRule.minReplicas") as number,
  });
}

export interface ReplicaInput extends Partial<RuleParameters> {
  /** Nodes Typha serves; 0 = unknown. */
  nodeCount: number;
  /** Fixed replica count; 0 = use the rule. */
  replicas?: number;
  /** Cap on the rule's count; 0 = none. */
  maxReplicas?: number;
}

export interface ReplicaPlan {
  replicas: number;
  /** Where the count comes from. */
  source: "rule" | "typha.replicas";
  /** What the rule alone (with its cap) gives for this node count. */
  rule: number;
  /** Set when the plan is refused; the same sentence the chart fails with. */
  error?: string;
}

/** The rule's count before the cap. The operator's small-cluster steps apply only to a known node count. */
function uncappedReplicas(n: number, { formula, nodesPerReplica, minReplicas }: RuleParameters): number {
  if (formula !== "operator") return Math.max(minReplicas, Math.ceil(n / nodesPerReplica));
  if (n === 0) return minReplicas;
  if (n <= 2) return 1;
  if (n <= 4) return 2;
  return Math.max(minReplicas, Math.floor(n / nodesPerReplica) + 2);
}

export function ruleReplicas(nodeCount: number, maxReplicas = 0, params: RuleParameters = ruleDefaults()): number {
  const rule = uncappedReplicas(nodeCount, params);
  return maxReplicas > 0 ? Math.min(rule, maxReplicas) : rule;
}

/** The rule as a formula over "nodes" (or the given node count), e.g. "max(3, ceil(nodes / 200))". */
export function ruleFormula(params: RuleParameters, nodes: number | string = "nodes"): string {
  return params.formula === "operator"
    ? `max(${params.minReplicas}, floor(${nodes} / ${params.nodesPerReplica}) + 2)`
    : `max(${params.minReplicas}, ceil(${nodes} / ${params.nodesPerReplica}))`;
}

/** The parameters in a refusal: the same words as the chart's. */
function ruleWords({ formula, nodesPerReplica, minReplicas }: RuleParameters): string {
  return formula === "operator"
    ? `tigera/operator's rule: floor(nodes / ${nodesPerReplica}) + 2, at least ${minReplicas}`
    : `one per ${nodesPerReplica} nodes, at least ${minReplicas}`;
}

/** The rule's parameters from an input, defaults filled in. */
export function ruleParameters(input: Partial<RuleParameters>): RuleParameters {
  const defaults = ruleDefaults();
  return {
    formula: input.formula ?? defaults.formula,
    nodesPerReplica: input.nodesPerReplica ?? defaults.nodesPerReplica,
    minReplicas: input.minReplicas ?? defaults.minReplicas,
  };
}

export function typhaReplicas(input: ReplicaInput): ReplicaPlan {
  const { nodeCount, replicas = 0, maxReplicas = 0 } = input;
  const params = ruleParameters(input);
  const rule = ruleReplicas(nodeCount, maxReplicas, params);
  const plan: ReplicaPlan =
    replicas > 0 ? { replicas, source: "typha.replicas", rule } : { replicas: rule, source: "rule", rule };
  if (maxReplicas > 0 && maxReplicas < params.minReplicas) {
    plan.error = `typha.maxReplicas=${maxReplicas} is below typha.replicaRule.minReplicas=${params.minReplicas}: raise it or set it to 0 (no cap)`;
  } else if (nodeCount > 0 && plan.source === "typha.replicas" && replicas < rule) {
    plan.error =
      `typha.replicas=${replicas} is below the rule's ${rule} replicas for ${nodeCount} nodes ` +
      `(${ruleWords(params)}): raise it or set it to 0 to use the rule`;
  } else if (nodeCount > 0 && nodeCount <= plan.replicas) {
    plan.error =
      `node count ${nodeCount} must be larger than the Typha replica count ${plan.replicas}: ` +
      `each replica takes host port 5473 on its own node, and a rolling update needs a spare node`;
  }
  return plan;
}
