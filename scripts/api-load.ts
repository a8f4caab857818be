// What the relay saves and costs the API server, per Typha line the chart deploys. Pure arithmetic.
//
// Saved: without the relay every Felix holds its own watch on each resource type it syncs (nodes, pods, namespaces,
// policies, ...); with it only the Typhas do, and Felix talks to Typha. That removes N - R watches per type. Nodes
// are among them at every line (KindNode in lib/backend/syncersv1/felixsyncer/felixsyncerv1.go of libcalico-go
// aae6c757 and 8f238d19, and of projectcalico/calico v3.24.5 libcalico-go).
//
// Cost: Typha v3.5 also LISTs every Node, again and again, per replica, which no Felix does:
// - its BGP syncer (which Typha starts next to Felix's, for all nodes: projectcalico/typha v3.5.8
//   pkg/daemon/daemon.go, addSyncerPipeline(SyncerTypeBGP), bgpsyncer.New(..., "")) caches block affinities
//   (libcalico-go aae6c757, the pin in typha v3.5.8's glide.lock, lib/backend/syncersv1/bgpsyncer/bgpsyncer.go);
//   in KDD mode AffinityBlockClient derives them from Nodes().List and its Watch is not supported
//   (lib/backend/k8s/resources/affinityblock.go), so the watcher cache lists again after WatchPollInterval, 5 s
//   (lib/backend/watchersyncer/watchercache.go, resyncAndCreateWatcher);
// - connection rebalancing, which the chart turns on (TYPHA_CONNECTIONREBALANCINGMODE=kubernetes), counts nodes by
//   listing them (typha v3.5.8 pkg/k8s/lookup.go GetNumNodes) on every tick of K8sServicePollIntervalSecs, 30 s
//   plus up to 10% jitter (pkg/config/config_params.go, pkg/daemon/daemon.go, pkg/k8s/rebalance.go).
// From v3.20 neither happens: block affinities are a CRD with a watch (libcalico-go 8f238d19, typha v3.20.2's pin,
// and projectcalico/calico v3.24.5 libcalico-go, lib/backend/k8s/resources/ipam_affinity.go,
// blockAffinityClient.Watch), and GetNumNodes reads the Felix syncer's node count, calc.NodeCounter, with no API
// call (typha v3.20.2 pkg/k8s/lookup.go; calico v3.24.5 typha/pkg/k8s/lookup.go).
//
// The model, in Node objects the API server sends per second, for N nodes and R Typha replicas:
// - a node watch sends each Node once per update; a Node is updated at least every U = 300 s, kubelet's status
//   report when nothing changed (nodeStatusReportFrequency, default 5m: kubernetes/kubelet v0.26.0
//   config/v1beta1/types.go). Without the relay the N Felix watches carry N * N / U, with it R * N / U;
// - a v3.5 replica sends all N Nodes once per list: R * N * (1/5 + 1/30) per second (the shortest periods: a list's
//   own duration and the jitter make the real rate a little lower).
// The lists "cost more than the relay saves" when R * N * (1/5 + 1/30) > (N - R) * N / U, that is when the
// watches removed are fewer than U * (1/5 + 1/30) = 70 per replica: N - R < 70 * R.
// Counting Node objects under-counts the lists: v3.5.8 lists with ResourceVersion "" (libcalico-go aae6c757
// lib/backend/watchersyncer/watchercache.go, wc.client.List(..., ""), which affinityblock.go passes on to
// Nodes().List; typha v3.5.8 pkg/k8s/lookup.go GetNumNodes, v1.ListOptions{}), and the API server serves such a
// list from etcd, not its watch cache, serializing it for each request (k8s.io/apiserver v0.20.0
// pkg/storage/cacher/cacher.go, Cacher.List), while a watch event comes from the watch cache and is serialized once
// for all its watchers (pkg/storage/cacher/caching_object.go, setCachingObjects in cacher.go). So the warning is
// conservative the other way: the lists can cost more than the relay saves before it warns. (Real Node churn and
// the pod, namespace and policy watches the relay also removes pull the other way; the model counts neither.)

/** Seconds between two updates of a Node at the least: kubelet's default nodeStatusReportFrequency. */
import { minorOf } from "./version-skew.js";

export const NODE_UPDATE_SECONDS = 300;

/** Per Typha line the chart deploys (chart/templates/_terway.tpl's Typha column), the periods in seconds at which
 * each replica lists every Node: v3.5's block-affinity poll and its rebalancing node count (sources above). */
export const NODE_LIST_PERIODS: Readonly<Record<string, readonly number[]>> = {
  "v3.5.8": [5, 30],
  "v3.20.2": [],
  "v3.24.5": [],
};

export interface LineLoad {
  /** The Typha tag of the line. */
  typha: string;
  /** Full LISTs of the Node collection per second, all replicas together. */
  nodeListsPerSecond: number;
  /** Node objects those LISTs return per second. */
  nodeObjectsListedPerSecond: number;
  /** The lists send more Node objects than the relay saves on Felix's node watches (see the model above). */
  listsCostMore: boolean;
}

export interface ApiLoad {
  /** U of the model: seconds between a Node's updates at the least. */
  nodeUpdateSeconds: number;
  /** Node objects per second the API server sends on node watches, without and with the relay, and the difference. */
  nodeWatchObjectsPerSecond: { withoutRelay: number; withRelay: number; saved: number };
  lines: LineLoad[];
}

const perSecond = (periods: readonly number[]) => periods.reduce((sum, p) => sum + 1 / p, 0);

/** One line's node lists for N nodes and R replicas; its comparison is in whole lists per Node update. */
function lineLoad(typha: string, nodes: number, replicas: number): LineLoad {
  const periods = NODE_LIST_PERIODS[typha];
  const lists = replicas * perSecond(periods);
  const listsPerUpdate = periods.reduce((sum, p) => sum + NODE_UPDATE_SECONDS / p, 0);
  return {
    typha,
    nodeListsPerSecond: Math.round(lists * 100) / 100,
    nodeObjectsListedPerSecond: Math.round(lists * nodes),
    listsCostMore: nodes > 0 && replicas * listsPerUpdate > nodes - replicas,
  };
}

export function apiLoad(nodes: number, replicas: number): ApiLoad {
  const watched = (watchers: number) => (watchers * nodes) / NODE_UPDATE_SECONDS;
  return {
    nodeUpdateSeconds: NODE_UPDATE_SECONDS,
    nodeWatchObjectsPerSecond: {
      withoutRelay: Math.round(watched(nodes)),
      withRelay: Math.round(watched(replicas)),
      saved: Math.round(watched(nodes - replicas)),
    },
    lines: Object.keys(NODE_LIST_PERIODS).map((typha) => lineLoad(typha, nodes, replicas)),
  };
}

/** The line of a Typha version (same major.minor), or undefined when the model does not cover it. */
export function lineOf(typhaVersion: string): string | undefined {
  const line = minorOf(typhaVersion);
  return Object.keys(NODE_LIST_PERIODS).find((tag) => line !== undefined && minorOf(tag) === line);
}

/** "every 5 s and every 30 s" */
export function listPeriodsWords(typha: string): string {
  return NODE_LIST_PERIODS[typha].map((p) => `every ${p} s`).join(" and ");
}
