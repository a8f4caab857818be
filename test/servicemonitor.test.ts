// Typha's Prometheus metrics: the named port 9093 always, and a ServiceMonitor (with the headless Service it
// selects) only when asked for and only when the cluster serves monitoring.coreos.com/v1 ServiceMonitor.
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Service } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { BASE, HELM_MAJORS, one, renderObjects } from "./support/renders.js";
import { unknownFields } from "./support/strict-fields.js";

const CAP = "monitoring.coreos.com/v1/ServiceMonitor";
const ON = [...BASE, "nodeCount=1000", "typha.serviceMonitor.enabled=true"];
const monitoring = (objs: { kind: string; metadata: { name?: string } }[]) =>
  objs
    .filter((o) => o.kind === "ServiceMonitor" || o.metadata.name === "calico-typha-metrics")
    .map((o) => `${o.kind}/${o.metadata.name}`);

describe.each(HELM_MAJORS)("metrics and ServiceMonitor (helm %i)", (helm) => {
  it("Typha always exposes Prometheus metrics on a port named metrics, 9093", async () => {
    const d = one<Deployment>(
      await renderObjects({ helm, sets: [...BASE, "nodeCount=1000"] }),
      "Deployment",
      "calico-typha",
    );
    const c = d.spec!.template.spec!.containers[0];
    expect(c.ports!.find((p) => p.name === "metrics")).toEqual({
      name: "metrics",
      containerPort: 9093,
      protocol: "TCP",
    });
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ TYPHA_PROMETHEUSMETRICSENABLED: "true", TYPHA_PROMETHEUSMETRICSPORT: "9093" });
  });

  it("renders nothing for monitoring when enabled but the cluster lacks the ServiceMonitor CRD", async () => {
    expect(monitoring(await renderObjects({ helm, sets: ON }))).toEqual([]);
  });

  it("renders nothing when the CRD is served but it is not enabled", async () => {
    expect(monitoring(await renderObjects({ helm, sets: [...BASE, "nodeCount=1000"], apiVersions: [CAP] }))).toEqual(
      [],
    );
  });

  it("with both, renders the ServiceMonitor and the metrics Service it selects", async () => {
    const objs = await renderObjects({
      helm,
      sets: [...ON, "typha.serviceMonitor.labels.release=prometheus", "typha.serviceMonitor.interval=15s"],
      apiVersions: [CAP],
    });
    expect(monitoring(objs).sort()).toEqual(["Service/calico-typha-metrics", "ServiceMonitor/calico-typha"]);
    const sm = one(objs, "ServiceMonitor") as unknown as {
      metadata: { namespace: string; labels: Record<string, string> };
      spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: unknown; endpoints: unknown[] };
    };
    expect(sm.metadata.namespace).toBe("kube-system");
    expect(sm.metadata.labels.release).toBe("prometheus");
    expect(sm.spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "15s" }]);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ["kube-system"] });
    // The selector picks the metrics Service and not the calico-typha Service Felix uses.
    const svcs = objs.filter((o) => o.kind === "Service") as Service[];
    const selected = svcs.filter((s) =>
      Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata!.labels?.[k] === v),
    );
    expect(selected.map((s) => s.metadata!.name)).toEqual(["calico-typha-metrics"]);
    const metrics = selected[0];
    expect(metrics.spec!.clusterIP).toBe("None");
    expect(metrics.spec!.ports).toEqual([{ name: "metrics", port: 9093, protocol: "TCP", targetPort: "metrics" }]);
    expect(metrics.spec!.selector).toEqual({ "k8s-app": "calico-typha" });
    expect(unknownFields(metrics as { apiVersion: string; kind: string })).toEqual([]);
  });

  it("an empty interval leaves it to Prometheus' global scrape interval", async () => {
    const objs = await renderObjects({ helm, sets: [...ON, "typha.serviceMonitor.interval="], apiVersions: [CAP] });
    expect((one(objs, "ServiceMonitor") as unknown as { spec: { endpoints: unknown[] } }).spec.endpoints).toEqual([
      { port: "metrics", path: "/metrics" },
    ]);
  });
});
