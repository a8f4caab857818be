// What doctor reads from a cluster: one request per fact, all of a phase at once. Nodes are listed once (as a
// metadata-only table), the Terway DaemonSets and Typha's pods in one list each; the only per-pod requests are
// the metrics of each ready Typha, through the API server's pod proxy.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { eniConfigKeys, metricsPort, typhaName } from "../chart-defines.js";
import { schemaDefault } from "../schema.js";
import { chartDir } from "../tools.js";
import { type KubeSession, METADATA_ONLY, type Read, TABLE } from "./kubectl.js";

/** Everything the chart installs and the hook touches lives in kube-system (Terway's namespace). */
export const NAMESPACE = "kube-system";

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  managedFields?: { manager?: string; operation?: string; subresource?: string; time?: string }[];
}
export interface Container {
  name: string;
  image: string;
}
export interface DaemonSet {
  metadata: Meta;
  spec: {
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: string | number } };
    template: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: Container[]; nodeSelector?: Record<string, string> };
    };
  };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
  };
}
export interface Deployment {
  metadata: Meta;
  spec: { replicas?: number; template: { spec: { containers: Container[] } } };
  status?: { readyReplicas?: number };
}
export interface Pod {
  metadata: Meta;
  spec: { containers: Container[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      image: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string; message?: string } };
    }[];
  };
}
export interface Endpoints {
  subsets?: { addresses?: { ip: string; targetRef?: { name?: string } }[] }[];
}
export interface Crd {
  metadata: Meta;
  status?: { conditions?: { type: string; status: string }[] };
}
export interface ReleaseRecord {
  name: string;
  labels: Record<string, string>;
}
interface Table {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

export interface ClusterFacts {
  now: Date;
  release: string;
  keys: { relay: string; disable: string };
  version: Read<{ gitVersion: string }>;
  eniConfig: Read<{ data?: Record<string, string> }>;
  daemonSets: Read<{ items: DaemonSet[] }>;
  /** Linux nodes Typha can run on (typha.nodeSelector's default, not virtual-kubelet), and how many are cordoned. */
  nodes: Read<{ count: number; cordoned: number }>;
  typha: Read<Deployment>;
  typhaPods: Read<{ items: Pod[] }>;
  /** The Service and Endpoints felix_relay_service names (else typha.serviceName's default). */
  serviceName: string;
  service: Read<unknown>;
  endpoints: Read<Endpoints>;
  crds: { name: string; read: Read<Crd> }[];
  releases: Read<ReleaseRecord[]>;
  /** typha_connections_active per ready Typha pod, through the pod proxy. */
  metrics: { pod: string; read: Read<number> }[];
}

/** The CRDs the chart installs (chart/crds). */
export function chartCrds(): string[] {
  const dir = join(chartDir, "crds");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => (yaml.load(readFileSync(join(dir, f), "utf8")) as { metadata: { name: string } }).metadata.name);
}

const map = <T, U>(r: Read<T>, f: (v: T) => U): Read<U> => (r.ok ? { ok: true, value: f(r.value) } : r);

/** `typha_connections_active N` from a Prometheus text page (Typha's gauge of connected clients: projectcalico/typha
 * v3.5.8 and v3.20.2 pkg/syncserver/sync_server.go, projectcalico/calico v3.24.5 typha/pkg/syncserver/sync_server.go). */
function activeConnections(text: string): Read<number> {
  const m = /^typha_connections_active(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(text);
  return m
    ? { ok: true, value: Number(m[1]) }
    : { ok: false, error: { kind: "failed", message: "the page has no typha_connections_active" } };
}

const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export async function readCluster(k: KubeSession, release: string, now = new Date()): Promise<ClusterFacts> {
  const ns = `/api/v1/namespaces/${NAMESPACE}`;
  const keys = eniConfigKeys();
  const typha = typhaName();
  const q = (selector: string) => `labelSelector=${encodeURIComponent(selector)}`;
  // The chart counts the nodes matching typha.nodeSelector that are not virtual-kubelet (ECI) nodes
  // (chart/templates/_cluster-facts.tpl); cordoned ones (SchedulingDisabled in the Table's Status column,
  // kubernetes/kubernetes pkg/printers/internalversion/printers.go printNode) are left out. A Table, not the
  // Node objects: the suite's 5,000 ACK-shaped nodes are ~6 MB as objects, ~0.3 MB as rows.
  const nodeSelector = Object.entries(schemaDefault("typha.nodeSelector") as Record<string, string>)
    .map(([key, v]) => `${key}=${v}`)
    .concat("type!=virtual-kubelet")
    .join(",");
  const [version, eniConfig, daemonSets, nodes, deployment, typhaPods, crds, releases] = await Promise.all([
    k.get<{ gitVersion: string }>("/version"),
    k.get<{ data?: Record<string, string> }>(`${ns}/configmaps/${schemaDefault("hook.configMapName")}`),
    k.get<{ items: DaemonSet[] }>(`/apis/apps/v1/namespaces/${NAMESPACE}/daemonsets`),
    k.get<Table>(`/api/v1/nodes?${q(nodeSelector)}&includeObject=None`, TABLE),
    k.get<Deployment>(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${typha}`),
    k.get<{ items: Pod[] }>(`${ns}/pods?${q(`k8s-app=${typha}`)}`),
    Promise.all(
      chartCrds().map(async (name) => ({
        name,
        read: await k.get<Crd>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`),
      })),
    ),
    // Helm's release records: Secrets labelled owner=helm, name=RELEASE, status and version (helm v3.17.2
    // pkg/storage/driver/secrets.go newSecretsObject; modifiedAt on Update). The labels are enough: metadata
    // only, so doctor never receives a release's values.
    k.get<{ items: { metadata: Meta }[] }>(`${ns}/secrets?${q(`owner=helm,name=${release}`)}`, METADATA_ONLY),
  ]);
  const serviceName =
    (eniConfig.ok && eniConfig.value.data?.[keys.relay]) || String(schemaDefault("typha.serviceName"));
  const readyPods = typhaPods.ok ? typhaPods.value.items.filter(ready).map((p) => p.metadata.name) : [];
  const port = metricsPort();
  const [service, endpoints, metrics] = await Promise.all([
    k.get<unknown>(`${ns}/services/${serviceName}`),
    k.get<Endpoints>(`${ns}/endpoints/${serviceName}`),
    Promise.all(
      readyPods.map(async (pod) => ({
        pod,
        read: await k.get<string>(`${ns}/pods/${pod}:${port}/proxy/metrics`, "text/plain"),
      })),
    ),
  ]);
  return {
    now,
    release,
    keys,
    version,
    eniConfig,
    daemonSets,
    nodes: map(nodes, (t) => {
      const status = t.columnDefinitions.findIndex((c) => c.name === "Status");
      const cordoned = t.rows.filter((r) => String(r.cells[status] ?? "").includes("SchedulingDisabled")).length;
      return { count: t.rows.length - cordoned, cordoned };
    }),
    typha: deployment,
    typhaPods,
    serviceName,
    service,
    endpoints,
    crds,
    releases: map(releases, (l) => l.items.map((i) => ({ name: i.metadata.name, labels: i.metadata.labels ?? {} }))),
    metrics: metrics.map((m) => ({ pod: m.pod, read: m.read.ok ? activeConnections(m.read.value) : m.read })),
  };
}
