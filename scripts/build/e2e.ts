// npm run e2e: the live-cluster proof, opt-in. Against the current kube context it installs the chart, waits for
// Typha, checks the Service endpoints and eni-config's felix_relay_service, upgrades with no change (Terway must not
// restart), runs `helm test` and `terway-relay doctor`, uninstalls and checks that eni-config's data is
// byte-identical to before.
// It never touches a cluster without Terway, and never touches anything without --yes. With no reachable cluster it
// prints SKIPPED and exits 0: a skip is never reported as a pass.
//   npm run e2e -- [--yes] [--helm 3|4] [-f values.yaml]... [--set k=v]... [--release NAME] [--timeout 20m]
import { execa } from "execa";
import { join } from "node:path";
import { DEFAULT_RELEASE_NAME, RELEASE_NAMESPACE } from "../release.js";
import { chartDir, helmBin, kubectlBin, repoRoot, type HelmMajor } from "../tools.js";
import { isMain } from "./is-main.js";

export interface E2eOptions {
  yes: boolean;
  helm: HelmMajor;
  files: string[];
  sets: string[];
  release: string;
  timeout: string;
  kubectl: string;
}

export type Outcome = {
  status: "SKIPPED" | "REFUSED" | "NOT RUN" | "PASSED" | "FAILED";
  message: string;
  exitCode: number;
};

export function parseE2eArgs(argv: string[]): E2eOptions {
  const o: E2eOptions = {
    yes: false,
    helm: 4,
    files: [],
    sets: [],
    release: DEFAULT_RELEASE_NAME,
    timeout: "20m",
    kubectl: kubectlBin(),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--yes") o.yes = true;
    else if (a === "--helm") o.helm = next() === "3" ? 3 : 4;
    else if (a === "-f" || a === "--values") o.files.push(next());
    else if (a === "--set") o.sets.push(next());
    else if (a === "--release") o.release = next();
    else if (a === "--timeout") o.timeout = next();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

type Log = (line: string) => void;

/** kubectl with a short request timeout; reads go through --raw so no discovery is needed. */
async function kubectl(o: E2eOptions, args: string[]) {
  return execa(o.kubectl, ["--request-timeout=10s", ...args], { reject: false });
}

async function getRaw<T>(o: E2eOptions, path: string): Promise<T | undefined> {
  const r = await kubectl(o, ["get", "--raw", path]);
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

async function helm(o: E2eOptions, args: string[], log: Log): Promise<void> {
  log(`$ helm ${args.join(" ")}`);
  const r = await execa(helmBin(o.helm), args, { reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`helm ${args[0]} failed (exit ${r.exitCode}):\n${r.all}`);
}

interface ConfigMap {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}
interface DaemonSet {
  metadata: { name: string; generation?: number };
  spec: { selector: { matchLabels: Record<string, string> } };
}
interface PodList {
  items: { metadata: { name: string; uid: string } }[];
}

const cmPath = `/api/v1/namespaces/${RELEASE_NAMESPACE}/configmaps/eni-config`;
const TERWAY_DAEMONSETS = ["terway-eniip", "terway"];

async function terwayDaemonSets(o: E2eOptions): Promise<DaemonSet[]> {
  const found: DaemonSet[] = [];
  for (const name of TERWAY_DAEMONSETS) {
    const ds = await getRaw<DaemonSet>(o, `/apis/apps/v1/namespaces/${RELEASE_NAMESPACE}/daemonsets/${name}`);
    if (ds) found.push(ds);
  }
  return found;
}

/** Terway pods and DaemonSet generations: unchanged means Terway did not restart. */
async function terwayState(o: E2eOptions): Promise<string> {
  const parts: string[] = [];
  for (const ds of await terwayDaemonSets(o)) {
    const sel = Object.entries(ds.spec.selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const pods = await getRaw<PodList>(
      o,
      `/api/v1/namespaces/${RELEASE_NAMESPACE}/pods?labelSelector=${encodeURIComponent(sel)}`,
    );
    parts.push(
      `${ds.metadata.name}@${ds.metadata.generation}:${(pods?.items ?? [])
        .map((p) => p.metadata.uid)
        .sort()
        .join(",")}`,
    );
  }
  return parts.join(";");
}

/** The cluster's region, from the nodes' topology label, when values do not give one. */
async function clusterRegion(o: E2eOptions): Promise<string | undefined> {
  const nodes = await getRaw<{ items: { metadata: { labels?: Record<string, string> } }[] }>(
    o,
    "/api/v1/nodes?limit=1",
  );
  const l = nodes?.items[0]?.metadata.labels ?? {};
  return l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"];
}

export async function runE2e(o: E2eOptions, log: Log = console.log): Promise<Outcome> {
  // 1. Is there a cluster at all? No context or no answer: skipped, never passed.
  const ctx = await kubectl(o, ["config", "current-context"]);
  if (ctx.exitCode !== 0)
    return {
      status: "SKIPPED",
      message: `no kube context configured (${ctx.stderr.trim() || "kubectl config current-context failed"}); nothing was proven on a live cluster`,
      exitCode: 0,
    };
  const context = ctx.stdout.trim();
  const version = await kubectl(o, ["version", "-o", "json"]);
  const server = (() => {
    try {
      return (JSON.parse(version.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
    } catch {
      return undefined;
    }
  })();
  if (!server)
    return {
      status: "SKIPPED",
      message: `context ${context} is not reachable (${version.stderr.trim().split("\n").pop()}); nothing was proven on a live cluster`,
      exitCode: 0,
    };

  // 2. Terway or nothing: the chart edits Terway's eni-config and rolls Terway's DaemonSet.
  const before = await getRaw<ConfigMap>(o, cmPath);
  const daemonSets = await terwayDaemonSets(o);
  if (!before || daemonSets.length === 0)
    return {
      status: "REFUSED",
      message: `context ${context} (Kubernetes ${server}) has no Terway: ${!before ? `no ConfigMap ${RELEASE_NAMESPACE}/eni-config` : `no DaemonSet ${TERWAY_DAEMONSETS.join(" or ")} in ${RELEASE_NAMESPACE}`}. Nothing was touched.`,
      exitCode: 3,
    };

  // 3. Nothing is touched without an explicit flag.
  const plan = `install ${o.release} into ${RELEASE_NAMESPACE} of context ${context} (Kubernetes ${server}, Terway DaemonSet ${daemonSets.map((d) => d.metadata.name).join(", ")}), upgrade it, helm test, terway-relay doctor, uninstall`;
  if (!o.yes)
    return {
      status: "NOT RUN",
      message: `would ${plan}. This edits eni-config and rolls Terway: re-run with npm run e2e -- --yes to proceed.`,
      exitCode: 2,
    };

  const values = [...o.files.flatMap((f) => ["-f", f]), ...o.sets.flatMap((s) => ["--set", s])];
  if (!o.sets.some((s) => s.startsWith("region=")) && o.files.length === 0) {
    const region = await clusterRegion(o);
    if (!region)
      return {
        status: "FAILED",
        message: "no region given (--set region=...) and none on the nodes' topology.kubernetes.io/region label",
        exitCode: 1,
      };
    values.push("--set", `region=${region}`);
  }
  const serviceName = o.sets.find((s) => s.startsWith("typha.serviceName="))?.split("=")[1] ?? "calico-typha";
  const common = ["-n", RELEASE_NAMESPACE, "--wait", "--timeout", o.timeout];
  let installed = false;
  const step = async (name: string, f: () => Promise<void>) => {
    log(`== ${name}`);
    await f();
  };
  try {
    await step("install", async () => {
      installed = true;
      await helm(o, ["install", o.release, chartDir, ...common, ...values], log);
    });
    await step("Typha endpoints", async () => {
      const ep = await getRaw<{ subsets?: { addresses?: unknown[]; ports?: { name?: string; port: number }[] }[] }>(
        o,
        `/api/v1/namespaces/${RELEASE_NAMESPACE}/endpoints/${serviceName}`,
      );
      const ready = (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).length;
      const port = (ep?.subsets ?? []).flatMap((s) => s.ports ?? []).find((p) => p.name === "calico-typha");
      if (ready === 0 || port?.port !== 5473)
        throw new Error(`Service ${serviceName} has ${ready} ready endpoints, port calico-typha=${port?.port}`);
      log(`   ${ready} ready Typha endpoints on port calico-typha 5473`);
    });
    await step("eni-config", async () => {
      const cm = await getRaw<ConfigMap>(o, cmPath);
      if (cm?.data?.felix_relay_service !== serviceName)
        throw new Error(
          `eni-config felix_relay_service is ${JSON.stringify(cm?.data?.felix_relay_service)}, not ${serviceName}`,
        );
      log(`   felix_relay_service: ${serviceName}`);
    });
    await step("upgrade with no change: Terway must not restart", async () => {
      const terway = await terwayState(o);
      await helm(o, ["upgrade", o.release, chartDir, ...common, "--reset-then-reuse-values"], log);
      const after = await terwayState(o);
      if (after !== terway) throw new Error(`Terway changed on a no-op upgrade:\n before ${terway}\n after  ${after}`);
    });
    await step("helm test", () => helm(o, ["test", o.release, "-n", RELEASE_NAMESPACE, "--timeout", o.timeout], log));
    await step("terway-relay doctor: no check fails", async () => {
      // What only a real cluster proves (docs/doctor.md): the pod proxy to Typha's metrics, kube-apiserver's own
      // Table and metadata-only lists, the user's credential plugin under kubectl proxy.
      const r = await execa(
        process.execPath,
        [join(repoRoot, "dist/terway-relay.js"), "doctor", "--json", "--release", o.release],
        { env: { KUBECTL_BIN: o.kubectl }, reject: false },
      );
      const doc = JSON.parse(r.stdout || "{}") as {
        healthy?: boolean;
        checks?: { id: string; status: string; summary: string }[];
      };
      for (const c of doc.checks ?? []) log(`   ${c.status} ${c.id}: ${c.summary}`);
      if (doc.healthy !== true) throw new Error(`doctor exited ${r.exitCode}: ${r.stderr.trim() || "a check failed"}`);
    });
    await step("uninstall", async () => {
      await helm(o, ["uninstall", o.release, "-n", RELEASE_NAMESPACE, "--wait", "--timeout", o.timeout], log);
      installed = false;
    });
    await step("eni-config byte-identical to before", async () => {
      const after = await getRaw<ConfigMap>(o, cmPath);
      const same =
        JSON.stringify([before.data ?? {}, before.binaryData ?? {}]) ===
        JSON.stringify([after?.data ?? {}, after?.binaryData ?? {}]);
      if (!same)
        throw new Error(
          `eni-config data differs after uninstall:\n before ${JSON.stringify(before.data)}\n after  ${JSON.stringify(after?.data)}`,
        );
    });
  } catch (e) {
    let cleanup = "";
    if (installed) {
      const r = await execa(
        helmBin(o.helm),
        ["uninstall", o.release, "-n", RELEASE_NAMESPACE, "--wait", "--timeout", o.timeout],
        {
          reject: false,
        },
      );
      const after = await getRaw<ConfigMap>(o, cmPath);
      cleanup = `\ncleanup: helm uninstall exited ${r.exitCode}; eni-config data ${JSON.stringify(after?.data) === JSON.stringify(before.data) ? "restored" : `NOT restored: ${JSON.stringify(after?.data)}`}`;
    }
    return { status: "FAILED", message: `${e instanceof Error ? e.message : String(e)}${cleanup}`, exitCode: 1 };
  }
  return {
    status: "PASSED",
    message: `on ${context} (Kubernetes ${server}): install, endpoints, eni-config, no-op upgrade without Terway restart, helm test, doctor healthy, uninstall, eni-config restored byte for byte`,
    exitCode: 0,
  };
}

if (isMain(import.meta.url)) {
  let outcome: Outcome;
  try {
    outcome = await runE2e(parseE2eArgs(process.argv.slice(2)));
  } catch (e) {
    outcome = { status: "FAILED", message: e instanceof Error ? e.message : String(e), exitCode: 1 };
  }
  console.log(`${outcome.status}: ${outcome.message}`);
  process.exitCode = outcome.exitCode;
}
