// Fake clusters for `terway-relay doctor`: a healthy relay release as the chart and its hook leave it, written
// from what the chart renders (calico-typha Deployment, Service and pods labelled k8s-app=calico-typha, the
// BGPPeer CRD from chart/crds) and what Terway's fixtures hold (test/fixtures/terway: terway-eniip v1.9.0, 320
// pods; eni-config), plus Helm's release record Secret (helm v3.17.2 pkg/storage/driver/secrets.go: labels name,
// owner=helm, status, version, modifiedAt). Each scenario changes one fact of it.
import type { FakeApiServer, FakeCluster, Obj } from "./fake-kube-apiserver.js";
import { linuxNodes } from "./fake-nodes.js";
import { fixture, typhaObjects } from "./hook-harness.js";
import { TYPHA_IMAGE, typhaPod } from "./typha-pod.js";

/** What the hook writes on Terway's pod template for eni-config {felix_relay_service: calico-typha,
 * disable_network_policy: "false"} (files/relay-hook.sh targets_state). */
export const RELAY_STATE = 'felix_relay_service="calico-typha";disable_network_policy="false";';

export function releaseSecret(revision: number, status: string, modifiedAt?: number): Obj {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: `sh.helm.release.v1.terway-relay.v${revision}`,
      namespace: "kube-system",
      labels: {
        name: "terway-relay",
        owner: "helm",
        status,
        version: String(revision),
        ...(modifiedAt ? { modifiedAt: String(modifiedAt) } : {}),
      },
    },
    type: "helm.sh/release.v1",
    data: { release: "H4sI" },
  };
}

export function bgpPeerCrd(established = true): Obj {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "bgppeers.crd.projectcalico.org" },
    spec: { group: "crd.projectcalico.org", names: { kind: "BGPPeer", plural: "bgppeers" }, scope: "Cluster" },
    status: { conditions: [{ type: "Established", status: established ? "True" : "False" }] },
  };
}

export interface Healthy {
  nodes?: number;
  typhaTag?: string;
  terwayImage?: string;
}

type TerwayDs = Obj & {
  spec: { template: { metadata: { annotations?: object }; spec: { containers: { name: string; image: string }[] } } };
};

/** What every mode's release leaves alike, in cluster `id`: kube-system, `nodes` Linux nodes, this eni-config,
 * Terway's DaemonSet rolled for `rolledFor` (the hook's annotation), the CRD Established, revision 1 deployed. */
function released(
  server: FakeApiServer,
  id: string,
  o: { nodes: number; eniConfig: Obj; rolledFor: string; terwayImage?: string },
): FakeCluster {
  const c = server.cluster(id);
  c.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } });
  for (const n of linuxNodes(o.nodes)) c.put(n);
  c.put(o.eniConfig);
  const ds = fixture("terway-eniip.yaml") as TerwayDs;
  ds.spec.template.metadata.annotations = { "terway-relay/eni-config": o.rolledFor };
  if (o.terwayImage) for (const k of ds.spec.template.spec.containers) k.image = o.terwayImage;
  c.put(ds);
  c.put(bgpPeerCrd());
  c.put(releaseSecret(1, "deployed"));
  return c;
}

/** A healthy relay: eni-config points at calico-typha, Terway rolled for it, 3 ready Typhas whose metrics add up
 * to every Terway pod, the CRD Established, revision 1 deployed. */
export function healthyRelay(server: FakeApiServer, id: string, o: Healthy = {}): FakeCluster {
  const c = released(server, id, {
    nodes: o.nodes ?? 320,
    eniConfig: fixture("eni-config-relay.yaml"),
    rolledFor: RELAY_STATE,
    terwayImage: o.terwayImage,
  });
  const image = `${TYPHA_IMAGE}:${o.typhaTag ?? "v3.24.5"}`;
  const [deployment, endpoints] = typhaObjects("calico-typha", 3);
  (deployment.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image =
    image;
  c.put(deployment);
  c.put(endpoints);
  c.put({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "calico-typha", namespace: "kube-system" },
    spec: { selector: { "k8s-app": "calico-typha" }, ports: [{ name: "calico-typha", port: 5473 }] },
  });
  for (let i = 0; i < 3; i++) c.put(typhaPod(`calico-typha-${i}`, { image }));
  c.connectionsPerTypha = 107; // 3 x 107 >= the 320 Terway pods
  return c;
}

/** Disable mode as the chart leaves it: disable_network_policy "true", no Typha. */
export function healthyDisable(server: FakeApiServer, id: string): FakeCluster {
  const cm = fixture("eni-config.yaml") as Obj & { data: Record<string, string> };
  cm.data.disable_network_policy = "true";
  return released(server, id, {
    nodes: 320,
    eniConfig: cm,
    rolledFor: 'felix_relay_service=-;disable_network_policy="true";',
  });
}
