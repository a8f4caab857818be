// The hook under GitOps controllers' orders, end to end: the rendered Jobs' script and environment, the real
// kubectl, the fake API server (test/support/fake-kube-apiserver.ts). The test plays the controller.
//
// Argo CD cannot tell install from upgrade: every sync runs pre-install and pre-upgrade together as PreSync, then
// applies, then post-install and post-upgrade together as PostSync; deleting the Application runs pre-delete
// (argoproj/argo-cd v3.4.7 docs/user-guide/helm.md, "'install' vs 'upgrade' vs 'sync'";
// gitops-engine/pkg/sync/hook/helm/type.go). Flux's helm-controller runs Helm's own order; with the
// RetryOnFailure strategy a failed install is retried as an upgrade (fluxcd/helm-controller v1.6.3
// internal/reconcile/atomic_release.go, ReleaseStatusFailed).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeApiServer, type FakeCluster, type Obj } from "./support/fake-kube-apiserver.js";
import { ENI_CONFIG_KEYS } from "./support/invariants.js";
import {
  eniConfigData,
  fixture,
  fromSaved,
  holdFirstPair,
  hookVariant,
  DISABLE,
  putTypha,
  relayRecords,
  RELAY,
  runOk,
  runPhase,
  STAMP,
  terwayCluster,
  waitsOut,
  type HookVariant,
} from "./support/hook-harness.js";

// Two syncs: the first changes eni-config and rolls Terway, the second must write nothing (asserted), so any later
// sync starts from the very state the second did and would replay it.
const SYNCS = 2;
const SCENARIO_TIMEOUT = 300_000;

let server: FakeApiServer;
const v: Record<string, HookVariant> = {};
beforeAll(async () => {
  server = await new FakeApiServer().start();
  const sets: Record<string, string[]> = {
    relay: RELAY,
    disable: [...RELAY, ...DISABLE],
    relayGitops: [...RELAY, "gitops.enabled=true"],
    disableGitops: [...RELAY, ...DISABLE, "gitops.enabled=true"],
    relayRestore: [...RELAY, "gitops.enabled=true", "gitops.restoreOnSync=true"],
    disableRestore: [...RELAY, ...DISABLE, "gitops.enabled=true", "gitops.restoreOnSync=true"],
  };
  const rendered = await Promise.all(Object.values(sets).map((s) => hookVariant(s)));
  for (const [i, k] of Object.keys(sets).entries()) v[k] = rendered[i];
});
afterAll(async () => server?.stop());

/** Hook Jobs of one Argo CD phase, all at once. */
const together = (c: FakeCluster, variant: HookVariant, jobs: string[]) =>
  Promise.all(jobs.map((j) => runOk(c, variant, j)));
const isRelay = (variant: HookVariant) => Object.values(variant.env)[0].MODE === "relay";
const restarts = (c: FakeCluster) => c.restarts.get("terway-eniip") ?? 0;
const writes = (c: FakeCluster) => c.requests.filter((r) => r.verb === "patch" && r.status === 200).length;

/** Every write the hook made touched only what it owns, and nothing was deleted. */
function onlyOwnedWrites(c: FakeCluster, original: Record<string, string>): void {
  expect(c.denied.map((r) => `${r.verb} ${r.url}`)).toEqual([]);
  // Pods are only ever listed (Typha's, while the hook waits for them): never deleted, evicted or changed.
  expect(c.requests.filter((r) => r.method === "DELETE" || (r.resource === "pods" && r.verb !== "list"))).toEqual([]);
  const now = eniConfigData(c);
  const owned: string[] = Object.values(ENI_CONFIG_KEYS);
  for (const k of Object.keys({ ...original, ...now }).filter((k) => !owned.includes(k)))
    expect(now[k], k).toBe(original[k]);
}

/** Uninstall (pre-delete) and check the restore: eni-config exactly as it started, no records, a second Terway roll,
 * and only owned writes throughout. */
async function deleteRestoresExactly(c: FakeCluster, variant: HookVariant, original: Obj): Promise<void> {
  await runOk(c, variant, "pre-delete");
  expect(eniConfigData(c)).toEqual(original.data);
  expect(relayRecords(c)).toEqual({});
  expect(restarts(c)).toBe(2);
  onlyOwnedWrites(c, original.data as Record<string, string>);
}

/** One Argo CD sync: PreSync Jobs together, the release's objects, PostSync Jobs together. */
async function argoSync(c: FakeCluster, variant: HookVariant): Promise<void> {
  const gitops = "pre-sync" in variant.env;
  await together(c, variant, gitops ? ["pre-sync"] : ["pre-install", "pre-upgrade"]);
  if (isRelay(variant)) putTypha(c);
  await together(c, variant, gitops ? ["post-sync"] : ["post-install", "post-upgrade"]);
}

interface Start {
  name: string;
  mode: "relay" | "disable";
  configMap: () => Obj;
  /** The records the first sync writes, and keeps from then on. */
  records: Record<string, string>;
  /** Which plain-Helm-hook layout runs this start: Argo CD's (the pre and post pairs at once) or Flux's (Helm's
   * order after a failed install). Pairwise: each layout takes one key state per mode, the other layout the other
   * one, so each mode meets each key state under plain Helm hooks once; every start also runs under gitops.enabled
   * (whose syncs the restoreOnSync scenarios go on from). The record logic (absent, value) is the same code in
   * every layout; what a layout adds (Jobs at once, a retried install) does not depend on the key's state. */
  helmHooks: "argo" | "flux";
}
const withKey = (key: string, value: string | undefined) => () => {
  const cm = fixture("eni-config.yaml");
  const d = cm.data as Record<string, string>;
  if (value === undefined) delete d[key];
  else d[key] = value;
  return cm;
};
const STARTS: Start[] = [
  {
    name: "relay, key absent",
    mode: "relay",
    configMap: withKey("felix_relay_service", undefined),
    records: { ...STAMP, "terway-relay/record.felix_relay_service": "absent" },
    helmHooks: "flux",
  },
  {
    name: "relay, key the user had set",
    mode: "relay",
    configMap: withKey("felix_relay_service", "their-typha"),
    records: {
      ...STAMP,
      "terway-relay/record.felix_relay_service": "value",
      "terway-relay/previous.felix_relay_service": "their-typha",
    },
    helmHooks: "argo",
  },
  {
    name: "disable, key the user had set",
    mode: "disable",
    configMap: withKey("disable_network_policy", "false"),
    records: {
      ...STAMP,
      "terway-relay/record.disable_network_policy": "value",
      "terway-relay/previous.disable_network_policy": "false",
    },
    helmHooks: "flux",
  },
  {
    name: "disable, key absent",
    mode: "disable",
    configMap: withKey("disable_network_policy", undefined),
    records: { ...STAMP, "terway-relay/record.disable_network_policy": "absent" },
    helmHooks: "argo",
  },
];
const OWNED_VALUE = {
  relay: ["felix_relay_service", "calico-typha"],
  disable: ["disable_network_policy", "true"],
} as const;

/** A cluster after SYNCS Argo CD syncs of `variant` over the start's eni-config, each sync checked: the key set, the
 * record written once and kept, one roll in all, only owned writes. The syncs run once per start and variant; each
 * scenario that goes on from there (the Application deleted, or a restore sync) gets its own copy. */
async function synced(start: Start, variant: HookVariant): Promise<FakeCluster> {
  return fromSaved(server, `argo ${start.name} ${JSON.stringify(variant.sets)}`, async () => {
    const original = start.configMap();
    const c = terwayCluster(server, { configMap: original });
    const [key, value] = OWNED_VALUE[start.mode];
    for (let sync = 1; sync <= SYNCS; sync++) {
      const before = writes(c);
      await argoSync(c, variant);
      if (sync > 1) expect(writes(c), `sync ${sync} wrote`).toBe(before);
      expect(eniConfigData(c)[key], `sync ${sync}`).toBe(value);
      expect(relayRecords(c), `sync ${sync}`).toEqual(start.records);
      // One roll when the key first changed; no sync after it rolls Terway again.
      expect(restarts(c), `sync ${sync}`).toBe(1);
    }
    onlyOwnedWrites(c, original.data as Record<string, string>);
    return c;
  });
}

describe("Argo CD: PreSync pair, apply, PostSync pair on every sync, then the Application is deleted", () => {
  for (const start of STARTS) {
    for (const gitops of start.helmHooks === "argo" ? [false, true] : [true]) {
      const label = gitops ? "gitops.enabled (one Job per Argo CD hook)" : "Helm hooks as Argo CD maps them";
      test.concurrent(
        `${start.name}, ${label}: the record survives ${SYNCS} syncs and the restore is exact`,
        async () => {
          const variant = v[`${start.mode}${gitops ? "Gitops" : ""}`];
          const original = start.configMap();
          const c = await synced(start, variant);
          await deleteRestoresExactly(c, variant, original);
        },
        SCENARIO_TIMEOUT,
      );
    }
  }

  test.concurrent(
    "the post pair races on eni-config: the loser reads again, writes nothing twice, and Terway rolls once",
    async () => {
      const original = withKey("felix_relay_service", "their-typha")();
      const c = terwayCluster(server, { configMap: original });
      await together(c, v.relay, ["pre-install", "pre-upgrade"]);
      putTypha(c);
      // Hold each Job's eni-config patch until both have sent one, so both planned from the same read: the
      // resourceVersion guard must refuse the second, which then reads again and finds nothing left to do.
      const stopHolding = holdFirstPair(c, "configmaps", "patch");
      const [a, b] = await together(c, v.relay, ["post-install", "post-upgrade"]);
      stopHolding();
      expect(`${a.output}\n${b.output}`).toMatch(/planning again from a fresh read \(attempt 2\)/);
      expect(
        c.requests
          .filter((r) => r.resource === "configmaps" && r.verb === "patch")
          .map((r) => r.status)
          .sort(),
      ).toEqual([200, 422]);
      expect(relayRecords(c)).toEqual({
        ...STAMP,
        "terway-relay/record.felix_relay_service": "value",
        "terway-relay/previous.felix_relay_service": "their-typha",
      });
      expect(restarts(c)).toBe(1);
      await runOk(c, v.relay, "pre-delete");
      expect(eniConfigData(c)).toEqual(original.data);
      onlyOwnedWrites(c, original.data as Record<string, string>);
    },
    SCENARIO_TIMEOUT,
  );
});

test.concurrent(
  "a writer that never stops: the retries are bounded and the hook says so, with nothing of its own applied",
  async () => {
    const original = fixture("eni-config.yaml");
    const c = terwayCluster(server, { configMap: original });
    putTypha(c);
    // Before each of the first 11 patches of eni-config, someone rewrites it (same content, a new resourceVersion):
    // one more than the hook's 10 attempts, so a hook that kept retrying would get its 11th patch through and fail
    // the assertions at once, instead of looping until the harness's safety net.
    let rewrites = 0;
    c.onRequest = (r) => {
      if (r.resource === "configmaps" && r.verb === "patch" && ++rewrites <= 11)
        c.put(structuredClone(c.get("ConfigMap", "eni-config")!));
    };
    const r = await runPhase(c, v.relay, "post-install");
    c.onRequest = undefined;
    expect(r.exitCode, r.output).toBe(1);
    expect(r.stderr).toMatch(
      /ERROR: ConfigMap kube-system\/eni-config changed under this hook 10 times in a row .*, so this patch was not applied: run the hook again/,
    );
    expect(c.requests.filter((q) => q.resource === "configmaps" && q.verb === "patch").map((q) => q.status)).toEqual(
      Array(10).fill(422),
    );
    expect(eniConfigData(c)).toEqual(original.data);
    expect(relayRecords(c)).toEqual({});
    expect(restarts(c)).toBe(0);
  },
  SCENARIO_TIMEOUT,
);

describe("Argo CD before v3.3.5: gitops.restoreOnSync restores in a PostSync Job, then the Application is deleted", () => {
  for (const start of STARTS) {
    test.concurrent(
      `${start.name}: the restore sync puts eni-config back exactly while Typha still runs`,
      async () => {
        const original = start.configMap();
        const normal = v[`${start.mode}Gitops`];
        const restore = v[`${start.mode}Restore`];
        expect(Object.keys(restore.env).sort()).toEqual(["pre-delete", "restore"]);
        // The syncs the Argo CD scenario above runs with the same variant: done once, and this scenario's own copy.
        const c = await synced(start, normal);
        expect(relayRecords(c)).toEqual(start.records);
        // The restore sync: no PreSync Job; Typha is applied (still there), then the PostSync restore.
        if (start.mode === "relay") putTypha(c);
        await runOk(c, restore, "restore");
        expect(eniConfigData(c)).toEqual(original.data);
        expect(relayRecords(c)).toEqual({});
        expect(restarts(c)).toBe(2);
        // Deleting the Application: Typha goes; a PreDelete that does run (v3.3.5+) finds nothing left to undo.
        c.remove("Deployment", "calico-typha");
        const patchesBefore = c.requests.filter((r) => r.verb === "patch").length;
        await runOk(c, restore, "pre-delete");
        expect(c.requests.filter((r) => r.verb === "patch").length).toBe(patchesBefore);
        expect(restarts(c)).toBe(2);
        onlyOwnedWrites(c, original.data as Record<string, string>);
      },
      SCENARIO_TIMEOUT,
    );
  }
});

describe("Flux: Helm's order, a failed install retried as an upgrade (RetryOnFailure), upgrades, uninstall", () => {
  for (const start of STARTS.filter((s) => s.helmHooks === "flux")) {
    test.concurrent(
      `${start.name}: the record survives the failed install and the retries, and the restore is exact`,
      async () => {
        const variant = v[start.mode];
        const original = start.configMap();
        const c = terwayCluster(server, { configMap: original });
        await runOk(c, variant, "pre-install");
        if (start.mode === "relay") {
          // Typha never gets ready within the hook's wait: the install fails before eni-config changes.
          putTypha(c, "calico-typha", 0);
          expect((await runPhase(c, variant, "post-install", waitsOut("TYPHA_READY_TIMEOUT"))).exitCode).toBe(1);
          expect(relayRecords(c)).toEqual({});
        } else {
          // The roll is refused once: the install fails after eni-config changed.
          let failed = false;
          c.failWhen = (r) => !failed && r.resource === "daemonsets" && r.verb === "patch" && (failed = true);
          expect((await runPhase(c, variant, "post-install")).exitCode).toBe(1);
          c.failWhen = undefined;
          expect(relayRecords(c)).toEqual(start.records);
        }
        for (let attempt = 1; attempt <= SYNCS; attempt++) {
          const before = writes(c);
          await runOk(c, variant, "pre-upgrade");
          if (start.mode === "relay") putTypha(c);
          await runOk(c, variant, "post-upgrade");
          if (attempt > 1) expect(writes(c), `upgrade ${attempt} wrote`).toBe(before);
          expect(relayRecords(c), `upgrade ${attempt}`).toEqual(start.records);
          expect(restarts(c), `upgrade ${attempt}`).toBe(1);
        }
        await deleteRestoresExactly(c, variant, original);
      },
      SCENARIO_TIMEOUT,
    );
  }
});

describe("records another release left (uninstalled with --no-hooks) are forgotten at pre-install; this release's are kept", () => {
  test.concurrent(
    "a foreign release's record is dropped, this release's survives a pre-install",
    async () => {
      const cm = withKey("felix_relay_service", "calico-typha")();
      cm.metadata.annotations = {
        "terway-relay/release": "kube-system/other",
        "terway-relay/record.felix_relay_service": "value",
        "terway-relay/previous.felix_relay_service": "long-gone",
      };
      const c = terwayCluster(server, { configMap: cm });
      const pre = await runOk(c, v.relay, "pre-install");
      expect(pre.stderr).toMatch(/forgetting records another release \(kube-system\/other\) left/);
      expect(relayRecords(c)).toEqual({});
      putTypha(c);
      await runOk(c, v.relay, "post-install");
      const mine = relayRecords(c);
      expect(mine).toEqual({ ...STAMP, "terway-relay/record.felix_relay_service": "ours" });
      const again = await runOk(c, v.relay, "pre-install");
      expect(again.stderr).not.toMatch(/forgetting/);
      expect(relayRecords(c)).toEqual(mine);
    },
    SCENARIO_TIMEOUT,
  );
});
