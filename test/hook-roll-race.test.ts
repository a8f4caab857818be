// Two hook Jobs that decide to roll Terway from the same read of its DaemonSet (Argo CD's PostSync pair,
// post-install and post-upgrade at once): the JSON Patch of each roll starts with a test of the resourceVersion it
// was decided from, so only one lands; the other is refused, reads again, finds the roll done and rolls nothing.
// The real script and kubectl against the fake API server (test/support/fake-kube-apiserver.ts).
import { afterAll, beforeAll, expect, test } from "vitest";
import { FakeApiServer } from "./support/fake-kube-apiserver.js";
import { fixture, holdFirstPair, hookVariant, putTypha, runPhase, terwayCluster, type HookVariant } from "./support/hook-harness.js";

let server: FakeApiServer;
let relay: HookVariant;
beforeAll(async () => {
  server = await new FakeApiServer().start();
  relay = await hookVariant(["region=cn-hangzhou", "nodeCount=320", "typha.image.tag=v3.24.5"]);
});
afterAll(async () => server?.stop());

test("two Jobs rolling from one read of the DaemonSet: one patch lands, the other re-decides, Terway rolls once", async () => {
  const c = terwayCluster(server);
  const phases = async (jobs: string[]) =>
    Promise.all(jobs.map(async (j) => {
      const r = await runPhase(c, relay, j);
      expect(r.exitCode, `${j}:\n${r.output}`).toBe(0);
      return r;
    }));
  await phases(["pre-install", "pre-upgrade"]);
  putTypha(c);
  // Hold each Job's DaemonSet patch until both have sent one, so both decided from the same read.
  const stopHolding = holdFirstPair(c, "daemonsets", "patch");
  const [a, b] = await phases(["post-install", "post-upgrade"]);
  stopHolding();
  const dsPatches = c.requests.filter((r) => r.resource === "daemonsets" && r.verb === "patch");
  expect(dsPatches.map((r) => r.contentType)).toEqual(["application/json-patch+json", "application/json-patch+json"]);
  expect(dsPatches.map((r) => r.status).sort()).toEqual([200, 422]);
  expect(`${a.output}\n${b.output}`).toMatch(/daemonset\/terway-eniip changed since it was read .*deciding again from a fresh read \(attempt 2\)/);
  expect(`${a.output}\n${b.output}`).toMatch(/daemonset\/terway-eniip already runs with this eni-config/);
  expect(c.restarts.get("terway-eniip")).toBe(1);
}, 300_000);

test("a pod template whose metadata is empty gets the annotations map and the state in one patch", async () => {
  // An empty template metadata ({}) is what a DaemonSet serves once creationTimestamp is no longer written.
  const ds = fixture("terway-eniip.yaml");
  (ds.spec as { template: { metadata: object } }).template.metadata = {};
  const c = terwayCluster(server, { daemonSets: [ds] });
  for (const phase of ["pre-install", "post-install"]) {
    if (phase === "post-install") putTypha(c);
    const r = await runPhase(c, relay, phase);
    expect(r.exitCode, `${phase}:\n${r.output}`).toBe(0);
  }
  const patch = c.requests.find((r) => r.resource === "daemonsets" && r.verb === "patch")!;
  expect((patch.body as { op: string; path: string }[]).map((o) => `${o.op} ${o.path}`)).toEqual([
    "test /metadata/resourceVersion",
    "add /spec/template/metadata",
    "add /spec/template/metadata/annotations/terway-relay~1eni-config",
  ]);
  const annotations = (c.get("DaemonSet", "terway-eniip")!.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations;
  expect(Object.keys(annotations)).toEqual(["terway-relay/eni-config"]);
  expect(c.restarts.get("terway-eniip")).toBe(1);
}, 300_000);
