// terway-relay plan: the replica count for a node count, what each Typha carries, and the watches saved.
import { type Command, type ParsedArgs, UsageError, flag, line, str } from "./spec.js";

/** Far beyond any cluster, and keeps the arithmetic exact. */
const MAX_WHOLE = 1_000_000_000;

function whole(a: ParsedArgs, name: string, { required = false, min = 0 } = {}): number | undefined {
  const raw = str(a, name);
  if (raw === undefined) {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min) throw new UsageError(`--${name} must be at least ${min}`);
  if (n > MAX_WHOLE) throw new UsageError(`--${name} must be at most ${MAX_WHOLE}`);
  return n;
}

/**
 * The Typha version the figures assume, and a sentence saying so when it was not given. An empty typha.image.tag
 * (the chart's default) means the chart picks the tag at install time from the cluster's Terway
 * (chart/templates/_terway.tpl), and the chart's appVersion offline: the planner assumes the latter.
 */
export async function typhaAssumption(
  tag: string | undefined,
  source: string,
): Promise<{ version: string; note?: string }> {
  if (tag) return { version: tag };
  const version = (await import("../plan.js")).defaultTyphaVersion();
  return {
    version,
    note: `assumed Typha ${version}: ${source}, so the chart picks the Typha matching the cluster's Terway at install time, ${version} when it finds none`,
  };
}

/** --formula: typha.replicaRule.formula, guide (the default) or operator (tigera/operator's GetExpectedTyphaScale). */
function formula(a: ParsedArgs): "guide" | "operator" | undefined {
  const f = str(a, "formula");
  if (f === undefined || f === "guide" || f === "operator") return f;
  throw new UsageError(`--formula must be guide or operator, got ${JSON.stringify(f)}`);
}

// Options are declared here and read in run().
export const plan: Command = {
  name: "plan",
  summary: "replica count, connections per Typha and API watches saved for a node count",
  options: {
    nodes: { type: "string", arg: "N", help: "number of Linux nodes Typha serves (required)" },
    replicas: { type: "string", arg: "R", help: "fixed replica count instead of the rule (typha.replicas)" },
    "max-replicas": { type: "string", arg: "M", help: "cap on the rule's count (typha.maxReplicas); 0 for none" },
    "nodes-per-replica": {
      type: "string",
      arg: "P",
      help: "nodes per Typha in the rule (typha.replicaRule.nodesPerReplica)",
    },
    "min-replicas": { type: "string", arg: "M", help: "fewest replicas in the rule (typha.replicaRule.minReplicas)" },
    formula: {
      type: "string",
      arg: "guide|operator",
      help: "the sizing rule (typha.replicaRule.formula): the guide's, or tigera/operator's",
    },
    "typha-version": {
      type: "string",
      arg: "V",
      help: "Typha version, for its connection limits (default: the chart's appVersion)",
    },
    json: { type: "boolean", help: "print the plan as JSON" },
  },
  async run(a, io) {
    const input = {
      nodeCount: whole(a, "nodes", { required: true })!,
      replicas: whole(a, "replicas"),
      maxReplicas: whole(a, "max-replicas"),
      nodesPerReplica: whole(a, "nodes-per-replica", { min: 1 }),
      minReplicas: whole(a, "min-replicas", { min: 1 }),
      formula: formula(a),
    };
    const typha = await typhaAssumption(str(a, "typha-version"), "no --typha-version given");
    const { plan: makePlan, formatPlan } = await import("../plan.js");
    const p = makePlan({ ...input, typhaVersion: typha.version });
    if (flag(a, "json")) line(io.stdout, JSON.stringify(p, null, 2));
    else line(io.stdout, [formatPlan(p), ...(typha.note ? [`note: ${typha.note}`] : [])].join("\n"));
    // Exit 1 always comes with its one-line reason on stderr, as for every command.
    if (p.error) line(io.stderr, `terway-relay: ${p.error}`);
    return p.error ? 1 : 0;
  },
};
