// Capacity planning: the replica count for a node count, and why.
import { MIN_REPLICAS, NODES_PER_REPLICA, typhaReplicas, type ReplicaInput, type ReplicaPlan } from "./replicas.js";

export interface Plan extends ReplicaPlan {
  nodeCount: number;
  reasoning: string[];
}

export function plan(input: ReplicaInput): Plan {
  const p = typhaReplicas(input);
  const n = input.nodeCount;
  const reasoning = [
    `rule: max(${MIN_REPLICAS}, ceil(${n} / ${NODES_PER_REPLICA})) = ${Math.max(MIN_REPLICAS, Math.ceil(n / NODES_PER_REPLICA))}` +
      (input.maxReplicas ? `, capped at typha.maxReplicas=${input.maxReplicas} -> ${p.rule}` : ""),
    p.source === "typha.replicas" ? `typha.replicas=${p.replicas} overrides the rule` : `replicas = ${p.replicas} (the rule)`,
  ];
  if (p.error) reasoning.push(`refused: ${p.error}`);
  return { ...p, nodeCount: n, reasoning };
}

export function formatPlan(p: Plan): string {
  return [`nodes: ${p.nodeCount}`, `replicas: ${p.error ? "refused" : p.replicas}`, ...p.reasoning.map((r) => `  ${r}`)].join("\n");
}
