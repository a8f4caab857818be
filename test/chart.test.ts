// The chart's objects and rules, under Helm 3 and Helm 4.
import { describe, expect, it } from "vitest";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Service } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { ClusterRole } from "kubernetes-types/rbac/v1.js";
import { BASE, HELM_MAJORS, byKind, one, renderError, renderObjects } from "./support/renders.js";

const container = (d: Deployment) => d.spec!.template.spec!.containers[0];
const env = (d: Deployment) => Object.fromEntries((container(d).env ?? []).map((e) => [e.name, e.value]));

describe.each(HELM_MAJORS)("helm %i", (helm) => {
  const objects = (...sets: string[]) => renderObjects({ helm, sets: [...BASE, ...sets] });

  it("renders the relay's objects in kube-system, under the names Felix and the guide use", async () => {
    const objs = await objects("nodeCount=1001");
    // The release's own objects; hooks (the eni-config Jobs, helm test) are tested in their own files.
    expect(
      objs
        .filter((o) => !o.metadata.annotations?.["helm.sh/hook"])
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual(["Deployment/calico-typha", "PodDisruptionBudget/calico-typha", "Service/calico-typha"].sort());
    for (const o of objs) expect(o.metadata.namespace).toBe("kube-system");
  });

  it("sizes 1001 nodes to 6 replicas with the regional VPC image", async () => {
    const d = one<Deployment>(
      await renderObjects({ helm, sets: ["region=cn-shanghai", "nodeCount=1001"] }),
      "Deployment",
    );
    expect(d.spec!.replicas).toBe(6);
    expect(container(d).image).toBe("registry-vpc.cn-shanghai.aliyuncs.com/acs/typha:v3.5.8");
    expect(d.metadata!.annotations!["terway-relay/sizing"]).toBe("replicas=6 (rule); nodes=1001 (values)");
  });

  it("selects Typha pods by k8s-app: calico-typha and nothing else, everywhere", async () => {
    const objs = await objects();
    const d = one<Deployment>(objs, "Deployment");
    expect(d.spec!.selector.matchLabels).toEqual({ "k8s-app": "calico-typha" });
    expect(one<Service>(objs, "Service").spec!.selector).toEqual({ "k8s-app": "calico-typha" });
    expect(one<PodDisruptionBudget>(objs, "PodDisruptionBudget").spec!.selector!.matchLabels).toEqual({
      "k8s-app": "calico-typha",
    });
    const podLabels = d.spec!.template.metadata!.labels!;
    expect(podLabels["k8s-app"]).toBe("calico-typha");
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": "terway-relay",
        "app.kubernetes.io/instance": "terway-relay",
        "app.kubernetes.io/managed-by": "Helm",
      });
    }
    expect(podLabels["app.kubernetes.io/instance"]).toBe("terway-relay");
  });

  it("exposes port 5473 named calico-typha, targeting the container port of that name", async () => {
    const objs = await objects();
    const svc = one<Service>(objs, "Service");
    expect(svc.spec!.ports).toEqual([
      { name: "calico-typha", port: 5473, protocol: "TCP", targetPort: "calico-typha" },
    ]);
    const ports = container(one<Deployment>(objs, "Deployment")).ports!;
    expect(ports.map((p) => [p.name, p.containerPort])).toEqual([
      ["calico-typha", 5473],
      ["health", 9098],
      ["metrics", 9093],
    ]);
  });

  it("keeps at most one Typha down: PDB maxUnavailable 1 and rolling update maxUnavailable 1", async () => {
    const objs = await objects();
    expect(one<PodDisruptionBudget>(objs, "PodDisruptionBudget").spec!.maxUnavailable).toBe(1);
    const d = one<Deployment>(objs, "Deployment");
    expect(d.spec!.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: 1 } });
  });

  it.each([
    ["1.20.0", "policy/v1beta1"],
    ["v1.20.11-aliyun.1", "policy/v1beta1"],
    ["1.21.0", "policy/v1"],
    ["v1.21.0-aliyun.1", "policy/v1"],
    ["v1.24.6-aliyun.1", "policy/v1"],
    ["v1.26.3-aliyun.1", "policy/v1"],
    ["1.35.0", "policy/v1"],
  ])("on Kubernetes %s the PDB is %s", async (kubeVersion, apiVersion) => {
    const objs = await renderObjects({ helm, sets: BASE, kubeVersion });
    expect(one(objs, "PodDisruptionBudget").apiVersion).toBe(apiVersion);
  });

  it("refuses Kubernetes older than 1.20, and accepts ACK's pre-release style 1.20", async () => {
    expect(await renderError({ helm, sets: BASE, kubeVersion: "1.19.16" })).toMatch(/kubeVersion|incompatible/i);
    const ack120 = await renderObjects({ helm, sets: BASE, kubeVersion: "v1.20.4-aliyun.1" });
    // Rendered for 1.20 (the PDB API 1.20 serves), the whole release: Typha's Deployment, Service and PDB.
    expect(one(ack120, "PodDisruptionBudget").apiVersion).toBe("policy/v1beta1");
    expect(one<Deployment>(ack120, "Deployment", "calico-typha").spec?.replicas).toBeGreaterThanOrEqual(3);
    expect(one(ack120, "Service", "calico-typha").metadata.namespace).toBe("kube-system");
  });

  it("refuses any namespace but kube-system, saying why", async () => {
    const msg = await renderError({ helm, sets: BASE, namespace: "default" });
    expect(msg).toContain('release namespace "default" is not allowed');
    expect(msg).toContain("kube-system");
  });

  it("builds the image from registry, repository and tag, each overridable", async () => {
    const d = one<Deployment>(
      await objects(
        "typha.image.registry=registry.cn-hangzhou.aliyuncs.com",
        "typha.image.repository=mirror/typha",
        "typha.image.tag=v3.24.5",
      ),
      "Deployment",
    );
    expect(container(d).image).toBe("registry.cn-hangzhou.aliyuncs.com/mirror/typha:v3.24.5");
    expect(d.metadata!.labels!["app.kubernetes.io/version"]).toBe("v3.24.5");
  });

  it("runs as Terway's existing ServiceAccount by default, with no RBAC of its own", async () => {
    const objs = await objects();
    expect(one<Deployment>(objs, "Deployment").spec!.template.spec!.serviceAccountName).toBe("terway");
    expect(byKind(objs, "ClusterRole")).toHaveLength(0);
  });

  it("with serviceAccount.create makes a dedicated account bound to its ClusterRole (rules: typha-rbac.test.ts)", async () => {
    const objs = await objects("typha.serviceAccount.create=true");
    expect(one<Deployment>(objs, "Deployment").spec!.template.spec!.serviceAccountName).toBe("calico-typha");
    expect(one(objs, "ServiceAccount", "calico-typha").metadata.namespace).toBe("kube-system");
    expect(one<ClusterRole>(objs, "ClusterRole", "calico-typha").rules!.length).toBeGreaterThan(0);
    const binding = one(objs, "ClusterRoleBinding", "calico-typha") as { subjects: unknown; roleRef: unknown };
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "calico-typha", namespace: "kube-system" }]);
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "calico-typha",
    });
  });

  it("drains connections on shutdown only where Typha supports it (v3.25+)", async () => {
    const old = one<Deployment>(await objects(), "Deployment");
    expect(env(old).TYPHA_SHUTDOWNTIMEOUTSECS).toBeUndefined();
    expect(old.spec!.template.spec!.terminationGracePeriodSeconds).toBeUndefined();
    for (const tag of ["v3.25.0", "v3.26.1", "v3.28.0-aliyun.2"]) {
      const d = one<Deployment>(await objects(`typha.image.tag=${tag}`), "Deployment");
      expect(env(d).TYPHA_SHUTDOWNTIMEOUTSECS, tag).toBe("300");
      expect(d.spec!.template.spec!.terminationGracePeriodSeconds, tag).toBe(300);
    }
    expect(
      env(one<Deployment>(await objects("typha.image.tag=v3.24.5"), "Deployment")).TYPHA_SHUTDOWNTIMEOUTSECS,
    ).toBeUndefined();
  });

  it("keeps Typha off virtual-kubelet nodes and spreads it across zones", async () => {
    const spec = one<Deployment>(await objects(), "Deployment").spec!.template.spec!;
    expect(spec.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }] },
    ]);
    const anti = spec.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0].podAffinityTerm;
    expect(anti.topologyKey).toBe("topology.kubernetes.io/zone");
    expect(anti.labelSelector!.matchLabels).toEqual({ "k8s-app": "calico-typha" });
  });

  it("runs Typha locked down: non-root, no escalation, no capabilities, read-only root, seccomp", async () => {
    const spec = one<Deployment>(await objects(), "Deployment").spec!.template.spec!;
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(spec.containers[0].resources).toEqual({
      requests: { cpu: "200m", memory: "256Mi" },
      limits: { memory: "1Gi" },
    });
  });

  it("names the Service from typha.serviceName", async () => {
    expect(one<Service>(await objects("typha.serviceName=typha-relay"), "Service").metadata!.name).toBe("typha-relay");
  });

  it("turns a dotted release name into DNS-label names for the per-release hook and test objects", async () => {
    const objs = await renderObjects({ helm, sets: BASE, releaseName: "team.relay" });
    const jobs = byKind(objs, "Job").map((j) => j.metadata.name);
    expect(jobs.length).toBeGreaterThan(0);
    for (const name of jobs) expect(name).toMatch(/^team-relay-eni-config-[a-z-]+$/);
    expect(one(objs, "Pod").metadata.name).toBe("team-relay-test");
  });
});
