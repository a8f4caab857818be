// typha.autoscaler: a cluster-proportional-autoscaler with the chart's own rule, least-privilege RBAC, and a
// replica count Helm neither fights nor drops: the rule on a fresh install, the live count on upgrade.
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { ClusterRole, Role } from "kubernetes-types/rbac/v1.js";
import { describe, expect, it } from "vitest";
import { ruleDefaults, ruleReplicas } from "../scripts/replicas.js";
import { validateWithKubernetesModels } from "./support/kube-models.js";
import { chartWithLiveTypha } from "./support/live-chart.js";
import { BASE, HELM_MAJORS, byKind, one, renderError, renderObjects } from "./support/renders.js";
import { unknownFields } from "./support/strict-fields.js";

const ON = [...BASE, "typha.autoscaler.enabled=true"];

interface Linear {
  nodesPerReplica: number;
  min: number;
  max: number;
  coresPerReplica?: number;
  preventSinglePointFailure: boolean;
  includeUnschedulableNodes: boolean;
}
const linear = (objs: Awaited<ReturnType<typeof renderObjects>>) =>
  JSON.parse(one<ConfigMap>(objs, "ConfigMap", "calico-typha-autoscaler").data!.linear) as Linear;

/** cluster-proportional-autoscaler's linear controller (pkg/autoscaler/controller/linearcontroller), nodes only:
 * ceil(nodes / nodesPerReplica), at most max when max != 0, at least min. A model of the upstream tool. */
function cpaLinear(p: Linear, nodes: number): number {
  let r = Math.ceil(nodes / p.nodesPerReplica);
  if (p.max !== 0) r = Math.min(p.max, r);
  return Math.max(p.min, r);
}

describe.each(HELM_MAJORS)("typha.autoscaler (helm %i)", (helm) => {
  it("is off by default: no autoscaler objects", async () => {
    const objs = await renderObjects({ helm, sets: [...BASE, "nodeCount=1001"] });
    expect(objs.filter((o) => o.metadata.name === "calico-typha-autoscaler")).toEqual([]);
  });

  it("renders the autoscaler with nodesPerReplica 200 and min 3, the chart's rule", async () => {
    const objs = await renderObjects({ helm, sets: [...ON, "nodeCount=1001"] });
    expect(linear(objs)).toEqual({
      nodesPerReplica: 200,
      min: 3,
      max: 0,
      preventSinglePointFailure: true,
      includeUnschedulableNodes: false,
    });
    expect(ruleDefaults()).toEqual({ formula: "guide", nodesPerReplica: 200, minReplicas: 3 });
    const d = one<Deployment>(objs, "Deployment", "calico-typha-autoscaler");
    const c = d.spec!.template.spec!.containers[0];
    expect(c.image).toBe("registry-vpc.cn-hangzhou.aliyuncs.com/acs/cluster-proportional-autoscaler:1.8.4");
    expect(c.command).toEqual([
      "/cluster-proportional-autoscaler",
      "--namespace=kube-system",
      "--configmap=calico-typha-autoscaler",
      "--target=deployment/calico-typha",
      "--poll-period-seconds=10",
      "--nodelabels=kubernetes.io/os=linux",
      "--logtostderr=true",
      "--v=2",
    ]);
    expect(d.spec!.selector.matchLabels).toEqual({ "k8s-app": "calico-typha-autoscaler" });
  });

  it("gives the autoscaler the rule's parameters, and its linear mode then equals the chart rule for 1..10000 nodes", async () => {
    const objs = await renderObjects({
      helm,
      sets: [...ON, "typha.replicaRule.nodesPerReplica=150", "typha.replicaRule.minReplicas=4", "typha.maxReplicas=20"],
    });
    const p = linear(objs);
    expect(p).toMatchObject({ nodesPerReplica: 150, min: 4, max: 20 });
    expect(p.coresPerReplica).toBeUndefined();
    for (let n = 1; n <= 10000; n++) {
      const want = ruleReplicas(n, 20, { formula: "guide", nodesPerReplica: 150, minReplicas: 4 });
      if (cpaLinear(p, n) !== want) expect(cpaLinear(p, n), `${n} nodes`).toBe(want);
    }
  });

  it("has least-privilege RBAC: nodes list/watch cluster-wide, Typha's scale and its ConfigMap by name", async () => {
    const objs = await renderObjects({ helm, sets: ON });
    const cr = one<ClusterRole>(objs, "ClusterRole", "calico-typha-autoscaler");
    expect(cr.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] }]);
    const role = one<Role>(objs, "Role", "calico-typha-autoscaler");
    expect(role.metadata!.namespace).toBe("kube-system");
    expect(role.rules).toEqual([
      {
        apiGroups: ["apps"],
        resources: ["deployments/scale"],
        resourceNames: ["calico-typha"],
        verbs: ["get", "update"],
      },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["calico-typha-autoscaler"], verbs: ["get"] },
    ]);
    expect(one(objs, "ServiceAccount", "calico-typha-autoscaler").metadata.namespace).toBe("kube-system");
    expect(one<Deployment>(objs, "Deployment", "calico-typha-autoscaler").spec!.template.spec!.serviceAccountName).toBe(
      "calico-typha-autoscaler",
    );
    for (const b of [...byKind(objs, "ClusterRoleBinding"), ...byKind(objs, "RoleBinding")].filter(
      (o) => o.metadata.name === "calico-typha-autoscaler",
    ))
      expect((b as unknown as { subjects: unknown }).subjects).toEqual([
        { kind: "ServiceAccount", name: "calico-typha-autoscaler", namespace: "kube-system" },
      ]);
  });

  it("renders valid Kubernetes objects with no unknown fields", async () => {
    const objs = (await renderObjects({ helm, sets: ON })).filter((o) => o.metadata.name === "calico-typha-autoscaler");
    expect(objs.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "Deployment",
      "Role",
      "RoleBinding",
      "ServiceAccount",
    ]);
    for (const o of objs) {
      await validateWithKubernetesModels(o);
      expect(unknownFields(o), o.kind).toEqual([]);
    }
  });

  it("fresh install (nothing to look up): Typha starts at the rule's count", async () => {
    const d = one<Deployment>(
      await renderObjects({ helm, sets: [...ON, "nodeCount=1001"] }),
      "Deployment",
      "calico-typha",
    );
    expect(d.spec!.replicas).toBe(6);
    expect(d.metadata!.annotations!["terway-relay/sizing"]).toBe("replicas=6 (rule); nodes=1001 (values)");
  });

  it("upgrade with a live Deployment: keeps the live count instead of resetting it", async () => {
    const chart = chartWithLiveTypha('(dict "spec" (dict "replicas" 9))');
    const d = one<Deployment>(
      await renderObjects({ helm, chart, sets: [...ON, "nodeCount=1001"] }),
      "Deployment",
      "calico-typha",
    );
    expect(d.spec!.replicas).toBe(9);
    expect(d.metadata!.annotations!["terway-relay/sizing"]).toBe(
      "replicas=9 (live: kept from the running Deployment, typha.autoscaler owns the count; the rule gives 6)",
    );
    // Without the autoscaler the chart owns the count again: the same live object does not matter.
    const off = one<Deployment>(
      await renderObjects({ helm, chart, sets: [...BASE, "nodeCount=1001"] }),
      "Deployment",
      "calico-typha",
    );
    expect(off.spec!.replicas).toBe(6);
  });

  it("a live object without spec.replicas falls back to the rule", async () => {
    const chart = chartWithLiveTypha('(dict "metadata" (dict "name" "calico-typha"))');
    const d = one<Deployment>(
      await renderObjects({ helm, chart, sets: [...ON, "nodeCount=1001"] }),
      "Deployment",
      "calico-typha",
    );
    expect(d.spec!.replicas).toBe(6);
  });

  it("refuses a fixed replica count alongside the autoscaler", async () => {
    expect(await renderError({ helm, sets: [...ON, "typha.replicas=5"] })).toContain(
      "typha.replicas=5: a fixed replica count is not allowed with typha.autoscaler.enabled: set it to 0",
    );
  });
});
