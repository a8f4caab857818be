// The hook's safety properties (docs/hook.md), one scenario each, and for each
// the one-line change to chart/files/relay-hook.sh that removes it. test/hook-safety.test.ts runs every scenario
// against the real script (it must pass) and against the script with the property removed (it must fail): a scenario
// that passes either way pins nothing.
import { expect } from "vitest";
import type { FakeApiServer, FakeCluster, Obj } from "./fake-kube-apiserver.js";
import {
  eniConfigData,
  fixture,
  fromSaved,
  holdFirstPair,
  putTypha,
  relayRecords,
  rolledOut,
  runOk,
  runPhase,
  STAMP,
  terwayCluster,
  waitsOut,
  type HookVariant,
  type Phase,
} from "./hook-harness.js";

export interface SafetyProperty {
  name: string;
  /** The one line of relay-hook.sh that holds the property, found by its marker comment (`# safety: MARKER`), and
   * the whole line it becomes without it. */
  mutation: { marker: string; without: string };
  /** Resolves when the property holds for `v` (its script), throws an assertion error when it does not. Scenarios that
   * start from an installed release install it with `real`, the chart's own script. */
  scenario: (server: FakeApiServer, v: HookVariant, real: HookVariant) => Promise<void>;
}

const configMapWrites = (c: FakeCluster) =>
  c.requests.filter((r) => r.resource === "configmaps" && r.verb === "patch" && r.status === 200);

/** The release `real` installed over `configMap`, saved once per server. */
async function installed(server: FakeApiServer, real: HookVariant, configMap: Obj): Promise<FakeCluster> {
  return fromSaved(server, `safety ${JSON.stringify([real.sets, real.script, configMap])}`, async () => {
    const c = terwayCluster(server, { configMap });
    await runOk(c, real, "pre-install");
    putTypha(c);
    await runOk(c, real, "post-install");
    return c;
  });
}

const withPrevious = (): Obj => {
  const cm = fixture("eni-config.yaml");
  (cm.data as Record<string, string>).felix_relay_service = "their-typha";
  return cm;
};

/** Someone sets the key between the hook's read (absent) and its patch: the guarded patch is refused, the hook
 * reads again, records the writer's value and sets its own, so uninstall gives the writer's value back. */
async function concurrentWriter(server: FakeApiServer, v: HookVariant): Promise<void> {
  const c = terwayCluster(server);
  putTypha(c);
  let wrote = false;
  c.onRequest = (r) => {
    if (wrote || r.resource !== "configmaps" || r.verb !== "patch") return;
    wrote = true;
    c.put(withPrevious());
  };
  const r = await runOk(c, v, "post-install");
  expect(wrote).toBe(true);
  expect(r.output).toMatch(
    /ConfigMap eni-config changed since it was read .*: planning again from a fresh read \(attempt 2\)/,
  );
  expect(c.requests.filter((q) => q.resource === "configmaps" && q.verb === "patch").map((q) => q.status)).toEqual([
    422, 200,
  ]);
  expect(relayRecords(c)).toEqual({
    ...STAMP,
    "terway-relay/record.felix_relay_service": "value",
    "terway-relay/previous.felix_relay_service": "their-typha",
  });
  expect(c.restarts.get("terway-eniip") ?? 0).toBe(1);
  c.onRequest = undefined;
  await runOk(c, v, "pre-delete");
  expect(eniConfigData(c)).toEqual(withPrevious().data);
}

/** The guarded write's patch with its resourceVersion test replaced by a test that always passes. */
const GUARD_REMOVED = `    --patch "[{\\"op\\":\\"test\\",\\"path\\":\\"/metadata/name\\",\\"value\\":\\"$2\\"}$(printf '%s\\n' "$5" | sed -n 's/^op /,/p')]"`;

export const SAFETY: SafetyProperty[] = [
  {
    name: "1. a concurrent writer of eni-config is never overwritten (resourceVersion test op)",
    mutation: { marker: "guarded write", without: GUARD_REMOVED },
    scenario: concurrentWriter,
  },
  {
    name: "2. pre-delete returns only once the Terway roll has finished (rollout status)",
    mutation: {
      marker: "rollout finished",
      without: `    [ "$PHASE" = pre-delete ] || kc rollout status "daemonset/$ds" --timeout "\${ROLLOUT_TIMEOUT}s" ||`,
    },
    async scenario(server, v, real) {
      const c = await installed(server, real, fixture("eni-config.yaml"));
      // A Terway pod that never gets ready: Helm must not go on to delete Typha while Felix may still use it.
      c.rolloutsNeverFinish = true;
      const stuck = await runPhase(c, v, "pre-delete", { ROLLOUT_TIMEOUT: "1" });
      expect(stuck.exitCode, stuck.output).toBe(1);
      expect(stuck.stderr).toMatch(/ERROR: daemonset\/terway-eniip did not finish rolling out within 1s/);
      expect(rolledOut(c)).toBe(false);
      // A roll that takes a while: the retried Job returns after it, not before.
      c.rolloutMs = 300;
      c.resumeRollouts();
      await runOk(c, v, "pre-delete");
      expect(rolledOut(c)).toBe(true);
      expect(eniConfigData(c)).toEqual(fixture("eni-config.yaml").data);
    },
  },
  {
    name: "3. Typha is ready only when the Service has enough ready endpoints, whatever the Deployment says",
    mutation: { marker: "ready endpoints", without: `    if [ "$ready" -ge "$TYPHA_MIN_READY" ]; then` },
    async scenario(server, v) {
      const c = terwayCluster(server);
      putTypha(c, "calico-typha", 3, 1); // 3 ready replicas, 1 ready address behind the Service
      const r = await runPhase(c, v, "post-install", { ...waitsOut("TYPHA_READY_TIMEOUT"), CONNECT_TIMEOUT: "1" });
      expect(r.exitCode, r.output).toBe(1);
      expect(r.stderr).toMatch(
        /Typha was not ready within 1s \(3 ready replicas .* 1 ready endpoints .* need 3\): eni-config was not changed/,
      );
      expect(configMapWrites(c)).toEqual([]);
      // The endpoints catch up while the hook waits: it writes eni-config only after it has seen them.
      let reads = 0;
      let readyRead = -1; // the request that first sees enough ready endpoints
      c.onRequest = (req) => {
        if (req.resource !== "endpoints" || ++reads !== 2) return;
        putTypha(c, "calico-typha", 3, 3);
        readyRead = c.requests.indexOf(req);
      };
      await runOk(c, v, "post-install", { CONNECT_TIMEOUT: "1" });
      expect(readyRead).toBeGreaterThan(-1);
      expect(c.requests.indexOf(configMapWrites(c)[0])).toBeGreaterThan(readyRead);
    },
  },
  {
    name: "4. unreadable Typha metrics are not proof that Felix connected",
    mutation: {
      marker: "metrics read",
      without: `    if [ -z "$connected" ] || [ "$connected" -ge "$expected" ]; then`,
    },
    async scenario(server, v) {
      const c = terwayCluster(server);
      putTypha(c);
      await c.closeMetrics();
      const r = await runPhase(c, v, "post-install", waitsOut("CONNECT_TIMEOUT"));
      expect(r.exitCode, r.output).toBe(1);
      expect(r.stderr).toMatch(/WARNING: could not read Typha metrics at 127\.0\.0\.1:[0-9]+: /);
      expect(r.stderr).toMatch(
        /ERROR: could not read any Typha's metrics on port [0-9]+ within 1s, so nothing proves Felix reached Typha/,
      );
    },
  },
  {
    name: "5. the records of what eni-config held outlive a failed roll, so the retry can still restore it",
    mutation: { marker: "records outlive the roll", without: `  drop_restored_records; [ -n "$FOUND" ] || return 0` },
    async scenario(server, v, real) {
      const c = await installed(server, real, withPrevious());
      const kept = relayRecords(c);
      expect(kept).toEqual({
        ...STAMP,
        "terway-relay/record.felix_relay_service": "value",
        "terway-relay/previous.felix_relay_service": "their-typha",
      });
      c.failWhen = (r) => r.resource === "daemonsets" && r.verb === "patch";
      const failed = await runPhase(c, v, "pre-delete");
      expect(failed.exitCode, failed.output).not.toBe(0);
      expect(relayRecords(c)).toEqual(kept);
      c.failWhen = undefined;
      await runOk(c, v, "pre-delete");
      expect(eniConfigData(c)).toEqual(withPrevious().data);
      expect(relayRecords(c)).toEqual({});
      expect(rolledOut(c)).toBe(true);
    },
  },
  {
    name: "6. a write that lost the race is planned again from a fresh read, and converges",
    mutation: { marker: "re-plan after a lost race", without: `    fail "lost a race"` },
    scenario: concurrentWriter,
  },
  {
    name: "7. a pre-install keeps the records this release wrote (Argo CD runs it on every sync)",
    mutation: { marker: "own records", without: `records_ours() { [ -z "$(recorded_keys)" ]; }` },
    async scenario(server, v, real) {
      const c = await installed(server, real, withPrevious());
      const kept = relayRecords(c);
      expect(kept).toEqual({
        ...STAMP,
        "terway-relay/record.felix_relay_service": "value",
        "terway-relay/previous.felix_relay_service": "their-typha",
      });
      await runOk(c, v, "pre-install");
      expect(relayRecords(c)).toEqual(kept);
      await runOk(c, v, "pre-delete");
      expect(eniConfigData(c)).toEqual(withPrevious().data);
    },
  },
  {
    name: "8. two Jobs rolling Terway from one read of its DaemonSet roll it once (resourceVersion test op)",
    mutation: { marker: "guarded write", without: GUARD_REMOVED },
    // Argo CD runs post-install and post-upgrade at once: each Job's DaemonSet patch is held until both have sent
    // one, so both decided from the same read; the guard refuses one, which reads again and finds the roll done.
    async scenario(server, v) {
      const c = terwayCluster(server);
      const both = async (jobs: Phase[]) => Promise.all(jobs.map((j) => runOk(c, v, j)));
      await both(["pre-install", "pre-upgrade"]);
      putTypha(c);
      const stopHolding = holdFirstPair(c, "daemonsets", "patch");
      const [a, b] = await both(["post-install", "post-upgrade"]);
      stopHolding();
      const dsPatches = c.requests.filter((r) => r.resource === "daemonsets" && r.verb === "patch");
      expect(dsPatches.map((r) => r.contentType)).toEqual([
        "application/json-patch+json",
        "application/json-patch+json",
      ]);
      expect(dsPatches.map((r) => r.status).sort()).toEqual([200, 422]);
      expect(`${a.output}\n${b.output}`).toMatch(
        /daemonset\/terway-eniip changed since it was read .*deciding again from a fresh read \(attempt 2\)/,
      );
      expect(`${a.output}\n${b.output}`).toMatch(/daemonset\/terway-eniip already runs with this eni-config/);
      expect(c.restarts.get("terway-eniip")).toBe(1);
    },
  },
  {
    name: "9. a fact's key is compared as text: another annotation one character apart is not this hook's record",
    mutation: {
      marker: "keys compared as text",
      // The old lookup: sed with the key as a regular expression, where each "." of a key matches any character.
      without: `  printf '%s\\n' "$2" | sed -n "\\\\|^$1 |{s|^$1 ||p;q;}"; return 0`,
    },
    async scenario(server, v, real) {
      // "record-felix..." sorts before "record.felix...": read as a pattern, it would pass for a record of "value"
      // with no previous value beside it, and uninstall would delete the value it should give back.
      const lookalike = { "terway-relay/record-felix_relay_service": "value" };
      const cm = withPrevious();
      cm.metadata.annotations = { ...lookalike };
      const c = terwayCluster(server, { configMap: cm });
      await runOk(c, real, "pre-install");
      putTypha(c);
      await runOk(c, v, "post-install");
      expect(relayRecords(c)).toEqual({
        ...lookalike,
        ...STAMP,
        "terway-relay/record.felix_relay_service": "value",
        "terway-relay/previous.felix_relay_service": "their-typha",
      });
      await runOk(c, real, "pre-delete");
      expect(eniConfigData(c)).toEqual(withPrevious().data);
      expect(relayRecords(c)).toEqual(lookalike);
    },
  },
];

/** The script with one property's line replaced; the line's marker must be there exactly once. */
export function without(script: string, p: SafetyProperty): string {
  const lines = script.split("\n");
  const at = lines.flatMap((l, i) => (l.endsWith(`# safety: ${p.mutation.marker}`) ? [i] : []));
  if (at.length !== 1)
    throw new Error(
      `relay-hook.sh has ${at.length} lines marked "# safety: ${p.mutation.marker}" (property "${p.name}")`,
    );
  lines[at[0]] = p.mutation.without;
  return lines.join("\n");
}
