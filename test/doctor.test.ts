// terway-relay doctor against the suite's fake API server, through the built CLI (dist/terway-relay.js) and the
// real kubectl (.tools/helm4): one scenario per check and state of issue 18, each asserting the check's id,
// status, the key words of its summary, and the exit code. All scenarios share one server and run side by side.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hookBudget } from "../scripts/doctor/budget.js";
import { provisionedDir, repoRoot } from "../scripts/tools.js";
import { bgpPeerCrd, healthyDisable, healthyRelay, releaseSecret } from "./support/doctor-cluster.js";
import {
  FakeApiServer,
  type FakeCluster,
  type Identity,
  type Obj,
  type PolicyRule,
} from "./support/fake-kube-apiserver.js";
import { runCli } from "./support/cli-io.js";
import { concurrencyLimit } from "./support/limit.js";
import { freePort } from "./support/registry.js";
import { BASE, jobEnv, renderObjects } from "./support/renders.js";
import { TYPHA_IMAGE, typhaPod } from "./support/typha-pod.js";

const ALL: Identity = { user: "admin", rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] };
const dir = mkdtempSync(join(tmpdir(), "terway-relay-doctor-"));
const server = new FakeApiServer();

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  checks: { id: string; status: string; summary: string; fix?: string }[];
  healthy?: boolean;
}

/** The whole environment doctor runs with: a HOME of its own and the suite's kubectl (.tools/helm4). */
const doctorEnv = (home: string) => ({
  PATH: process.env.PATH,
  HOME: home,
  KUBECTL_BIN: join(provisionedDir(4), "kubectl"),
});

let n = 0;
/** doctor in this process (runCli: run(), the bin's own seam), its stdout a TTY or not; `onWrite` sees each write,
 * `out` holds the writes one by one. */
async function inProcess(
  c: FakeCluster,
  args: string[],
  tty: boolean,
  onWrite: (chunk: string) => void = () => {},
  identity = ALL,
) {
  const kubeconfig = c.kubeconfig(mkdtempSync(join(dir, "kc-")), identity);
  const out: string[] = [];
  const r = await runCli(["doctor", ...args, "--kubeconfig", kubeconfig], {
    tty,
    onWrite: (chunk) => {
      out.push(chunk);
      onWrite(chunk);
    },
    env: doctorEnv(join(dir, `home-${++n}`)),
  });
  return { code: r.code, out, err: r.stderr };
}

/** `terway-relay doctor --json` against a cluster, as `identity`, through run() (the seam the bin calls). The
 * built CLI runs the healthy relay, the unreachable server and --watch. */
async function doctor(c: FakeCluster, args: string[] = [], identity = ALL): Promise<Outcome> {
  const r = await inProcess(c, ["--json", ...args], false, undefined, identity);
  return outcome(r.code, r.out.join(""), r.err);
}

/** `terway-relay doctor --json` through the built CLI, dist/terway-relay.js. */
async function builtCli(c: FakeCluster): Promise<Outcome> {
  const kubeconfig = c.kubeconfig(mkdtempSync(join(dir, "kc-")), ALL);
  return runDoctor(["--json", "--kubeconfig", kubeconfig], join(dir, `home-${++n}`));
}

function outcome(code: number, stdout: string, stderr: string): Outcome {
  const doc = stdout.trim() ? (JSON.parse(stdout) as { healthy: boolean; checks: Outcome["checks"] }) : undefined;
  return { code, stdout, stderr, checks: doc?.checks ?? [], healthy: doc?.healthy };
}

async function runDoctor(args: string[], home: string): Promise<Outcome> {
  const r = await execa("node", [join(repoRoot, "dist/terway-relay.js"), "doctor", ...args], {
    env: doctorEnv(home),
    extendEnv: false,
    reject: false,
  });
  return outcome(r.exitCode ?? -1, r.stdout, r.stderr);
}

const check = (o: Outcome, id: string) => {
  const c = o.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${o.stdout} ${o.stderr}`);
  return c;
};

/** Terway's DaemonSet as its controller leaves it once the roll is done. */
function rolled(c: FakeCluster): void {
  const ds = c.get("DaemonSet", "terway-eniip") as Ds;
  c.put({ ...ds, status: { ...ds.status, updatedNumberScheduled: ds.status.desiredNumberScheduled } });
}

type Ds = Obj & { status: Record<string, number>; metadata: Obj["metadata"] & { managedFields?: object[] } };
/** Terway's DaemonSet mid-roll: `updated` of 320 pods run the new template, its spec changed `ago` seconds ago. */
function rolling(c: FakeCluster, updated: number, ago: number): void {
  const ds = c.get("DaemonSet", "terway-eniip") as Ds;
  ds.metadata.generation = 2;
  ds.metadata.managedFields = [
    { manager: "kubectl-patch", operation: "Update", time: new Date(Date.now() - ago * 1000).toISOString() },
    { manager: "kube-controller-manager", operation: "Update", subresource: "status", time: new Date().toISOString() },
  ];
  ds.status = { ...ds.status, observedGeneration: 2, updatedNumberScheduled: updated };
  c.objects.set("apps/daemonsets/kube-system/terway-eniip", ds);
}

const scenarios: Record<string, () => Promise<Outcome>> = {
  healthyRelay: () => builtCli(healthyRelay(server, "healthy")),
  healthyDisable: () => doctor(healthyDisable(server, "disable")),
  skew: () => doctor(healthyRelay(server, "skew", { typhaTag: "v3.5.8" })),
  skewAllowed: () => doctor(healthyRelay(server, "skew-allowed", { typhaTag: "v3.5.8" }), ["--allow-version-skew"]),
  minorSkew: () => doctor(healthyRelay(server, "minor-skew", { typhaTag: "v3.20.2" })),
  minorSkewAllowed: () =>
    doctor(healthyRelay(server, "minor-skew-allowed", { typhaTag: "v3.20.2" }), ["--allow-version-skew"]),
  dangling: async () => {
    const c = healthyRelay(server, "dangling");
    c.remove("Service", "calico-typha");
    return doctor(c);
  },
  rollInProgress: async () => {
    const c = healthyRelay(server, "rolling");
    rolling(c, 96, 30);
    return doctor(c);
  },
  rollStalled: async () => {
    const c = healthyRelay(server, "stalled");
    rolling(c, 96, 7200);
    return doctor(c);
  },
  grown: () => doctor(healthyRelay(server, "grown", { nodes: 700 })),
  imbalance: async () => {
    // Typha v3.5 behind Terway v1.0.10-200 (Felix v3.5.8): the rebalance target for 320 Felix over 3 Typhas is
    // 1 + 320 * 1.2 / 2 = 193 (plan.ts rebalanceTarget, multiplier 1 at v3.5).
    const c = healthyRelay(server, "imbalance", {
      typhaTag: "v3.5.8",
      terwayImage: "registry-cn-hangzhou.ack.aliyuncs.com/acs/terway:v1.0.10.200-g1339616-aliyun",
    });
    for (const [pod, k] of [
      ["calico-typha-0", 250],
      ["calico-typha-1", 40],
      ["calico-typha-2", 40],
    ] as const)
      c.connectionsByPod.set(pod, k);
    return doctor(c);
  },
  notConnected: async () => {
    const c = healthyRelay(server, "not-connected");
    c.connectionsPerTypha = 0;
    return doctor(c);
  },
  imagePull: async () => {
    const c = healthyRelay(server, "pull");
    c.put(typhaPod("calico-typha-0", { waiting: "ImagePullBackOff" }));
    return doctor(c);
  },
  crashLoop: async () => {
    const c = healthyRelay(server, "crash");
    c.put(typhaPod("calico-typha-2", { waiting: "CrashLoopBackOff", restarts: 7 }));
    return doctor(c);
  },
  crdPendingV35: async () => {
    const c = healthyRelay(server, "crd-v35", { typhaTag: "v3.5.8" });
    c.put(bgpPeerCrd(false));
    return doctor(c);
  },
  crdPendingV320: async () => {
    const c = healthyRelay(server, "crd-v320", { typhaTag: "v3.20.2" });
    c.put(bgpPeerCrd(false));
    return doctor(c);
  },
  policyOff: async () => {
    const c = healthyRelay(server, "policy-off");
    const cm = c.get("ConfigMap", "eni-config") as Obj & { data: Record<string, string> };
    c.put({ ...cm, data: { ...cm.data, disable_network_policy: "true" } });
    return doctor(c);
  },
  forbiddenProxy: () =>
    doctor(healthyRelay(server, "no-proxy"), [], {
      user: "viewer",
      rules: [
        {
          apiGroups: ["", "apps", "apiextensions.k8s.io"],
          resources: [
            "configmaps",
            "daemonsets",
            "nodes",
            "deployments",
            "pods",
            "services",
            "endpoints",
            "secrets",
            "customresourcedefinitions",
          ],
          verbs: ["get", "list"],
        },
      ],
    }),
  failedRelease: async () => {
    const c = healthyRelay(server, "failed-release");
    c.put(releaseSecret(2, "failed", Math.floor(Date.now() / 1000)));
    return doctor(c);
  },
  unreachable: async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await freePort();
    const c = healthyRelay(server, "gone");
    const kubeconfig = c.kubeconfig(mkdtempSync(join(dir, "kc-")), ALL);
    writeFileSync(
      kubeconfig,
      readFileSync(kubeconfig, "utf8").replace(/https:\/\/127\.0\.0\.1:\d+/, `https://127.0.0.1:${port}`),
    );
    return runDoctor(["--kubeconfig", kubeconfig], join(dir, "home-gone"));
  },
};

/** The identity doctor.rbac.create renders: its ClusterRole's and Role's rules, as the group it binds. (The fake
 * authorizer does not scope a Role to its namespace; every object doctor reads is in kube-system anyway.) */
async function doctorRole(readHelmReleases: boolean): Promise<Identity> {
  const objects = await renderObjects({
    sets: [
      ...BASE,
      "doctor.rbac.create=true",
      "doctor.rbac.subjects[0].kind=Group",
      "doctor.rbac.subjects[0].name=platform-oncall",
      "doctor.rbac.subjects[0].apiGroup=rbac.authorization.k8s.io",
      `doctor.rbac.readHelmReleases=${readHelmReleases}`,
    ],
  });
  const roles = objects.filter((o) => /^(Cluster)?Role$/.test(o.kind) && o.metadata.name === "terway-relay-doctor");
  expect(roles.map((r) => r.kind).sort()).toEqual(["ClusterRole", "Role"]);
  return { user: "platform-oncall", rules: roles.flatMap((r) => (r as unknown as { rules: PolicyRule[] }).rules) };
}

/** Clusters run under doctor's rendered role, kept to inspect what the fake authorizer denied. */
const roleClusters: Record<string, FakeCluster> = {};
let grantedWithReleases: Identity;
scenarios.rbac = async () => doctor((roleClusters.rbac = healthyRelay(server, "rbac")), [], await doctorRole(false));
scenarios.rbacReleases = async () =>
  doctor(
    (roleClusters.rbacReleases = healthyRelay(server, "rbac-releases")),
    [],
    (grantedWithReleases = await doctorRole(true)),
  );

const results: Record<string, Outcome> = {};

beforeAll(async () => {
  await server.start();
  // A few at a time: the fake API server shares this process, and kubectl gives up on a TLS handshake after 10 s.
  const limited = concurrencyLimit(4);
  const entries = await Promise.all(
    Object.entries(scenarios).map(([k, f]) => limited(async () => [k, await f()] as const)),
  );
  for (const [k, v] of entries) results[k] = v;
}, 120_000);

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("doctor's hook budget", () => {
  it.each([
    [1000, "10%"],
    [320, "2"],
    [7, "100%"],
  ])("is the chart's terway-relay.hookBudget for %i nodes, maxUnavailable %s", async (nodes, maxUnavailable) => {
    // With gitops.enabled the chart takes maxUnavailable from hook.terwayMaxUnavailable, as doctor takes it from
    // the live DaemonSet.
    const objects = await renderObjects({
      sets: [...BASE, `nodeCount=${nodes}`, "gitops.enabled=true", "typha.image.tag=v3.24.5"],
      setStrings: [`hook.terwayMaxUnavailable=${maxUnavailable}`],
    });
    const job = objects.find((o) => o.kind === "Job" && o.metadata.name === "terway-relay-eni-config-post-sync");
    const budget = hookBudget(nodes, maxUnavailable);
    expect(Number(jobEnv(objects, "post-sync").ROLLOUT_TIMEOUT)).toBe(budget.rollSeconds);
    expect((job!.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds).toBe(budget.deadlineSeconds);
  });
});

describe("doctor", () => {
  it("a healthy relay: every check ok, exit 0, one JSON document", () => {
    const r = results.healthyRelay;
    expect(r.code, r.stderr).toBe(0);
    expect(r.healthy).toBe(true);
    expect(r.checks.map((c) => c.id)).toEqual([
      "api",
      "eni-config",
      "terway",
      "typha",
      "version-skew",
      "replicas",
      "connections",
      "crds",
      "release",
    ]);
    expect(r.checks.filter((c) => c.status !== "ok")).toEqual([]);
    expect(check(r, "api").summary).toMatch(/v1\.30\.1-aliyun\.1/);
    expect(check(r, "terway").summary).toMatch(/terway-eniip v1\.9\.0 \(Felix v3\.24\.5\): 320 pods current/);
    expect(check(r, "connections").summary).toMatch(/^321 Felix connected \(320 expected\)/);
  });

  it("a healthy disable mode: eni-config ok in disable mode, no Typha, exit 0", () => {
    const r = results.healthyDisable;
    expect(r.code, r.stdout).toBe(0);
    expect(check(r, "eni-config")).toMatchObject({ status: "ok", summary: expect.stringMatching(/disable mode/) });
    expect(check(r, "typha")).toMatchObject({ status: "ok", summary: expect.stringMatching(/disable mode runs none/) });
  });

  it("skew after a console upgrade: Typha v3.5.8 behind Terway v1.9.0 fails, allowVersionSkew or not", () => {
    for (const r of [results.skew, results.skewAllowed]) {
      expect(r.code).toBe(1);
      expect(check(r, "version-skew")).toMatchObject({
        status: "fail",
        summary: expect.stringMatching(
          /^Typha v3\.5\.8 is older than v3\.14 .* Felix v3\.24\.5 .* namespaceSelector .* \(Terway v1\.9\.0, terway-eniip\)$/,
        ),
        fix: expect.stringMatching(/typha\.image\.tag=v3\.24\.5/),
      });
    }
  });

  it("a minor skew (Typha v3.20.2 behind Felix v3.24.5) fails, and warns when the release allows it", () => {
    expect(results.minorSkew.code).toBe(1);
    expect(check(results.minorSkew, "version-skew")).toMatchObject({
      status: "fail",
      summary: "Typha v3.20.2 does not match Felix v3.24.5 bundled with Terway v1.9.0 (terway-eniip)",
    });
    expect(results.minorSkewAllowed.code).toBe(0);
    expect(check(results.minorSkewAllowed, "version-skew")).toMatchObject({
      status: "warn",
      summary: expect.stringMatching(/\(allowed by typha\.allowVersionSkew\)$/),
    });
  });

  it("a dangling relay key (Service gone) fails eni-config", () => {
    expect(results.dangling.code).toBe(1);
    expect(check(results.dangling, "eni-config")).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/names Service kube-system\/calico-typha, which does not exist/),
    });
  });

  it("a roll in progress warns with N of M pods updated; a stalled one fails past the hook's budget", () => {
    expect(results.rollInProgress.code).toBe(0);
    expect(check(results.rollInProgress, "terway")).toMatchObject({
      status: "warn",
      summary: expect.stringMatching(/roll in progress, 96 of 320 pods updated/),
    });
    expect(results.rollStalled.code).toBe(1);
    expect(check(results.rollStalled, "terway")).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(
        /roll stalled, 96 of 320 pods updated after 7\d{3}s \(the hook's budget is 600s\)/,
      ),
    });
  });

  it("a grown cluster warns on replicas and names helm upgrade", () => {
    expect(results.grown.code).toBe(0);
    expect(check(results.grown, "replicas")).toMatchObject({
      status: "warn",
      summary: expect.stringMatching(/700 Linux nodes need 4 Typhas .* runs 3/),
      fix: expect.stringMatching(/^helm upgrade terway-relay/),
    });
  });

  it("imbalance warns; Felix not connected fails", () => {
    expect(results.imbalance.code).toBe(0);
    expect(check(results.imbalance, "connections")).toMatchObject({
      status: "warn",
      summary: expect.stringMatching(/imbalance: calico-typha-0 above Typha's rebalance target 193/),
    });
    expect(check(results.imbalance, "version-skew").status).toBe("ok");
    expect(results.notConnected.code).toBe(1);
    expect(check(results.notConnected, "connections")).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/^0 Felix connected to 3 Typhas, 320 Terway pods expected/),
    });
  });

  it("ImagePullBackOff names the pod, the reason and the image; CrashLoopBackOff names the pod", () => {
    expect(results.imagePull.code).toBe(1);
    expect(check(results.imagePull, "typha")).toMatchObject({
      status: "fail",
      summary: `pod calico-typha-0 is in ImagePullBackOff pulling image ${TYPHA_IMAGE}:v3.24.5`,
      fix: expect.stringMatching(/typha\.image\.registry and typha\.image\.repository/),
    });
    expect(results.crashLoop.code).toBe(1);
    expect(check(results.crashLoop, "typha").summary).toMatch(/calico-typha-2 is in CrashLoopBackOff \(7 restarts\)/);
  });

  it("a BGPPeer CRD not Established fails under Typha v3.5.8 (a hot loop) and warns from v3.14 on (a 5 s poll)", () => {
    expect(check(results.crdPendingV35, "crds")).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/^bgppeers\.crd\.projectcalico\.org not Established: Typha v3\.5\.8 hot-loops/),
    });
    expect(check(results.crdPendingV320, "crds")).toMatchObject({
      status: "warn",
      summary: expect.stringMatching(/Typha v3\.20\.2 retries its watch/),
    });
  });

  it("policy off under a live relay fails eni-config", () => {
    expect(results.policyOff.code).toBe(1);
    expect(check(results.policyOff, "eni-config")).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/felix_relay_service=calico-typha is live but disable_network_policy="true"/),
    });
  });

  it("a forbidden pod proxy skips connections, naming the permission; nothing else changes", () => {
    const r = results.forbiddenProxy;
    expect(r.code).toBe(0);
    expect(check(r, "connections")).toMatchObject({
      status: "skip",
      summary: expect.stringMatching(/cannot get resource "pods\/proxy"/),
      fix: expect.stringMatching(/get on pods\/proxy in kube-system/),
    });
  });

  it("under doctor.rbac's role: no 403 but the Secrets it was not granted; with readHelmReleases none at all", () => {
    const denied = roleClusters.rbac.denied.map((r) => `${r.verb} ${r.resource}`);
    expect(denied).toEqual(["list secrets"]);
    expect(results.rbac.code).toBe(0);
    expect(check(results.rbac, "release")).toMatchObject({
      status: "skip",
      fix: expect.stringMatching(/doctor\.rbac\.readHelmReleases=true/),
    });
    expect(results.rbac.checks.filter((c) => c.status !== "ok").map((c) => c.id)).toEqual(["release"]);
    expect(roleClusters.rbacReleases.denied).toEqual([]);
    expect(results.rbacReleases.checks.every((c) => c.status === "ok")).toBe(true);
    // Exactly the verbs doctor uses: every resource and verb granted was asked for.
    const asked = roleClusters.rbacReleases.requests.map((r) => `${r.verb} ${r.resource}`);
    const granted = grantedWithReleases.rules.flatMap((r) =>
      (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${res}`)),
    );
    expect(granted.filter((g) => !asked.includes(g))).toEqual([]);
    // One read per fact: nodes listed once, no per-node or per-pod GET but the metrics of each ready Typha.
    expect(asked.sort()).toEqual([
      "get configmaps",
      "get customresourcedefinitions",
      "get deployments",
      "get endpoints",
      "get pods/proxy",
      "get pods/proxy",
      "get pods/proxy",
      "get services",
      "list daemonsets",
      "list nodes",
      "list pods",
      "list secrets",
    ]);
    // The release records came as metadata only.
    const secrets = roleClusters.rbacReleases.requests.find((r) => r.resource === "secrets");
    expect(secrets?.accept).toMatch(/as=PartialObjectMetadataList/);
  });

  it("a failed release fails, naming helm history", () => {
    expect(results.failedRelease.code).toBe(1);
    expect(check(results.failedRelease, "release")).toMatchObject({
      status: "fail",
      summary: "terway-relay revision 2 failed",
      fix: "helm history terway-relay -n kube-system",
    });
  });

  it("usage errors exit 2 with one line, before any cluster is read", async () => {
    const c = healthyRelay(server, "usage");
    for (const args of [
      ["--timeout", "5m"],
      ["--watch", "--timeout", "soon"],
      ["--release", "Not_A_Release"],
    ]) {
      const r = await inProcess(c, args, false);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(c.requests).toEqual([]);
  });

  it("an unreachable server: one line naming the server and the error, exit 1, no stack", () => {
    const r = results.unreachable;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^terway-relay: cannot read the cluster at https:\/\/127\.0\.0\.1:\d+\/c\/gone: .*refused/,
    );
  });

  it("--watch follows a roll in progress to healthy: one line per change off a TTY, exit 0", async () => {
    const c = healthyRelay(server, "watch");
    rolling(c, 96, 30);
    const kubeconfig = c.kubeconfig(mkdtempSync(join(dir, "kc-")), ALL);
    const child = execa(
      "node",
      [
        join(repoRoot, "dist/terway-relay.js"),
        "doctor",
        "--watch",
        "--timeout",
        "2m",
        "--interval",
        "100ms",
        "--kubeconfig",
        kubeconfig,
      ],
      {
        env: doctorEnv(join(dir, "home-watch")),
        extendEnv: false,
        reject: false,
      },
    );
    let out = "";
    // The roll finishes once doctor has printed its first round (release, the last check, ends it) with the roll
    // in progress.
    child.stdout?.on("data", (d: Buffer) => {
      out += d;
      if (/^OK release: .*\n/m.test(out) && !out.includes("rolled")) {
        out += "rolled\n";
        rolled(c);
      }
    });
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = out.split("\n").filter(Boolean);
    expect(lines[0]).toMatch(/^OK api: API server reachable/);
    expect(lines).toContain(
      "WARN terway: terway-eniip v1.9.0 (Felix v3.24.5): roll in progress, 96 of 320 pods updated",
    );
    // After the roll only what changed is printed, then the verdict.
    expect(lines.slice(lines.indexOf("rolled") + 1)).toEqual([
      "OK terway: terway-eniip v1.9.0 (Felix v3.24.5): 320 pods current",
      "every check passes",
    ]);
  });

  it("--watch on a TTY redraws one block with progress bars in place until the roll is done", async () => {
    const c = healthyRelay(server, "watch-tty");
    rolling(c, 96, 30);
    const r = await inProcess(c, ["--watch", "--interval", "100ms"], true, () => rolled(c));
    expect(r.code, r.err).toBe(0);
    expect(r.out[0]).toMatch(/^\[#{9}-{21}\] 96\/320 Terway terway-eniip pods updated\n\[#{30}\] 3\/3 Typha ready\n/);
    expect(r.out[0]).toMatch(/\] 321\/320 Felix connected\n/);
    // The next round moves the cursor back over the block and clears the screen below before drawing again.
    const ESC = "\u001b";
    expect(r.out[1].startsWith(`${ESC}[${r.out[0].split("\n").length - 1}F${ESC}[J[#`)).toBe(true);
    expect(r.out[1]).toMatch(/\] 320\/320 Terway terway-eniip pods updated\n/);
    expect(r.out.at(-1)).toBe("every check passes\n");
  });

  it("--watch at --timeout exits 1 naming the checks that still fail", async () => {
    const c = healthyRelay(server, "watch-timeout");
    rolling(c, 96, 7200);
    const r = await inProcess(c, ["--watch", "--timeout", "1s", "--interval", "100ms"], false);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^terway-relay: --timeout reached with checks not passing: terway \(fail: .*roll stalled/);
  });
});
