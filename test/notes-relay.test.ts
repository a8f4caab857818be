// NOTES.txt, as `helm install` prints it, in relay mode: the replica count and where it came from (and a warning
// when no node count was known), how to check Felix reached Typha, how to roll back.
import { describe, expect, it } from "vitest";
import { chartWithLiveTypha } from "./support/live-chart.js";
import { renderNotes } from "./support/notes.js";
import { BASE, HELM_MAJORS } from "./support/renders.js";

describe.each(HELM_MAJORS)("NOTES, relay (helm %i)", (helm) => {
  it.each([
    [["nodeCount=1001"], "Replicas: 6, the rule max(3, ceil(nodes / 200)) for nodeCount=1001 (values)."],
    [["nodeCount=1001", "typha.replicas=8"], "Replicas: 8, fixed by typha.replicas (values)."],
    [[], "Replicas: 3, the rule's minimum (fallback: nodeCount=0 and no nodes could be counted)."],
    [
      ["nodeCount=1001", "typha.replicaRule.nodesPerReplica=100"],
      "Replicas: 11, the rule max(3, ceil(nodes / 100)) for nodeCount=1001 (values).",
    ],
  ])("%j -> %s", async (sets, line) => {
    expect(await renderNotes({ helm, sets: [...BASE, ...sets] })).toContain(line);
  });

  it("warns when no node count was known and the count fell back to the minimum", async () => {
    const text = await renderNotes({ helm, sets: BASE });
    expect(text).toContain("node count unknown");
    expect(text).toContain("WARNING: no node count was known, so Typha runs the minimum of 3 replicas");
  });

  it("says the live count was kept when the autoscaler owns it", async () => {
    const text = await renderNotes({
      helm,
      chart: chartWithLiveTypha('(dict "spec" (dict "replicas" 9))'),
      sets: [...BASE, "nodeCount=1001", "typha.autoscaler.enabled=true"],
    });
    expect(text).toContain(
      "Replicas: 9, kept from the running Deployment (lookup): the autoscaler owns the count (the rule alone gives 6).",
    );
    expect(text).toContain("Autoscaling: calico-typha-autoscaler re-counts nodes every 10s");
    expect(text).toContain("needs --force-conflicts");
    expect(text).not.toContain("WARNING: no node count was known");
  });

  it("tells how to verify that Felix connected, and how to roll back", async () => {
    const text = await renderNotes({ helm, sets: [...BASE, "nodeCount=1001"] });
    expect(text).toContain("replicas=6 (rule); nodes=1001 (values)");
    expect(text).not.toContain("WARNING");
    expect(text).toContain("helm test terway-relay -n kube-system");
    expect(text).toContain("curl -s localhost:9093/metrics | grep typha_connections_active");
    expect(text).toContain("kubectl -n kube-system get pods -l k8s-app=calico-typha -o name");
    expect(text).toContain("helm -n kube-system rollback terway-relay <revision>");
    expect(text).not.toContain("force-conflicts");
  });

  it("suggests following the install with doctor --watch, within the hook's helm --timeout", async () => {
    const text = await renderNotes({ helm, sets: [...BASE, "nodeCount=1001"] });
    const timeout = /pass --timeout (\d+m)/.exec(text)?.[1];
    expect(timeout).toBeDefined();
    expect(text).toContain(`npx terway-relay doctor --watch --timeout ${timeout}\n  npx terway-relay doctor`);
  });

  it("says when the ServiceMonitor was skipped for want of the CRD, and not otherwise", async () => {
    const sets = [...BASE, "nodeCount=1001", "typha.serviceMonitor.enabled=true"];
    expect(await renderNotes({ helm, sets })).toContain("ServiceMonitor: skipped");
    expect(await renderNotes({ helm, sets, apiVersions: ["monitoring.coreos.com/v1/ServiceMonitor"] })).not.toContain(
      "ServiceMonitor: skipped",
    );
  });
});
