// Typha's pod as upstream runs it: probe timeouts, the Service name rebalancing counts, and tolerations that let a
// Typha on a dead node be evicted (for the autoscaler too).
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Container } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { BASE, HELM_MAJORS, one, renderObjects } from "./support/renders.js";

const typha = (objs: Awaited<ReturnType<typeof renderObjects>>): Container =>
  one<Deployment>(objs, "Deployment", "calico-typha").spec!.template.spec!.containers.find(
    (c) => c.name === "calico-typha",
  )!;
const env = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

describe.each(HELM_MAJORS)("Typha's pod (helm %i)", (helm) => {
  it("probes time out after 10 s, as upstream's (calico v3.24.5 manifests/calico-typha.yaml; tigera/operator typha.go)", async () => {
    const c = typha(await renderObjects({ helm, sets: [...BASE, "nodeCount=1000"] }));
    expect(c.livenessProbe!.timeoutSeconds).toBe(10);
    expect(c.readinessProbe!.timeoutSeconds).toBe(10);
  });

  it("names its Service to Typha when it is not calico-typha (TYPHA_K8SSERVICENAME), and only then", async () => {
    expect(env(typha(await renderObjects({ helm, sets: [...BASE, "nodeCount=1000"] })))).not.toHaveProperty(
      "TYPHA_K8SSERVICENAME",
    );
    expect(
      env(typha(await renderObjects({ helm, sets: [...BASE, "nodeCount=1000", "typha.serviceName=typha-relay"] }))),
    ).toMatchObject({
      TYPHA_K8SSERVICENAME: "typha-relay",
    });
  });

  it("tolerates no NoExecute taint by default, Typha and autoscaler alike; the guide's Exists-all stays a value away", async () => {
    const objs = await renderObjects({ helm, sets: [...BASE, "nodeCount=1000", "typha.autoscaler.enabled=true"] });
    const tolerations = (name: string) => one<Deployment>(objs, "Deployment", name).spec!.template.spec!.tolerations!;
    for (const name of ["calico-typha", "calico-typha-autoscaler"]) {
      const t = tolerations(name);
      expect(t.map((x) => x.key)).toEqual([
        "CriticalAddonsOnly",
        "node-role.kubernetes.io/master",
        "node-role.kubernetes.io/control-plane",
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/network-unavailable",
        "node.cloudprovider.kubernetes.io/uninitialized",
      ]);
      // Neither a blanket toleration (no key) nor one of NoExecute: dead-node eviction and cordons apply.
      expect(
        t.filter((x) => !x.key || x.effect === "NoExecute"),
        name,
      ).toEqual([]);
    }
    const guide = await renderObjects({
      helm,
      sets: [...BASE, "nodeCount=1000", "typha.autoscaler.enabled=true", "typha.tolerations[0].operator=Exists"],
    });
    for (const name of ["calico-typha", "calico-typha-autoscaler"])
      expect(one<Deployment>(guide, "Deployment", name).spec!.template.spec!.tolerations).toEqual([
        { operator: "Exists" },
      ]);
  });
});
