#!/usr/bin/env node
// terway-relay CLI: arguments -> one function per command. Modules load lazily so `render` pays only for what
// it uses (no schema compilation, no TypeScript: the validator is precompiled, the CLI is compiled JS).
import type { HelmMajor } from "./tools.js";

const USAGE = `usage:
  terway-relay render [-f values.yaml]... [--set k=v]... [--kube-version X] [--api-versions X]... [--helm 3|4]
  terway-relay validate FILE... [--set k=v]...
  terway-relay plan --nodes N [--replicas R] [--max-replicas M] [--nodes-per-replica P] [--min-replicas M] [--formula guide|operator] [--typha-version V] [--json]
  terway-relay adopt [-f values.yaml]... [--set k=v]... [--release NAME] [--run]
  terway-relay example`;

class UsageError extends Error {}

interface Args {
  positional: string[];
  files: string[];
  sets: string[];
  apiVersions: string[];
  flags: Map<string, string>;
  bools: Set<string>;
}

const VALUE_FLAGS = new Set(["--kube-version", "--helm", "--nodes", "--replicas", "--max-replicas", "--nodes-per-replica", "--min-replicas", "--formula", "--typha-version", "--release"]);

function parseArgs(argv: string[]): Args {
  const a: Args = { positional: [], files: [], sets: [], apiVersions: [], flags: new Map(), bools: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const takesValue = ["-f", "--values", "--set", "--api-versions"].includes(name) || VALUE_FLAGS.has(name);
    if (!takesValue) {
      if (name === "--json" || name === "--help" || name === "-h" || name === "--run") a.bools.add(name);
      else if (name.startsWith("-")) throw new UsageError(`unknown option ${name}`);
      else a.positional.push(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (name === "-f" || name === "--values") a.files.push(value);
    else if (name === "--set") a.sets.push(value);
    else if (name === "--api-versions") a.apiVersions.push(...value.split(","));
    else a.flags.set(name, value);
  }
  return a;
}

function intFlag(a: Args, name: string, required = false): number | undefined {
  const raw = a.flags.get(name);
  if (raw === undefined) {
    if (required) throw new UsageError(`${name} is required`);
    return undefined;
  }
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function positive(n: number | undefined, name: string): number | undefined {
  if (n === 0) throw new UsageError(`${name} must be at least 1`);
  return n;
}

function helmFlag(a: Args): HelmMajor | undefined {
  const h = a.flags.get("--helm");
  if (h === undefined) return undefined;
  if (h !== "3" && h !== "4") throw new UsageError(`--helm must be 3 or 4, got ${JSON.stringify(h)}`);
  return Number(h) as HelmMajor;
}

/** Validates the merged values; prints every problem and returns false when there are any. */
async function checkValues(files: string[], sets: string[]): Promise<boolean> {
  const [{ mergeValues }, { validateValues, formatProblems }] = await Promise.all([import("./values.js"), import("./validate.js")]);
  const problems = validateValues(mergeValues({ files, sets }));
  if (problems.length === 0) return true;
  console.error(`invalid values:\n${formatProblems(problems)}`);
  return false;
}

async function cmdRender(a: Args): Promise<number> {
  const helm = helmFlag(a);
  const { render, sizingNote, HelmError } = await import("./render.js");
  // `helm template` changes nothing, so it runs while the values are validated (the two together cost about what
  // Helm alone does); its output is used only once the values pass, and Helm is stopped when they do not.
  const cancel = new AbortController();
  const rendering = render({ files: a.files, sets: a.sets, helm, kubeVersion: a.flags.get("--kube-version"), apiVersions: a.apiVersions }, cancel.signal);
  rendering.catch(() => undefined); // awaited below, or abandoned with the invalid values
  if (!(await checkValues(a.files, a.sets))) {
    cancel.abort();
    return 1;
  }
  try {
    const r = await rendering;
    const sizing = sizingNote(r.objects);
    if (sizing.unknownNodes) console.error(`warning: ${sizing.note}`);
    process.stdout.write(r.manifest.endsWith("\n") ? r.manifest : `${r.manifest}\n`);
    return 0;
  } catch (e) {
    if (e instanceof HelmError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

async function cmdValidate(a: Args): Promise<number> {
  if (a.positional.length === 0) throw new UsageError("validate needs at least one values file");
  if (!(await checkValues(a.positional, a.sets))) return 1;
  console.log(`valid: ${a.positional.join(", ")}`);
  return 0;
}

/** --formula: typha.replicaRule.formula, guide (the default) or operator (tigera/operator's GetExpectedTyphaScale). */
function formulaFlag(a: Args): "guide" | "operator" | undefined {
  const f = a.flags.get("--formula");
  if (f === undefined || f === "guide" || f === "operator") return f;
  throw new UsageError(`--formula must be guide or operator, got ${JSON.stringify(f)}`);
}

async function cmdPlan(a: Args): Promise<number> {
  const { plan, formatPlan } = await import("./plan.js");
  const p = plan({
    nodeCount: intFlag(a, "--nodes", true)!,
    replicas: intFlag(a, "--replicas"),
    maxReplicas: intFlag(a, "--max-replicas"),
    nodesPerReplica: positive(intFlag(a, "--nodes-per-replica"), "--nodes-per-replica"),
    minReplicas: positive(intFlag(a, "--min-replicas"), "--min-replicas"),
    formula: formulaFlag(a),
    typhaVersion: a.flags.get("--typha-version"),
  });
  console.log(a.bools.has("--json") ? JSON.stringify(p, null, 2) : formatPlan(p));
  return p.error ? 1 : 0;
}

/** Migration from the guide: print (or with --run, run) the kubectl commands that let the release adopt a relay
 * applied by hand. The Service name comes from the same values the release will use. */
async function cmdAdopt(a: Args): Promise<number> {
  if (!(await checkValues(a.files, a.sets))) return 1;
  const [{ mergeValues }, { adoptCommands, formatCommands, runAdopt, serviceNote }] = await Promise.all([import("./values.js"), import("./adopt.js")]);
  const values = mergeValues({ files: a.files, sets: a.sets }) as { typha: { serviceName: string } };
  const opts = { release: a.flags.get("--release"), serviceName: values.typha.serviceName };
  const note = serviceNote(opts);
  if (note) console.error(`note: ${note}`);
  if (!a.bools.has("--run")) {
    console.log(formatCommands(adoptCommands(opts)));
    return 0;
  }
  return (await runAdopt(opts, (line) => console.log(line))) ? 0 : 1;
}

/** `npm start`: render the built-in example and print its plan; no cluster needed. */
async function cmdExample(): Promise<number> {
  const [{ resolveFromRoot }, { render }, { plan, formatPlan }, { mergeValues }] = await Promise.all([
    import("./tools.js"),
    import("./render.js"),
    import("./plan.js"),
    import("./values.js"),
  ]);
  const file = resolveFromRoot("examples/values-1000-nodes.yaml");
  if (!(await checkValues([file], []))) return 1;
  const values = mergeValues({ files: [file] }) as {
    nodeCount: number;
    typha: { replicas: number; maxReplicas: number; replicaRule: { nodesPerReplica: number; minReplicas: number }; image: { tag: string } };
  };
  const r = await render({ files: [file] });
  console.log(`# terway-relay example: ${file}\n# rendered ${r.objects.length} objects:`);
  for (const o of r.objects) console.log(`#   ${o.apiVersion} ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
  console.log(`# plan:\n${formatPlan(plan({ nodeCount: values.nodeCount, replicas: values.typha.replicas, maxReplicas: values.typha.maxReplicas, ...values.typha.replicaRule, typhaVersion: values.typha.image.tag })).replace(/^/gm, "#   ")}`);
  console.log(`# full manifest: npx terway-relay render -f examples/values-1000-nodes.yaml`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const a = parseArgs(argv);
    const [cmd] = a.positional.splice(0, 1);
    if (a.bools.has("--help") || a.bools.has("-h") || cmd === undefined) {
      console.log(USAGE);
      return cmd === undefined && !a.bools.size ? 2 : 0;
    }
    switch (cmd) {
      case "render":
        return await cmdRender(a);
      case "validate":
        return await cmdValidate(a);
      case "plan":
        return await cmdPlan(a);
      case "adopt":
        return await cmdAdopt(a);
      case "example":
        return await cmdExample();
      default:
        throw new UsageError(`unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`terway-relay: ${e.message}\n${USAGE}`);
      return 2;
    }
    console.error(`terway-relay: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
