// Nodes for the fake API server, shaped like an ACK worker's: the well-known labels (kubernetes/api core/v1
// well_known_labels.go: kubernetes.io/os, kubernetes.io/arch, kubernetes.io/hostname, topology.kubernetes.io/zone and
// region, node.kubernetes.io/instance-type), a Ready condition, addresses, capacity and nodeInfo, so a LIST of
// thousands of them weighs about what a real one does without the image lists. Written for the tests, not copied.
import type { Obj } from "./fake-kube-apiserver.js";

/** `count` schedulable Linux nodes named node-0..node-(count-1), spread over three zones of cn-hangzhou. */
export function linuxNodes(count: number): Obj[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `cn-hangzhou.10.${Math.floor(i / 250)}.${i % 250}.${i}`;
    const zone = `cn-hangzhou-${"hij"[i % 3]}`;
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          "beta.kubernetes.io/arch": "amd64",
          "beta.kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "node.kubernetes.io/instance-type": "ecs.g7.2xlarge",
          "topology.kubernetes.io/region": "cn-hangzhou",
          "topology.kubernetes.io/zone": zone,
        },
      },
      spec: { podCIDR: `172.20.${i % 256}.0/24`, providerID: `cn-hangzhou.i-bp1${String(i).padStart(17, "0")}` },
      status: {
        addresses: [
          { type: "InternalIP", address: `10.${Math.floor(i / 250)}.${i % 250}.${i % 200}` },
          { type: "Hostname", address: name },
        ],
        allocatable: { cpu: "7910m", "ephemeral-storage": "113811659889", memory: "28373524Ki", pods: "64" },
        capacity: { cpu: "8", "ephemeral-storage": "123722704Ki", memory: "32164884Ki", pods: "64" },
        conditions: [
          { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
        ],
        nodeInfo: {
          architecture: "amd64",
          containerRuntimeVersion: "containerd://1.6.28",
          kernelVersion: "5.10.134-16.3.al8.x86_64",
          kubeProxyVersion: "v1.30.1-aliyun.1",
          kubeletVersion: "v1.30.1-aliyun.1",
          operatingSystem: "linux",
          osImage: "Alibaba Cloud Linux 3.2104 U10 (OpenAnolis Edition)",
        },
      },
    };
  });
}
