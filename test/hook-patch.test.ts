// The hook's real eni-config patches, byte for byte: the rendered script and environment of each phase's Job,
// the real kubectl, the fake API server (test/support/fake-kube-apiserver.ts) holding the fixtures. The ConfigMap
// step records the previous state, adds, replaces or removes the owned key, and leaves every other key as it was.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeApiServer, type FakeCluster, type Obj } from "./support/fake-kube-apiserver.js";
import {
  DISABLE,
  fixture,
  hookVariant,
  putTypha,
  RELAY,
  runOk,
  runPhase,
  STAMP,
  terwayCluster,
  type HookVariant,
  type Phase,
} from "./support/hook-harness.js";

type ConfigMap = { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };

let server: FakeApiServer;
let relay: HookVariant;
let disable: HookVariant;
beforeAll(async () => {
  server = await new FakeApiServer().start();
  [relay, disable] = await Promise.all([
    hookVariant(RELAY),
    hookVariant(["region=cn-hangzhou", "nodeCount=320", ...DISABLE]),
  ]);
});
afterAll(async () => server?.stop());

/** A Terway cluster holding the fixture ConfigMap (edited), with Typha ready. */
function clusterWith(name: string, edit?: (cm: ConfigMap) => void): FakeCluster {
  const cm = fixture(name);
  edit?.(cm as unknown as ConfigMap);
  const c = terwayCluster(server, { configMap: cm as Obj });
  putTypha(c);
  return c;
}
const load = (c: FakeCluster) => structuredClone(c.get("ConfigMap", "eni-config")) as unknown as ConfigMap;

async function step(c: FakeCluster, v: HookVariant, phase: Phase): Promise<ConfigMap> {
  await runOk(c, v, phase);
  return load(c);
}

function othersUnchanged(before: ConfigMap, after: ConfigMap, owned: string): void {
  const keys = new Set([...Object.keys(before.data), ...Object.keys(after.data)]);
  keys.delete(owned);
  for (const k of keys) expect(after.data[k], k).toBe(before.data[k]);
}

describe("relay key", () => {
  test.concurrent("added when absent, recorded as absent; removed again on pre-delete", async () => {
    const c = clusterWith("eni-config.yaml");
    const before = load(c);
    const after = await step(c, relay, "post-install");
    expect(after.data.felix_relay_service).toBe("calico-typha");
    expect(after.metadata.annotations).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "absent" });
    othersUnchanged(before, after, "felix_relay_service");
    const restored = await step(c, relay, "pre-delete");
    expect(restored.data).toEqual(before.data);
    expect(restored.metadata.annotations ?? {}).toEqual({});
  });

  test.concurrent("replaced when it held another value, which comes back byte for byte", async () => {
    const odd = 'other-typha\n  "quoted" \\ back\\slash, tab\t, unicode 中文 <&>\n';
    const c = clusterWith("eni-config.yaml", (cm) => (cm.data.felix_relay_service = odd));
    const before = load(c);
    const after = await step(c, relay, "post-install");
    expect(after.data.felix_relay_service).toBe("calico-typha");
    expect(after.metadata.annotations).toEqual({
      ...STAMP,
      "terway-relay/record.felix_relay_service": "value",
      "terway-relay/previous.felix_relay_service": odd,
    });
    othersUnchanged(before, after, "felix_relay_service");
    const restored = await step(c, relay, "pre-delete");
    expect(restored.data.felix_relay_service).toBe(odd);
    expect(restored.data).toEqual(before.data);
  });

  test.concurrent("a hand-made relay is left as it is, recorded as ours, and removed on pre-delete", async () => {
    const c = clusterWith("eni-config-relay.yaml");
    const before = load(c);
    const after = await step(c, relay, "post-install");
    expect(after.data).toEqual(before.data);
    expect(after.metadata.annotations).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "ours" });
    const restored = await step(c, relay, "pre-delete");
    expect(restored.data.felix_relay_service).toBeUndefined();
    othersUnchanged(before, restored, "felix_relay_service");
  });

  test.concurrent("a second post-install changes nothing (the record is written once)", async () => {
    const c = clusterWith("eni-config.yaml");
    const once = await step(c, relay, "post-install");
    const twice = await step(c, relay, "post-install");
    expect(twice.data).toEqual(once.data);
    expect(twice.metadata.annotations).toEqual(once.metadata.annotations);
  });
});

describe("disable_network_policy key", () => {
  test.concurrent('"false" becomes "true" and comes back on pre-delete; the relay key is not touched', async () => {
    const c = clusterWith("eni-config-relay.yaml");
    const before = load(c);
    const after = await step(c, disable, "post-install");
    expect(after.data.disable_network_policy).toBe("true");
    expect(after.metadata.annotations).toEqual({
      ...STAMP,
      "terway-relay/record.disable_network_policy": "value",
      "terway-relay/previous.disable_network_policy": "false",
    });
    othersUnchanged(before, after, "disable_network_policy");
    const restored = await step(c, disable, "pre-delete");
    expect(restored.data).toEqual(before.data);
  });

  test.concurrent("added when absent and removed again", async () => {
    const c = clusterWith("eni-config.yaml", (cm) => delete cm.data.disable_network_policy);
    const before = load(c);
    const after = await step(c, disable, "post-install");
    expect(after.data.disable_network_policy).toBe("true");
    othersUnchanged(before, after, "disable_network_policy");
    const restored = await step(c, disable, "pre-delete");
    expect(restored.data).toEqual(before.data);
  });
});

test("a pod template whose metadata is empty gets the annotations map and the state in one patch", async () => {
  // An empty template metadata ({}) is what a DaemonSet serves once creationTimestamp is no longer written.
  const ds = fixture("terway-eniip.yaml");
  (ds.spec as { template: { metadata: object } }).template.metadata = {};
  const c = terwayCluster(server, { daemonSets: [ds] });
  for (const phase of ["pre-install", "post-install"] as const) {
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
  const annotations = (
    c.get("DaemonSet", "terway-eniip")!.spec as { template: { metadata: { annotations: Record<string, string> } } }
  ).template.metadata.annotations;
  expect(Object.keys(annotations)).toEqual(["terway-relay/eni-config"]);
  expect(c.restarts.get("terway-eniip")).toBe(1);
}, 300_000);
