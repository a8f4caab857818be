// The hook script's control flow, end to end: the script and environment of each phase's rendered Job, run with
// the real kubectl against the fake API server (test/support/fake-kube-apiserver.ts), which authorizes every
// request against the rendered hook Role. The test plays Helm: it runs the phases in Helm's order and creates
// or deletes Typha between them, as the release would.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeApiServer, type FakeCluster, type Obj } from "./support/fake-kube-apiserver.js";
import { ENI_CONFIG_KEYS } from "./support/invariants.js";
import {
  eniConfigData,
  fixture,
  fromSaved,
  hookVariant,
  DISABLE,
  putTypha,
  relayRecords,
  RELAY,
  rolledOut,
  runOk,
  runPhase,
  STAMP,
  terwayCluster,
  waitsOut,
  type HookVariant,
  type Phase,
  type PhaseResult,
} from "./support/hook-harness.js";

const BASE = ["region=cn-hangzhou", "nodeCount=320"];
const OWNED: string[] = Object.values(ENI_CONFIG_KEYS);

let server: FakeApiServer;
let relay: HookVariant; // Typha v3.24.5 matches the fixtures' Terway v1.9.0 (Felix v3.24.5)
let renamed: HookVariant; // the same, with Service typha-relay
let skewed: HookVariant; // Typha v3.20.2 behind Felix v3.24.5
let skewAllowed: HookVariant;
let guideTypha: HookVariant; // typha.image.tag empty: offline, the chart's v3.5.8 (the guide's), skew allowed
let disable: HookVariant;

beforeAll(async () => {
  server = await new FakeApiServer().start();
  [relay, renamed, skewed, skewAllowed, guideTypha, disable] = await Promise.all([
    hookVariant(RELAY),
    hookVariant([...BASE, "typha.image.tag=v3.24.5", "typha.serviceName=typha-relay"]),
    hookVariant([...BASE, "typha.image.tag=v3.20.2"]),
    hookVariant([...BASE, "typha.image.tag=v3.20.2", "typha.allowVersionSkew=true"]),
    hookVariant([...BASE, "typha.allowVersionSkew=true"]),
    hookVariant([...BASE, ...DISABLE]),
  ]);
});
afterAll(async () => server?.stop());

// Scenarios run a few at a time (vitest's maxConcurrency, vitest.config.ts): each spawns kubectl processes. A test's
// timeout starts when vitest starts it, not while it queues behind the others. A scenario is several phases of a
// dozen kubectl processes each: its timeout is a safety net for a loaded machine, not an assertion on time.
const SCENARIO_TIMEOUT = 180_000;

function cluster(seed: { configMap?: Obj | null; daemonSets?: Obj[] } = {}): FakeCluster {
  return terwayCluster(server, seed);
}

const restarts = (c: FakeCluster, ds = "terway-eniip") => c.restarts.get(ds) ?? 0;
/** The DaemonSet's state as the hook leaves it: the state annotation on its pod template (the only field it writes). */
const dsHash = (c: FakeCluster, ds = "terway-eniip") =>
  (c.get("DaemonSet", ds)!.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template
    .metadata.annotations?.["terway-relay/eni-config"];
const patches = (c: FakeCluster) => c.requests.filter((r) => r.verb === "patch" || r.verb === "update");

function deleteTypha(c: FakeCluster, serviceName = "calico-typha"): void {
  c.remove("Deployment", "calico-typha");
  c.remove("Endpoints", serviceName);
}

async function phase(
  c: FakeCluster,
  v: HookVariant,
  p: Phase,
  overrides: Record<string, string> = {},
): Promise<PhaseResult> {
  return runPhase(c, v, p, overrides);
}

/** The phase returned only once the Terway roll it started had finished (rolls take a while here): no Felix still uses
 * the Typha that Helm deletes next. */
function rollFinished(c: FakeCluster, r: PhaseResult): void {
  expect(r.output).toContain('daemon set "terway-eniip" successfully rolled out');
  expect(rolledOut(c)).toBe(true);
}

/** A cluster where `v` is installed over `configMap`: installed (and checked) once, copied for each scenario. What
 * only the install's own run shows is checked here: pre-install wrote nothing, the roll finished, Felix connected
 * (relay mode), no Typha was looked for (disable mode); the state it leaves is checked by the scenarios. */
async function installed(v: HookVariant, configMap: Obj = fixture("eni-config.yaml")): Promise<FakeCluster> {
  return fromSaved(server, JSON.stringify([v.sets, configMap]), async () => {
    const c = cluster({ configMap });
    await runOk(c, v, "pre-install");
    expect(patches(c)).toEqual([]);
    const relayMode = v.env["post-install"].MODE === "relay";
    if (relayMode) putTypha(c);
    const r = await runOk(c, v, "post-install");
    expect(r.output).toMatch(/successfully rolled out/);
    expect(restarts(c)).toBe(1);
    if (relayMode) expect(r.output).toContain("Felix connected to Typha: 321 connections for 320 ready Terway pods");
    // No Typha in disable mode: the hook never looks for one.
    else expect(c.requests.filter((r) => r.resource === "deployments" || r.resource === "endpoints")).toEqual([]);
    invariants(c, configMap.data as Record<string, string>);
    return c;
  });
}

/** What must hold after every scenario: nothing denied, nothing deleted, no key touched but the owned ones. */
function invariants(
  c: FakeCluster,
  original: Record<string, string> = fixture("eni-config.yaml").data as Record<string, string>,
): void {
  expect(c.denied.map((r) => `${r.verb} ${r.url}`)).toEqual([]);
  // Pods are only ever listed (Typha's, while the hook waits for them): never deleted, evicted or changed.
  expect(c.requests.filter((r) => r.method === "DELETE" || (r.resource === "pods" && r.verb !== "list"))).toEqual([]);
  for (const r of patches(c).filter((r) => r.resource === "configmaps")) {
    expect(r.contentType).toBe("application/json-patch+json");
    for (const op of r.body as { op: string; path: string }[]) {
      expect(op.path).toMatch(
        /^\/metadata\/(resourceVersion|annotations(\/terway-relay~1((record|previous)\.(felix_relay_service|disable_network_policy)|release))?)$|^\/data(\/(felix_relay_service|disable_network_policy))?$/,
      );
    }
  }
  for (const r of patches(c).filter((r) => r.resource === "daemonsets")) {
    // A JSON Patch of the pod template's state annotation, led by a test of the resourceVersion it was decided from.
    expect(r.contentType).toBe("application/json-patch+json");
    const ops = r.body as { op: string; path: string }[];
    expect(ops[0]).toMatchObject({ op: "test", path: "/metadata/resourceVersion" });
    expect(ops.at(-1)).toMatchObject({
      op: "add",
      path: "/spec/template/metadata/annotations/terway-relay~1eni-config",
    });
    for (const op of ops.slice(1))
      expect(`${op.op} ${op.path}`).toMatch(
        /^add \/spec\/template\/metadata(\/annotations(\/terway-relay~1eni-config)?)?$/,
      );
  }
  const now = eniConfigData(c);
  for (const k of Object.keys({ ...original, ...now }).filter((k) => !OWNED.includes(k)))
    expect(now[k], k).toBe(original[k]);
}

function scenario(name: string, fn: () => Promise<void>): void {
  test.concurrent(name, fn, SCENARIO_TIMEOUT);
}

describe("relay mode", () => {
  scenario(
    "first install: Typha ready, key added and recorded as absent, one rolling restart, Felix connected",
    async () => {
      // The install every relay scenario below starts from: its run is checked in installed().
      const c = await installed(relay);
      expect(eniConfigData(c).felix_relay_service).toBe("calico-typha");
      expect(relayRecords(c)).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "absent" });
      expect(restarts(c)).toBe(1);
      expect(dsHash(c)).toBe('felix_relay_service="calico-typha";disable_network_policy="false";');
    },
  );

  scenario("upgrade with no change: nothing patched, nothing restarted", async () => {
    const c = await installed(relay);
    const before = patches(c).length;
    const hash = dsHash(c);
    await runOk(c, relay, "pre-upgrade");
    await runOk(c, relay, "post-upgrade");
    expect(patches(c).length).toBe(before);
    expect(restarts(c)).toBe(1);
    expect(dsHash(c)).toBe(hash);
    expect(eniConfigData(c).felix_relay_service).toBe("calico-typha");
    invariants(c);
  });

  scenario(
    "upgrade with a new Service name: Felix leaves the old Service before Helm deletes it, then joins the new one",
    async () => {
      const c = await installed(relay);
      c.rolloutMs = 200;
      const r = await runOk(c, renamed, "pre-upgrade");
      // Helm has not applied the new revision yet: Felix no longer names the old Service, and every pod has restarted.
      rollFinished(c, r);
      expect(eniConfigData(c).felix_relay_service).toBeUndefined();
      expect(restarts(c)).toBe(2);
      deleteTypha(c, "calico-typha");
      putTypha(c, "typha-relay");
      await runOk(c, renamed, "post-upgrade");
      expect(eniConfigData(c).felix_relay_service).toBe("typha-relay");
      expect(relayRecords(c)).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "absent" });
      expect(restarts(c)).toBe(3);
      invariants(c);
    },
  );

  scenario(
    "eni-config rewritten behind Helm's back (an ACK add-on upgrade): helm upgrade sets the key again and rolls",
    async () => {
      const c = await installed(relay);
      const hash = dsHash(c);
      const cm = c.get("ConfigMap", "eni-config")!;
      const rewritten = structuredClone(cm);
      delete (rewritten.data as Record<string, string>).felix_relay_service;
      c.put(rewritten);
      await runOk(c, relay, "pre-upgrade");
      expect(restarts(c)).toBe(1);
      await runOk(c, relay, "post-upgrade");
      expect(eniConfigData(c).felix_relay_service).toBe("calico-typha");
      // The wanted state did not change, the pods' did: the same state, with a counter so that the template changes.
      expect(restarts(c)).toBe(2);
      expect(dsHash(c)).toBe(`1 ${hash}`);
      invariants(c);
    },
  );

  scenario("retry after a failure between patch and restart: the retried Job still restarts, once", async () => {
    const c = cluster();
    await runOk(c, relay, "pre-install");
    putTypha(c);
    c.failWhen = (r) => r.resource === "daemonsets" && r.verb === "patch";
    const failed = await phase(c, relay, "post-install");
    expect(failed.exitCode).not.toBe(0);
    expect(eniConfigData(c).felix_relay_service).toBe("calico-typha");
    expect(restarts(c)).toBe(0);
    c.failWhen = undefined;
    const retried = await runOk(c, relay, "post-install");
    expect(retried.output).not.toMatch(/recorded the previous state/);
    expect(relayRecords(c)).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "absent" });
    expect(restarts(c)).toBe(1);
    invariants(c);
  });

  scenario("relay to disable via upgrade: Felix leaves Typha (one roll) before Helm deletes it", async () => {
    const c = await installed(relay);
    c.rolloutMs = 200;
    rollFinished(c, await runOk(c, disable, "pre-upgrade"));
    expect(eniConfigData(c).felix_relay_service).toBeUndefined();
    expect(eniConfigData(c).disable_network_policy).toBe("true");
    expect(restarts(c)).toBe(2);
    deleteTypha(c);
    await runOk(c, disable, "post-upgrade");
    expect(restarts(c)).toBe(2);
    expect(relayRecords(c)).toEqual({
      ...STAMP,
      "terway-relay/record.disable_network_policy": "value",
      "terway-relay/previous.disable_network_policy": "false",
    });
    invariants(c);
  });

  scenario("rollback to a revision without Typha: pre-rollback points Felix away before Typha goes", async () => {
    const c = await installed(disable); // revision 1
    expect(eniConfigData(c).disable_network_policy).toBe("true");
    await runOk(c, relay, "pre-upgrade"); // revision 2
    expect(restarts(c)).toBe(1);
    putTypha(c);
    await runOk(c, relay, "post-upgrade");
    expect(eniConfigData(c)).toMatchObject({ felix_relay_service: "calico-typha", disable_network_policy: "false" });
    expect(restarts(c)).toBe(2);
    c.rolloutMs = 200;
    rollFinished(c, await runOk(c, disable, "pre-rollback")); // back to revision 1
    expect(eniConfigData(c).felix_relay_service).toBeUndefined();
    expect(eniConfigData(c).disable_network_policy).toBe("true");
    expect(restarts(c)).toBe(3);
    deleteTypha(c);
    await runOk(c, disable, "post-rollback");
    expect(restarts(c)).toBe(3);
    invariants(c);
  });

  scenario("uninstall restores a previous value byte for byte and forgets its records", async () => {
    const original = fixture("eni-config.yaml");
    (original.data as Record<string, string>).felix_relay_service = 'someone-else\'s "typha"\n';
    const c = await installed(relay, original);
    expect(relayRecords(c)).toEqual({
      ...STAMP,
      "terway-relay/record.felix_relay_service": "value",
      "terway-relay/previous.felix_relay_service": 'someone-else\'s "typha"\n',
    });
    await runOk(c, relay, "pre-delete");
    expect(eniConfigData(c)).toEqual(original.data);
    expect(relayRecords(c)).toEqual({});
    expect(restarts(c)).toBe(2);
    invariants(c, original.data as Record<string, string>);
  });

  scenario("uninstall with no previous value removes the key", async () => {
    const c = await installed(relay);
    const hash = dsHash(c);
    await runOk(c, relay, "pre-delete");
    expect(eniConfigData(c)).toEqual(fixture("eni-config.yaml").data);
    expect(relayRecords(c)).toEqual({});
    expect(restarts(c)).toBe(2);
    expect(dsHash(c)).not.toBe(hash);
    invariants(c);
  });

  scenario(
    "uninstall over a hand-made relay: recorded as ours, restored as absent (its Typha is going away)",
    async () => {
      const c = await installed(relay, fixture("eni-config-relay.yaml"));
      expect(relayRecords(c)).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "ours" });
      expect(eniConfigData(c).felix_relay_service).toBe("calico-typha");
      await runOk(c, relay, "pre-delete");
      expect(eniConfigData(c).felix_relay_service).toBeUndefined();
      expect(restarts(c)).toBe(2);
      invariants(c, fixture("eni-config-relay.yaml").data as Record<string, string>);
    },
  );

  scenario("a stale record left by uninstall --no-hooks is not taken for a fresh one", async () => {
    const stale = fixture("eni-config-relay.yaml");
    stale.metadata.annotations = {
      "terway-relay/record.felix_relay_service": "value",
      "terway-relay/previous.felix_relay_service": "long-gone-typha",
    };
    const c = cluster({ configMap: stale });
    const pre = await runOk(c, relay, "pre-install");
    expect(pre.stderr).toMatch(/forgetting records/);
    expect(relayRecords(c)).toEqual({});
    putTypha(c);
    await runOk(c, relay, "post-install");
    expect(relayRecords(c)).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "ours" });
    await runOk(c, relay, "pre-delete");
    expect(eniConfigData(c).felix_relay_service).toBeUndefined();
    invariants(c, stale.data as Record<string, string>);
  });

  scenario(
    "Typha never ready: fails after its timeout without touching eni-config; the uninstall after it restarts nothing",
    async () => {
      const c = cluster();
      await runOk(c, relay, "pre-install");
      putTypha(c, "calico-typha", 2); // Available (maxUnavailable 1), but fewer than the 3 needed
      const r = await phase(c, relay, "post-install", waitsOut("TYPHA_READY_TIMEOUT"));
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /Typha was not ready within 1s \(2 ready replicas .* 2 ready endpoints .* need 3\): eni-config was not changed/,
      );
      expect(patches(c)).toEqual([]);
      expect(eniConfigData(c)).toEqual(fixture("eni-config.yaml").data);
      // helm uninstall of the failed release: nothing of it is on eni-config or the pods, so nothing is undone.
      await runOk(c, relay, "pre-delete");
      expect(patches(c)).toEqual([]);
      expect(restarts(c)).toBe(0);
      expect(eniConfigData(c)).toEqual(fixture("eni-config.yaml").data);
      invariants(c);
    },
  );

  scenario(
    "uninstall over a hand-made relay after a failed install still moves Felix off the Typha going away",
    async () => {
      const c = cluster({ configMap: fixture("eni-config-relay.yaml") });
      await runOk(c, relay, "pre-install");
      putTypha(c, "calico-typha", 0);
      expect((await phase(c, relay, "post-install", waitsOut("TYPHA_READY_TIMEOUT"))).exitCode).toBe(1);
      await runOk(c, relay, "pre-delete");
      expect(eniConfigData(c).felix_relay_service).toBeUndefined();
      expect(restarts(c)).toBe(1);
      invariants(c, fixture("eni-config-relay.yaml").data as Record<string, string>);
    },
  );

  scenario("no Felix connects to Typha: the hook fails loudly", async () => {
    const c = cluster();
    await runOk(c, relay, "pre-install");
    putTypha(c);
    c.connectionsPerTypha = 0;
    const r = await phase(c, relay, "post-install", waitsOut("CONNECT_TIMEOUT"));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/NO Felix connected to Typha within 1s \(0 connections for 320 ready Terway pods\)/);
    invariants(c);
  });
});

describe("the fake API server enforces the rendered Role", () => {
  scenario("a Role without patch on the DaemonSet: the roll is refused with 403 and recorded as denied", async () => {
    const c = cluster();
    const weaker: HookVariant = {
      ...relay,
      identity: {
        ...relay.identity,
        rules: relay.identity.rules.map((r) =>
          r.resources?.includes("daemonsets") ? { ...r, verbs: r.verbs.filter((v) => v !== "patch") } : r,
        ),
      },
    };
    await runOk(c, weaker, "pre-install");
    putTypha(c);
    const r = await phase(c, weaker, "post-install");
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(
      /forbidden: User "system:serviceaccount:kube-system:terway-relay-eni-config" cannot patch resource "daemonsets"/,
    );
    expect(c.denied.map((d) => `${d.verb} ${d.resource}/${d.name}`)).toEqual(["patch daemonsets/terway-eniip"]);
    expect(restarts(c)).toBe(0);
  });
});

describe("preflight refusals: one sentence, nothing modified", () => {
  // Each refusal's release: relay, unless it names another (the variants exist once beforeAll has run). Terway too
  // old for the relay key (terway-v1.4.yaml) and terway-eni only are refused, before and after Typha exists, by
  // test/hook-terway.test.ts's cluster shapes, on the same DaemonSet fixtures.
  const refusals: [string, () => FakeCluster, RegExp, (() => HookVariant)?][] = [
    [
      "eni-config missing",
      () => cluster({ configMap: null }),
      /^terway-relay pre-install: ERROR: ConfigMap kube-system\/eni-config does not exist: this cluster does not run Terway/m,
    ],
    [
      "DaemonSet missing",
      () => cluster({ daemonSets: [] }),
      /ERROR: no Terway DaemonSet named terway-eniip or terway in kube-system/,
    ],
    [
      "eBPF engine (network_policy_provider ebpf)",
      () => {
        const cm = fixture("eni-config.yaml");
        const d = cm.data as Record<string, string>;
        d["10-terway.conf"] = d["10-terway.conf"].replace(
          '"type": "terway"',
          '"type": "terway",\n  "network_policy_provider": "ebpf"',
        );
        return cluster({ configMap: cm });
      },
      /ERROR: eni-config 10-terway.conf selects network_policy_provider "ebpf", so Terway runs Cilium \(eBPF\) instead of Felix/,
    ],
    [
      "Datapath V2 (eniip_virtual_type datapathv2)",
      () => {
        const cm = fixture("eni-config.yaml");
        const d = cm.data as Record<string, string>;
        d["10-terway.conf"] = d["10-terway.conf"].replace(
          '"type": "terway"',
          '"type": "terway",\n  "eniip_virtual_type": "datapathv2"',
        );
        return cluster({ configMap: cm });
      },
      /ERROR: eni-config 10-terway.conf selects eniip_virtual_type datapathv2, so Terway runs Cilium/,
    ],
    [
      "OnDelete update strategy",
      () => {
        const ds = fixture("terway-eniip.yaml");
        (ds.spec as Record<string, unknown>).updateStrategy = { type: "OnDelete" };
        return cluster({ daemonSets: [ds] });
      },
      /ERROR: DaemonSet terway-eniip uses updateStrategy OnDelete: Terway could not be restarted as a watched rolling update/,
    ],
    [
      "version skew",
      () => cluster(),
      /ERROR: Typha v3\.20\.2 does not match Felix v3\.24\.5 bundled with Terway .*terway:v1\.9\.0: set typha\.image\.tag=v3\.24\.5 \(or typha\.allowVersionSkew=true/,
      () => skewed,
    ],
    [
      "the guide's Typha v3.5.8 behind Felix v3.24.5, even with typha.allowVersionSkew",
      () => cluster(),
      /ERROR: Typha v3\.5\.8 is older than v3\.14 and sends no v3 Profiles, which Felix v3\.24\.5 \(from v3\.23\) needs for namespace and service-account labels: every namespaceSelector and serviceAccountSelector would match nothing \(projectcalico\/calico#5524\), .*terway:v1\.9\.0: set typha\.image\.tag=v3\.24\.5; nothing was changed\.$/,
      () => guideTypha,
    ],
  ];
  for (const [name, make, message, variant] of refusals) {
    scenario(name, async () => {
      const v = variant?.() ?? relay;
      for (const p of ["pre-install", "post-install"] as const) {
        const c = make();
        const original = eniConfigData(c);
        const before = JSON.stringify([...c.objects.values()]);
        if (p === "post-install") putTypha(c);
        const r = await phase(c, v, p);
        expect(r.exitCode, r.output).toBe(1);
        const errors = r.stderr.split("\n").filter((l) => l.includes("ERROR"));
        expect(errors).toHaveLength(1);
        expect(errors[0].replace("post-install", "pre-install")).toMatch(message);
        expect(errors[0]).toMatch(/nothing was changed\.$/);
        expect(patches(c)).toEqual([]);
        if (p === "pre-install") expect(JSON.stringify([...c.objects.values()])).toBe(before);
        invariants(c, original);
      }
    });
  }

  scenario("version skew allowed by typha.allowVersionSkew: a warning, then the install goes on", async () => {
    const c = cluster();
    const r = await runOk(c, skewAllowed, "pre-install");
    expect(r.stderr).toMatch(
      /WARNING: Typha v3\.20\.2 does not match Felix v3\.24\.5 .* \(allowed by typha\.allowVersionSkew\)/,
    );
    invariants(c);
  });

  scenario(
    "a Terway version the table cannot place is refused; typha.allowVersionSkew lets it through with a warning",
    async () => {
      const ds = fixture("terway-eniip.yaml");
      const spec = ds.spec as { template: { spec: { containers: { name: string; image: string }[] } } };
      for (const ct of spec.template.spec.containers) ct.image = ct.image.replace("v1.9.0", "v1.5.0");
      const c = cluster({ daemonSets: [ds] });
      const refused = await phase(c, relay, "pre-install");
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(
        /ERROR: Terway image .*v1\.5\.0 has Terway 1\.5\.0\.0, which no row of the Felix version table places, .*: set typha\.allowVersionSkew=true to accept that; nothing was changed\.$/m,
      );
      const r = await runOk(c, skewAllowed, "pre-install");
      expect(r.stderr).toMatch(
        /WARNING: Terway image .*v1\.5\.0 has Terway 1\.5\.0\.0, which no row .* \(allowed by typha\.allowVersionSkew\)/,
      );
      invariants(c);
    },
  );

  scenario("pre-delete never blocks an uninstall over a missing eni-config", async () => {
    const c = cluster({ configMap: null });
    const r = await runOk(c, relay, "pre-delete");
    expect(r.output).toMatch(/nothing to restore/);
    expect(patches(c)).toEqual([]);
  });
});

describe("disable-network-policy mode", () => {
  scenario("install sets disable_network_policy to true and records the old value; uninstall restores it", async () => {
    // The install the rollback scenario above starts from: its run is checked in installed().
    const c = await installed(disable);
    expect(eniConfigData(c).disable_network_policy).toBe("true");
    expect(eniConfigData(c).felix_relay_service).toBeUndefined();
    expect(relayRecords(c)).toEqual({
      ...STAMP,
      "terway-relay/record.disable_network_policy": "value",
      "terway-relay/previous.disable_network_policy": "false",
    });
    expect(restarts(c)).toBe(1);
    await runOk(c, disable, "pre-upgrade");
    await runOk(c, disable, "post-upgrade");
    // No Typha in this mode: the hook never looks for one.
    expect(c.requests.filter((r) => r.resource === "deployments" || r.resource === "endpoints")).toEqual([]);
    expect(restarts(c)).toBe(1);
    await runOk(c, disable, "pre-delete");
    expect(eniConfigData(c)).toEqual(fixture("eni-config.yaml").data);
    expect(relayRecords(c)).toEqual({});
    expect(restarts(c)).toBe(2);
    invariants(c);
  });

  scenario("the same preflight: Terway too old for the key is refused", async () => {
    const c = cluster({ daemonSets: [fixture("terway-v1.0.yaml")] });
    const r = await phase(c, disable, "pre-install");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /does not read disable_network_policy from eni-config in its policy container: upgrade Terway first/,
    );
    invariants(c);
  });
});
