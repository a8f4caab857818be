// Runs the chart's hook script the way a hook Job would: the script and the environment come from the rendered
// chart (the script ConfigMap and each phase's Job), the identity and permissions from the rendered
// ServiceAccount, Role and RoleBinding, and the real kubectl talks to the fake API server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { afterAll, beforeAll, expect } from "vitest";
import type { KubeObject } from "../../scripts/render.js";
import { containerEnv, renderObjects } from "./renders.js";
import { kubectlBin, repoRoot } from "../../scripts/tools.js";
import {
  type ClusterState,
  FakeApiServer,
  type FakeCluster,
  type Identity,
  type Obj,
  type PolicyRule,
} from "./fake-kube-apiserver.js";

export const PHASES = [
  "pre-install",
  "post-install",
  "pre-upgrade",
  "post-upgrade",
  "pre-rollback",
  "post-rollback",
  "pre-delete",
] as const;
export type Phase = (typeof PHASES)[number];

export interface HookVariant {
  sets: string[];
  objects: KubeObject[];
  script: string;
  /** The other files of the script's ConfigMap (its go-templates), mounted beside it as the Job mounts them. */
  files: Record<string, string>;
  identity: Identity;
  /** Each hook Job's environment, by the Job's name after the hook's base name: the phase under plain Helm
   * (pre-install ... pre-delete), pre-sync/post-sync/pre-delete in GitOps mode, restore with gitops.restoreOnSync. */
  env: Record<string, Record<string, string>>;
}

const fixtureDir = join(repoRoot, "test/fixtures/terway");
export const fixture = (name: string): Obj => yaml.load(readFileSync(join(fixtureDir, name), "utf8")) as Obj;

type HookJob = KubeObject & { spec: { template: { spec: { serviceAccountName: string } } } };

/** The relay release the hook suites run: Typha matching the fixtures' Terway v1.9.0 (Felix v3.24.5), 320 nodes. */
export const RELAY = ["region=cn-hangzhou", "nodeCount=320", "typha.image.tag=v3.24.5"];
/** The record naming the release that wrote the hook's records (the suite renders release terway-relay in kube-system). */
export const STAMP = { "terway-relay/release": "kube-system/terway-relay" };

/** The sets that switch a release to disable-network-policy mode. */
export const DISABLE = ["mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"];

const variants = new Map<string, Promise<HookVariant>>();

/** What the hook Jobs of the chart rendered with `sets` run with; built once per worker and sets (the hook suites
 * share the relay and disable releases), from the worker's cached render, which the invariants are checked on. */
export function hookVariant(sets: string[], helm: 3 | 4 = 4): Promise<HookVariant> {
  const key = JSON.stringify([sets, helm]);
  let v = variants.get(key);
  if (!v) variants.set(key, (v = buildVariant(sets, helm)));
  return v;
}

async function buildVariant(sets: string[], helm: 3 | 4): Promise<HookVariant> {
  const objects = await renderObjects({ sets, helm });
  const hooks = objects.filter((o) => o.metadata.annotations?.["helm.sh/hook"]);
  const cm = hooks.find((o) => o.kind === "ConfigMap")!;
  const role = hooks.find((o) => o.kind === "Role")!;
  const binding = hooks.find((o) => o.kind === "RoleBinding")! as KubeObject & {
    roleRef: { name: string };
    subjects: { kind: string; name: string; namespace: string }[];
  };
  if (binding.roleRef.name !== role.metadata.name) throw new Error("the hook RoleBinding does not bind the hook Role");
  const env: Record<string, Record<string, string>> = {};
  const base = `${cm.metadata.name}-`;
  const jobs = hooks.filter((o) => o.kind === "Job" && o.metadata.name?.startsWith(base)) as HookJob[];
  if (jobs.length === 0) throw new Error("no hook Job");
  const accounts = new Set(jobs.map((j) => j.spec.template.spec.serviceAccountName));
  if (accounts.size !== 1) throw new Error(`the hook Jobs run as ${[...accounts].join(", ")}, not one ServiceAccount`);
  for (const job of jobs) env[job.metadata.name!.slice(base.length)] = containerEnv(job);
  const serviceAccount = [...accounts][0];
  const subject = binding.subjects.find((s) => s.kind === "ServiceAccount" && s.name === serviceAccount);
  if (!subject) throw new Error(`the hook RoleBinding does not bind the Jobs' ServiceAccount ${serviceAccount}`);
  return {
    sets,
    objects,
    script: (cm.data as Record<string, string>)["relay-hook.sh"],
    files: Object.fromEntries(Object.entries(cm.data as Record<string, string>).filter(([k]) => k !== "relay-hook.sh")),
    identity: { user: `system:serviceaccount:${subject.namespace}:${subject.name}`, rules: role.rules as PolicyRule[] },
    env,
  };
}

/** One kubectl cache (discovery and HTTP) for every phase this worker runs: each Job has its own HOME, as in the
 * cluster, but a fresh cache would make each phase's first kubectl read discovery again (about 20 ms of CPU each).
 * kubectl writes its cache files by rename, so phases running side by side share it safely. */
let kubeCacheDir: string | undefined;
function kubeCache(): string {
  if (!kubeCacheDir) {
    const dir = mkdtempSync(join(tmpdir(), "terway-relay-kubecache-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    kubeCacheDir = dir;
  }
  return kubeCacheDir;
}

export interface PhaseResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs one phase's Job: the rendered script and env, the real kubectl on PATH, the fake API server. */
export async function runPhase(
  cluster: FakeCluster,
  variant: HookVariant,
  phase: Phase | string,
  overrides: Record<string, string> = {},
): Promise<PhaseResult> {
  if (!variant.env[phase]) throw new Error(`no hook Job ${phase} in ${variant.sets.join(" ")}`);
  const dir = mkdtempSync(join(tmpdir(), "terway-relay-hook-"));
  const script = join(dir, "relay-hook.sh");
  writeFileSync(script, variant.script);
  for (const [name, text] of Object.entries(variant.files)) writeFileSync(join(dir, name), text);
  const kubeconfig = cluster.kubeconfig(dir, variant.identity);
  const metricsPort = await cluster.startMetrics();
  const r = await execa("/bin/sh", [script], {
    cwd: dir,
    reject: false,
    all: true,
    // A safety net against a hung kubectl, not an assertion on time.
    timeout: 45_000,
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...variant.env[phase],
      HOME: dir,
      TMPDIR: dir,
      KUBECONFIG: kubeconfig,
      KUBECACHEDIR: kubeCache(),
      KUBECTL: kubectlBin(),
      METRICS_PORT: String(metricsPort),
      // The Job polls every 5 s; tests poll the fake faster (GNU and busybox sleep take fractions).
      POLL_SECONDS: "0.2",
      // kubectl lives for a fraction of a second: garbage collection only costs it time.
      GOGC: "off",
      ...overrides,
    },
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.timedOut)
    throw new Error(`hook Job ${phase} still ran after 45 s (hung?), killed; its output so far:\n${r.all}`);
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, output: r.all ?? "" };
}

/** Runs one hook Job that must succeed: exit 0, or an assertion failure that shows the Job's output. */
export async function runOk(
  cluster: FakeCluster,
  variant: HookVariant,
  job: Phase | string,
  env: Record<string, string> = {},
): Promise<PhaseResult> {
  const r = await runPhase(cluster, variant, job, env);
  expect(r.exitCode, `${job} failed (${r.exitCode}):\n${r.output}`).toBe(0);
  return r;
}

/** Overrides for a phase that must wait out one of its timeouts (TYPHA_READY_TIMEOUT or CONNECT_TIMEOUT) of one
 * second: polled every second, the wait looks once, sleeps, looks again and gives up, instead of looking six times
 * (each look is two or three kubectl processes, and nothing changes between them). */
export const waitsOut = (timeout: "TYPHA_READY_TIMEOUT" | "CONNECT_TIMEOUT"): Record<string, string> => ({
  [timeout]: "1",
  POLL_SECONDS: "1",
});

/** eni-config's data as the cluster holds it now. */
export const eniConfigData = (c: FakeCluster): Record<string, string> => ({
  ...((c.get("ConfigMap", "eni-config")?.data as Record<string, string>) ?? {}),
});

/** The hook's records on eni-config: its terway-relay/ annotations. */
export const relayRecords = (c: FakeCluster): Record<string, string> =>
  Object.fromEntries(
    Object.entries((c.get("ConfigMap", "eni-config")?.metadata.annotations as Record<string, string>) ?? {}).filter(
      ([k]) => k.startsWith("terway-relay/"),
    ),
  );

/** Helm creates Typha: its Deployment (3 replicas, `ready` of them ready) and the Service's endpoints. */
export function putTypha(c: FakeCluster, serviceName = "calico-typha", ready = 3, readyEndpoints = ready): void {
  for (const o of typhaObjects(serviceName, ready, 3, readyEndpoints)) c.put(o);
}

/** Typha as a release leaves it: the Deployment with ready replicas and the Service's ready endpoints (fewer than
 * the ready replicas when the endpoints controller has not caught up, or a readiness gate holds them back). */
export function typhaObjects(serviceName: string, ready: number, replicas = 3, readyEndpoints = ready): Obj[] {
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "calico-typha", namespace: "kube-system" },
      spec: {
        replicas,
        selector: { matchLabels: { "k8s-app": "calico-typha" } },
        template: {
          metadata: { labels: { "k8s-app": "calico-typha" } },
          spec: { containers: [{ name: "calico-typha", image: "typha" }] },
        },
      },
      // Available with fewer than asked (maxUnavailable 1): the hook must not take that for ready.
      status: {
        replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        conditions: [{ type: "Available", status: ready >= replicas - 1 ? "True" : "False" }],
      },
    },
    {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: serviceName, namespace: "kube-system" },
      subsets: [
        {
          addresses: Array.from({ length: readyEndpoints }, (_, i) => ({
            ip: "127.0.0.1",
            nodeName: `node-${i}`,
            targetRef: { kind: "Pod", name: `calico-typha-${i}`, namespace: "kube-system" },
          })),
          notReadyAddresses: Array.from({ length: replicas - readyEndpoints }, (_, i) => ({
            ip: "127.0.0.1",
            nodeName: `node-x${i}`,
          })),
          ports: [{ name: "calico-typha", port: 5473, protocol: "TCP" }],
        },
      ],
    },
  ];
}

/** Holds the first two `verb` requests on `resource` until both have arrived, so that two Jobs act on the same read
 * (Argo CD runs a hook pair at once). Returns the function that stops holding. */
export function holdFirstPair(c: FakeCluster, resource: string, verb: string): () => void {
  let arrived = 0;
  let release!: () => void;
  const both = new Promise<void>((r) => (release = r));
  c.onRequest = (r) => {
    if (r.resource !== resource || r.verb !== verb || arrived >= 2) return;
    if (++arrived === 2) release();
    return both;
  };
  return () => (c.onRequest = undefined);
}

/** As kubectl rollout status decides it: the controller saw the DaemonSet's latest template and every pod runs it. */
export function rolledOut(c: FakeCluster, ds = "terway-eniip"): boolean {
  const o = c.get("DaemonSet", ds)!;
  const s = o.status as Record<string, number>;
  return (
    s.observedGeneration === o.metadata.generation &&
    s.updatedNumberScheduled === s.desiredNumberScheduled &&
    s.numberAvailable === s.desiredNumberScheduled
  );
}

/** For a test file whose scenarios all run the relay release (RELAY): a fake API server started before them and
 * stopped after, and the release's hook variant. Read both inside a test (they are set in beforeAll). */
export function relaySuite(): { readonly server: FakeApiServer; readonly relay: HookVariant } {
  const suite = {} as { server: FakeApiServer; relay: HookVariant };
  beforeAll(async () => {
    suite.server = await new FakeApiServer().start();
    suite.relay = await hookVariant(RELAY);
  });
  afterAll(async () => suite.server?.stop());
  return suite;
}

let clusterCount = 0;

/** A Terway cluster as the fixtures describe it: kube-system, eni-config, the Terway DaemonSets, and 3 Typhas that
 * each report their share of the 320 Terway pods' Felix connections. */
export function terwayCluster(
  server: FakeApiServer,
  seed: { configMap?: Obj | null; daemonSets?: Obj[] } = {},
): FakeCluster {
  const c = server.cluster(`t${++clusterCount}`);
  c.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } });
  if (seed.configMap !== null) c.put(seed.configMap ?? fixture("eni-config.yaml"));
  for (const ds of seed.daemonSets ?? [fixture("terway-eniip.yaml")]) c.put(ds);
  c.connectionsPerTypha = 107;
  return c;
}

const saved = new WeakMap<FakeApiServer, Map<string, Promise<ClusterState>>>();

/** A new cluster in the state `prepare` leaves its cluster in; `prepare` runs once per key and server (an install
 * that many scenarios start from), and each caller gets its own copy to change. */
export async function fromSaved(
  server: FakeApiServer,
  key: string,
  prepare: () => Promise<FakeCluster>,
): Promise<FakeCluster> {
  let states = saved.get(server);
  if (!states) saved.set(server, (states = new Map()));
  let state = states.get(key);
  if (!state) states.set(key, (state = prepare().then((c) => c.save())));
  return server.cluster(`s${++clusterCount}`).restore(await state);
}
