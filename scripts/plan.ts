// Capacity planning: the replica count for a node count and why, what each Typha carries (steady, and after one
// is lost), and what the relay saves and costs the API server (api-load.ts). Pure arithmetic over the replica rule.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { type ApiLoad, apiLoad, lineOf, listPeriodsWords } from "./api-load.js";
import { below, majorMinor } from "./version-skew.js";
import { schemaDefault } from "./schema.js";
import { chartDir } from "./tools.js";
import {
  CALICO_MAX_ADVISED,
  ruleFormula,
  ruleParameters,
  ruleReplicas,
  typhaReplicas,
  type ReplicaInput,
  type ReplicaPlan,
  type RuleParameters,
} from "./replicas.js";

/**
 * Typha's per-instance connection limits: MaxConnectionsUpperLimit 10000 at every release; MaxConnectionsLowerLimit
 * by release (projectcalico/typha pkg/config/config_params.go at tags v3.5.0 to v3.21.0, projectcalico/calico
 * typha/pkg/config/config_params.go at v3.22.0 and v3.24.5):
 * 100 up to v3.11, 200 from v3.12 (so at v3.13), 300 from v3.15 to v3.20, 400 from v3.21 (so at v3.24).
 */
export const CONNECTION_UPPER_LIMIT = 10000;

const atLeast = (v: [number, number], minor: number) => !below(v, [3, minor]);

export function connectionLowerLimit(typhaVersion: string): number {
  const v = majorMinor(typhaVersion);
  if (!v) return 400;
  return atLeast(v, 21) ? 400 : atLeast(v, 15) ? 300 : atLeast(v, 12) ? 200 : 100;
}

/**
 * The factor Typha multiplies its connection target by (CalculateMaxConnLimit, projectcalico/typha v3.5.0 to v3.21.0
 * pkg/k8s/rebalance.go, projectcalico/calico v3.22.0 to v3.24.5 typha/pkg/k8s/rebalance.go): 1 up to v3.11, 2 from
 * v3.12, 3 from v3.15, then the number of syncer types it serves from v3.23,
 * 4 at v3.23 to v3.24.5 (calico typha/pkg/daemon/daemon.go: felix, bgp, tunnel-ip-allocation, node-status).
 * Terway's Felix uses only the Felix syncer, so from v3.12 Typha's target sits well above its real load.
 */
export function syncerMultiplier(typhaVersion: string): number {
  const v = majorMinor(typhaVersion);
  if (!v) return 4;
  return atLeast(v, 23) ? 4 : atLeast(v, 15) ? 3 : atLeast(v, 12) ? 2 : 1;
}

/** Calico's advice: at least 3 replicas in production, fewer than nodes, no more than 20 (replicas.ts); source as
 * for CALICO_MAX_ADVISED in replicas.ts. */
export const CALICO_PRODUCTION_MIN = 3;

let defaultTyphaVersionCache: string | undefined;

/** The Typha version the planner assumes unless told: the chart's default image tag, or (when that default is
 * empty, meaning "detect at install") the chart's appVersion. */
export function defaultTyphaVersion(): string {
  return (defaultTyphaVersionCache ??=
    (schemaDefault("typha.image.tag") as string) ||
    String((yaml.load(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { appVersion: string }).appVersion));
}

export interface PlanInput extends ReplicaInput {
  /** Typha version, for its connection lower limit. */
  typhaVersion?: string;
}

export interface Connections {
  /** Felix connections per Typha with every replica up, evenly spread: ceil(N / R). */
  steadyPerTypha: number;
  /** Per Typha once one replica is gone (rolling update, node loss): ceil(N / (R - 1)); null with one replica. */
  afterLossPerTypha: number | null;
  /**
   * The connection limit each Typha sets itself with TYPHA_CONNECTIONREBALANCINGMODE=kubernetes
   * (projectcalico/calico v3.24.5 typha/pkg/k8s/rebalance.go): multiplier * (1 + N*1.2/(R-1)) in integer arithmetic, clamped to [lower, upper];
   * a lone Typha takes the upper limit. Above it, Typha sheds connections so Felix moves to another Typha.
   */
  rebalanceTarget: number;
  rebalanceReason: "fraction+20%" | "configured lower limit" | "configured upper limit" | "lone typha";
  limits: { lower: number; upper: number };
}

export interface Plan extends ReplicaPlan {
  nodeCount: number;
  parameters: RuleParameters & { maxReplicas: number; typhaVersion: string };
  reasoning: string[];
  connections: Connections;
  /**
   * API-server watches per watched resource type (nodes, pods, policies, ...): without the relay every Felix opens
   * its own watch; with it the Typhas do, and Felix talks to Typha. The reduction holds for every type. Typha v3.5
   * also lists every Node from each replica: apiLoad.
   */
  watches: { withoutRelay: number; withRelay: number; reduction: number };
  /** Node objects the API server sends per second on watches and, per Typha line, on Typha's node lists. */
  apiLoad: ApiLoad;
  warnings: string[];
}

/** Typha's own CalculateMaxConnLimit: multiplier * (1 + N*120/(R-1)/100) in integer arithmetic, clamped. */
export function rebalanceTarget(
  nodes: number,
  typhas: number,
  lower: number,
  upper = CONNECTION_UPPER_LIMIT,
  multiplier = 1,
): Pick<Connections, "rebalanceTarget" | "rebalanceReason"> {
  if (typhas <= 1) return { rebalanceTarget: upper, rebalanceReason: "lone typha" };
  const candidate = multiplier * (1 + Math.floor(Math.floor((nodes * 120) / (typhas - 1)) / 100));
  if (candidate > upper) return { rebalanceTarget: upper, rebalanceReason: "configured upper limit" };
  if (candidate > lower) return { rebalanceTarget: candidate, rebalanceReason: "fraction+20%" };
  return { rebalanceTarget: lower, rebalanceReason: "configured lower limit" };
}

/** The rebalance target a Typha of `typhaVersion` computes for `nodes` Felix on `typhas` Typhas: its limits and
 * multiplier at that version (plan, doctor's connections check and the alerts' figures all ask this). */
export function typhaRebalanceTarget(nodes: number, typhas: number, typhaVersion: string) {
  return rebalanceTarget(
    nodes,
    typhas,
    connectionLowerLimit(typhaVersion),
    CONNECTION_UPPER_LIMIT,
    syncerMultiplier(typhaVersion),
  );
}

export function plan(input: PlanInput): Plan {
  const params = ruleParameters(input);
  const maxReplicas = input.maxReplicas ?? 0;
  const typhaVersion = input.typhaVersion ?? defaultTyphaVersion();
  const p = typhaReplicas({ ...input, ...params, maxReplicas });
  const n = input.nodeCount;
  const r = p.replicas;
  const uncapped = ruleReplicas(n, 0, params);
  const smallStep = params.formula === "operator" && n > 0 && n <= 4;

  const reasoning = [
    `rule${params.formula === "operator" ? " (tigera/operator's)" : ""}: ` +
      (smallStep
        ? `${uncapped} for ${n} nodes (1 up to 2 nodes, 2 up to 4)`
        : `${ruleFormula(params, n)} = ${uncapped}`) +
      (maxReplicas > 0 && uncapped > maxReplicas ? `, capped at typha.maxReplicas=${maxReplicas} -> ${p.rule}` : ""),
    p.source === "typha.replicas" ? `typha.replicas=${r} overrides the rule` : `replicas = ${r} (the rule)`,
  ];
  if (p.error) reasoning.push(`refused: ${p.error}`);

  const lower = connectionLowerLimit(typhaVersion);
  const connections: Connections = {
    steadyPerTypha: Math.ceil(n / r),
    afterLossPerTypha: r > 1 ? Math.ceil(n / (r - 1)) : null,
    ...typhaRebalanceTarget(n, r, typhaVersion),
    limits: { lower, upper: CONNECTION_UPPER_LIMIT },
  };

  const warnings: string[] = [];
  if (n === 0) warnings.push("node count unknown (0): the figures assume no nodes; give --nodes");
  if (r > CALICO_MAX_ADVISED)
    warnings.push(
      `${r} replicas: Calico advises no more than ${CALICO_MAX_ADVISED} Typhas; cap with typha.maxReplicas=${CALICO_MAX_ADVISED} or raise nodesPerReplica`,
    );
  if (n > 0 && r >= n)
    warnings.push(
      `${r} replicas for ${n} nodes: Calico requires fewer Typhas than nodes (host port 5473, one per node), or rolling updates stall`,
    );
  if (r === 1)
    warnings.push(
      "a single Typha: when it restarts every Felix loses its relay at once (Calico: at least 3 in production)",
    );
  else if (r < CALICO_PRODUCTION_MIN)
    warnings.push(`${r} replicas: Calico advises at least ${CALICO_PRODUCTION_MIN} in production`);
  if (connections.afterLossPerTypha !== null && connections.afterLossPerTypha > CONNECTION_UPPER_LIMIT)
    warnings.push(
      `after losing one Typha each would carry ${connections.afterLossPerTypha} connections, above Typha's limit of ${CONNECTION_UPPER_LIMIT}`,
    );

  const result: Plan = {
    ...p,
    nodeCount: n,
    parameters: { ...params, maxReplicas, typhaVersion },
    reasoning,
    connections,
    watches: { withoutRelay: n, withRelay: r, reduction: Math.round((n / r) * 10) / 10 },
    apiLoad: apiLoad(n, r),
    warnings,
  };
  const listsWarning = apiLoadWarning(result);
  if (listsWarning) warnings.push(listsWarning);
  return result;
}

/** The warning of a plan whose Typha line lists Nodes at a cost above what the relay saves (api-load.ts), if any. */
export function apiLoadWarning(p: Plan): string | undefined {
  const load = p.apiLoad;
  const line = load.lines.find((l) => l.typha === lineOf(p.parameters.typhaVersion));
  if (p.error || !line?.listsCostMore) return undefined;
  return (
    `Typha ${p.parameters.typhaVersion} lists all ${p.nodeCount} nodes from each of its ${p.replicas} replicas ${listPeriodsWords(line.typha)}: ` +
    `${line.nodeObjectsListedPerSecond} Node objects/s, more than the ${load.nodeWatchObjectsPerSecond.saved} ` +
    `the relay saves on Felix's node watches (a Node update every ${load.nodeUpdateSeconds} s); ` +
    "Typha from v3.20 (Terway with Felix v3.20 or later) watches instead"
  );
}

/** The Node objects the API server sends per second, on watches and per Typha line on node lists. */
function formatApiLoad(p: Plan): string[] {
  const { nodeUpdateSeconds, nodeWatchObjectsPerSecond: w, lines } = p.apiLoad;
  return [
    `API-server load from Nodes (each Node updated every ${nodeUpdateSeconds} s, kubelet's floor):`,
    `  node watches: ${w.withoutRelay} Node objects/s without the relay, ${w.withRelay} with it (${w.saved} saved)`,
    ...lines.map((l) =>
      l.nodeListsPerSecond === 0
        ? `  Typha ${l.typha} node lists: none (it watches)`
        : `  Typha ${l.typha} node lists: ${l.nodeListsPerSecond} LISTs/s, ${l.nodeObjectsListedPerSecond} Node objects/s ` +
          `(each of ${p.replicas} replicas lists ${p.nodeCount} nodes ${listPeriodsWords(l.typha)})` +
          (l.listsCostMore ? ", more than the relay saves" : ""),
    ),
  ];
}

export function formatPlan(p: Plan): string {
  const c = p.connections;
  const lines = [
    `nodes: ${p.nodeCount}`,
    `replicas: ${p.error ? "refused" : p.replicas}`,
    ...p.reasoning.map((r) => `  ${r}`),
  ];
  if (!p.error) {
    lines.push(
      `connections per Typha (Typha ${p.parameters.typhaVersion}, limits ${c.limits.lower}..${c.limits.upper}):`,
      `  steady: ${c.steadyPerTypha}`,
      `  after losing one replica: ${c.afterLossPerTypha ?? "none left"}`,
      `  rebalancing target: ${c.rebalanceTarget} (${c.rebalanceReason})`,
      `API-server watches per resource type: ${p.watches.withoutRelay} without the relay, ${p.watches.withRelay} with it (${p.watches.reduction}x fewer)`,
      ...formatApiLoad(p),
    );
  }
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
