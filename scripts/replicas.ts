// The replica rule, TypeScript side. Its chart twin is "terway-relay.replicaPlan" in chart/templates/_helpers.tpl;
// test/replicas-parity.test.ts proves both give the same answer (or refuse) for every node count 1..10000.
// Rule from the ACK guide: one Typha per 200 nodes, at least 3 (Calico's docs say the same for production).

export const NODES_PER_REPLICA = 200;
export const MIN_REPLICAS = 3;

export interface ReplicaInput {
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

export function ruleReplicas(nodeCount: number, maxReplicas = 0): number {
  const rule = Math.max(MIN_REPLICAS, Math.ceil(nodeCount / NODES_PER_REPLICA));
  return maxReplicas > 0 ? Math.min(rule, maxReplicas) : rule;
}

export function typhaReplicas({ nodeCount, replicas = 0, maxReplicas = 0 }: ReplicaInput): ReplicaPlan {
  const rule = ruleReplicas(nodeCount, maxReplicas);
  const plan: ReplicaPlan = replicas > 0 ? { replicas, source: "typha.replicas", rule } : { replicas: rule, source: "rule", rule };
  if (nodeCount > 0 && plan.source === "typha.replicas" && replicas < rule) {
    plan.error =
      `typha.replicas=${replicas} is below the rule's ${rule} replicas for ${nodeCount} nodes ` +
      `(one per 200 nodes, at least 3): raise it or set it to 0 to use the rule`;
  } else if (nodeCount > 0 && nodeCount <= plan.replicas) {
    plan.error =
      `node count ${nodeCount} must be larger than the Typha replica count ${plan.replicas}: ` +
      `each replica takes host port 5473 on its own node, and a rolling update needs a spare node`;
  }
  return plan;
}
