// What one install asks the API server: `helm template --dry-run=server` renders as `helm install` does, with
// lookup answered by the cluster, here the suite's fake API server holding 300 Linux nodes and Terway. The chart
// reads each cluster fact once per render (terway-relay.clusterFacts, kept on the root context across templates):
// at most one LIST of nodes and one GET per DaemonSet and per Typha Deployment, on Helm 3 and Helm 4 alike. At
// 2889e40, before that define, the same render listed the nodes 29 times and read terway-eniip 52 times.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { find as findObject, parseManifests, type KubeObject } from "../scripts/render.js";
import { chartDir } from "../scripts/tools.js";
import { FakeApiServer, type FakeCluster } from "./support/fake-kube-apiserver.js";
import { linuxNodes } from "./support/fake-nodes.js";
import type { Obj } from "./support/invariants.js";
import { fixture } from "./support/hook-harness.js";
import { templateAgainst } from "./support/live-render.js";
import { HELM_MAJORS, helmTemplateWith, jobEnv } from "./support/renders.js";

let server: FakeApiServer;
let clusters = 0;
beforeAll(async () => {
  server = await new FakeApiServer().start();
});
afterAll(async () => server.stop());

/** A cluster of 300 schedulable Linux nodes, the given Terway DaemonSet fixtures and any other objects. */
function cluster(terway: string[], ...objects: Parameters<FakeCluster["put"]>[0][]): FakeCluster {
  const c = server.cluster(`lookups-${++clusters}`);
  for (const o of [...linuxNodes(300), ...terway.map((f) => fixture(f)), ...objects]) c.put(o);
  return c;
}

/** `helm template --dry-run=server` against the cluster, as an identity allowed everything; its manifest. */
async function renderAgainst(c: FakeCluster, helm: 3 | 4, args: string[]): Promise<string> {
  const r = await templateAgainst(c, helm, args);
  if (r.exitCode !== 0) throw new Error(`helm ${helm} template --dry-run=server failed: ${r.stderr}`);
  return r.stdout;
}

/** The reads of cluster facts: LISTs of nodes, GETs per DaemonSet and per Deployment name. */
function factReads(c: FakeCluster): {
  nodeLists: number;
  daemonSetGets: Record<string, number>;
  deploymentGets: Record<string, number>;
} {
  const gets = (resource: string) => {
    const out: Record<string, number> = {};
    for (const r of c.requests.filter((q) => q.resource === resource && q.verb === "get"))
      out[r.name!] = (out[r.name!] ?? 0) + 1;
    return out;
  };
  return {
    nodeLists: c.requests.filter((r) => r.resource === "nodes" && r.verb === "list").length,
    daemonSetGets: gets("daemonsets"),
    deploymentGets: gets("deployments"),
  };
}

const find = (objects: KubeObject[], kind: string, name?: string) => findObject<KubeObject & Obj>(objects, kind, name)!;
/** The live Typha the autoscaler grew to 7. */
const LIVE_TYPHA = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "calico-typha", namespace: "kube-system" },
  spec: { replicas: 7 },
};

describe.each(HELM_MAJORS)("requests of one render against a live cluster (helm %i)", (helm) => {
  it("install: one LIST of nodes, one GET of the Terway DaemonSet, and every fact reaches the objects", async () => {
    const c = cluster(["terway-eniip.yaml"]);
    const objects = parseManifests(await renderAgainst(c, helm, ["--set", "region=cn-hangzhou"]));
    // terway-eniip is found first: terway, next in hook.terwayDaemonSets, is never asked for.
    expect(factReads(c)).toEqual({
      nodeLists: 1,
      daemonSetGets: { "terway-eniip": 1 },
      deploymentGets: helm === 4 ? { "calico-typha": 1 } : {},
    });
    // (Helm 4's install also GETs each object it would create, to refuse a conflict: that GET is Helm's, not lookup's;
    // Helm 3's template skips it.)
    const typha = find(objects, "Deployment", "calico-typha");
    expect(typha.metadata.annotations?.["terway-relay/sizing"]).toBe("replicas=3 (rule); nodes=300 (lookup)");
    // Terway v1.9.0 bundles Felix v3.24.5: the tag, the version label and the hook all follow it.
    expect(typha.spec.template.spec.containers[0].image).toBe(
      "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.24.5",
    );
    expect(find(objects, "Service", "calico-typha").metadata.labels?.["app.kubernetes.io/version"]).toBe("v3.24.5");
    // 10% of 300 nodes a batch: 10 batches of 60 s.
    expect(jobEnv(objects, "post-install")).toMatchObject({
      TYPHA_VERSION: "v3.24.5",
      ROLLOUT_TIMEOUT: "600",
      TYPHA_MIN_READY: "3",
    });
  });

  it("upgrade with the autoscaler, old Terway: one GET per DaemonSet tried, one GET of the live Typha", async () => {
    const c = cluster(["terway-v1.4.yaml"], LIVE_TYPHA);
    // --is-upgrade: the upgrade render, where the live replica count matters (and Helm checks no conflicts).
    const objects = parseManifests(
      await renderAgainst(c, helm, [
        "--is-upgrade",
        "--set",
        "region=cn-hangzhou",
        "--set",
        "typha.autoscaler.enabled=true",
      ]),
    );
    expect(factReads(c)).toEqual({
      nodeLists: 1,
      daemonSetGets: { "terway-eniip": 1, terway: 1 },
      deploymentGets: { "calico-typha": 1 },
    });
    const typha = find(objects, "Deployment", "calico-typha");
    expect(typha.spec.replicas).toBe(7);
    // Terway v1.2.3 bundles Felix v3.20.2; its DaemonSet rolls one pod at a time: 300 batches.
    expect(typha.spec.template.spec.containers[0].image).toBe(
      "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.20.2",
    );
    expect(jobEnv(objects, "post-upgrade")).toMatchObject({
      TYPHA_VERSION: "v3.20.2",
      ROLLOUT_TIMEOUT: "18000",
      TYPHA_MIN_READY: "7",
    });
  });

  it("gitops.enabled: no request for any cluster fact, and the same bytes as the offline render", async () => {
    const c = cluster(["terway-eniip.yaml", "terway-v1.4.yaml"], LIVE_TYPHA);
    const values = [
      "--set",
      "region=cn-hangzhou",
      "--set",
      "gitops.enabled=true",
      "--set",
      "nodeCount=1000",
      "--set",
      "typha.image.tag=v3.20.2",
      "--set",
      "typha.autoscaler.enabled=true",
    ];
    const manifest = await renderAgainst(c, helm, ["--is-upgrade", ...values]);
    expect(c.requests.filter((r) => ["nodes", "daemonsets", "deployments"].includes(r.resource))).toEqual([]);
    const offline = await helmTemplateWith(helm, ["--is-upgrade", ...values]);
    expect(offline.exitCode, offline.stderr).toBe(0);
    expect(manifest).toBe(offline.stdout);
    expect(find(parseManifests(manifest), "Deployment", "calico-typha").spec.replicas).toBe(5);
  });
});

describe("where the chart looks things up", () => {
  const templates = join(chartDir, "templates");
  const sources = readdirSync(templates, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(tpl|yaml|txt)$/.test(f))
    .map((f) => ({
      file: f,
      text: readFileSync(join(templates, f), "utf8").replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, ""),
    }));

  it("every lookup, and every read of .Capabilities, is in terway-relay.clusterFacts", () => {
    const calls = sources.flatMap(({ file, text }) => [...text.matchAll(/\blookup\s+"/g)].map(() => file));
    expect(calls).toEqual(["_cluster-facts.tpl", "_cluster-facts.tpl", "_cluster-facts.tpl"]);
    expect(sources.filter(({ text }) => text.includes(".Capabilities")).map((s) => s.file)).toEqual([
      "_cluster-facts.tpl",
    ]);
    expect(sources.find((s) => s.file === "_cluster-facts.tpl")!.text.match(/\{\{-? define "([^"]+)"/g)).toEqual([
      '{{- define "terway-relay.clusterFacts"',
    ]);
  });

  it("no helper reads the facts itself: only top-level templates include clusterFacts, so labels never look anything up", () => {
    const helpersCalling = sources
      .filter(
        ({ file, text }) =>
          file.endsWith(".tpl") &&
          file !== "_cluster-facts.tpl" &&
          text.includes('include "terway-relay.clusterFacts"'),
      )
      .map((s) => s.file);
    expect(helpersCalling).toEqual([]);
  });
});
