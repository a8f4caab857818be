// The hook against Terway as its own manifests describe it: every cluster shape written from upstream
// (test/fixtures/terway, each file citing its tag and path) gets the hook's lifecycle or its refusals, and the
// facts the preflight rests on (which Felix each Terway bundles, when policy is already off, which CNI config
// Terway reads and how, which DaemonSets run Felix, which tools the image has) are each held to a test. Real
// kubectl against the fake API server, under the rendered Role, as in test/hook-lifecycle.test.ts.
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { kubectlBin } from "../scripts/tools.js";
import { FakeApiServer, type FakeCluster, type Obj } from "./support/fake-kube-apiserver.js";
import {
  DISABLE,
  eniConfigData,
  fixture,
  hookVariant,
  putTypha,
  relayRecords,
  RELAY,
  runOk,
  runPhase,
  STAMP,
  terwayCluster,
  waitsOut,
  type HookVariant,
  type Phase,
  type PhaseResult,
} from "./support/hook-harness.js";
import { concurrencyLimit } from "./support/limit.js";
import { terwayImage, VERSION_EDGES } from "./support/terway-versions.js";

const WITH_WINDOWS = "hook.terwayDaemonSets={terway-eniip,terway,terway-eniip-windows}";
const OWNED = ["felix_relay_service", "disable_network_policy"];

let server: FakeApiServer;
let relay: HookVariant;
let relayWindows: HookVariant;
let disable: HookVariant;
let disableWindows: HookVariant;
let toolsOnly: string; // a PATH with nothing but kubectl, sed and sleep

/** A PATH with only these tools, as links to the machine's own. */
async function pathWith(tools: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "terway-relay-path-"));
  for (const t of tools) {
    const target = t === "kubectl" ? kubectlBin() : (await execa("/bin/sh", ["-c", `command -v ${t}`])).stdout;
    symlinkSync(target, join(dir, t));
  }
  return dir;
}

beforeAll(async () => {
  toolsOnly = await pathWith(["kubectl", "sed", "sleep"]);
  server = await new FakeApiServer().start();
  const disableSets = [...RELAY, ...DISABLE];
  [relay, relayWindows, disable, disableWindows] = await Promise.all([
    hookVariant(RELAY),
    hookVariant([...RELAY, WITH_WINDOWS]),
    hookVariant(disableSets),
    hookVariant([...disableSets, WITH_WINDOWS]),
  ]);
});
afterAll(async () => {
  rmSync(toolsOnly, { recursive: true, force: true });
  await server?.stop();
});

const limited = concurrencyLimit(4);
function scenario(name: string, fn: () => Promise<void>): void {
  test.concurrent(name, () => limited(fn));
}

/** A cluster shape: the eni-config and DaemonSets, each from a fixture written from Terway's manifests. */
interface Shape {
  name: string;
  configMap: string;
  daemonSets: string[];
  /** How the relay preflight refuses it, or null when relay mode runs. */
  relayRefusal: RegExp | null;
  disableRefusal: RegExp | null;
}

const SHAPES: Shape[] = [
  {
    name: "v1.0.x ACK Terway (policy reads no eni-config key)",
    configMap: "eni-config-v1.0.yaml",
    daemonSets: ["terway-v1.0.yaml"],
    relayRefusal:
      /DaemonSet terway \(registry\.aliyuncs\.com\/acs\/terway:v1\.0\.10\.0-g7da5160-aliyun\) does not read felix_relay_service from eni-config/,
    disableRefusal: /DaemonSet terway \(.*\) does not read disable_network_policy from eni-config/,
  },
  {
    name: "v1.1 to v1.4 (reads disable_network_policy only)",
    configMap: "eni-config-v1.4.yaml",
    daemonSets: ["terway-v1.4.yaml"],
    relayRefusal:
      /DaemonSet terway \(registry\.aliyuncs\.com\/acs\/terway:v1\.2\.3\) does not read felix_relay_service from eni-config/,
    disableRefusal: null,
  },
  {
    name: "10-terway.conflist with Felix (docs/cni-chain.md)",
    configMap: "eni-config-conflist.yaml",
    daemonSets: ["terway-eniip.yaml"],
    relayRefusal: null,
    disableRefusal: null,
  },
  {
    name: "eniip with Datapath V2 in 10-terway.conflist",
    configMap: "eni-config-datapathv2.yaml",
    daemonSets: ["terway-eniip.yaml"],
    relayRefusal:
      /eni-config 10-terway\.conflist selects eniip_virtual_type datapathv2, so Terway runs Cilium \(eBPF\) instead of Felix/,
    disableRefusal: null, // Cilium honours disable_network_policy too (terway cmd/terway-cli/policy.go runCilium)
  },
  {
    name: "terway-eni only",
    configMap: "eni-config.yaml",
    daemonSets: ["terway-eni.yaml"],
    relayRefusal: /only DaemonSet terway-eni \(exclusive ENI\) runs Terway here, and exclusive-ENI nodes run no Felix/,
    disableRefusal: /only DaemonSet terway-eni \(exclusive ENI\) runs Terway here/,
  },
  // v1.5+ as charts/terway renders it (eni-config.yaml, terway-eniip.yaml) is this shape without its Windows
  // DaemonSet, which the hook neither rolls nor counts: the same lifecycle run here covers it (and
  // test/hook-lifecycle.test.ts runs that shape alone).
  {
    name: "v1.5+ as charts/terway renders it, with terway-eniip-windows beside it",
    configMap: "eni-config.yaml",
    daemonSets: ["terway-eniip.yaml", "terway-eniip-windows.yaml"],
    relayRefusal: null,
    disableRefusal: null,
  },
];

// 3 Typhas answering 107 connections each: 321 for the 320 Linux Terway pods (support/hook-harness.ts).
const cluster = (configMap: Obj, daemonSets: Obj[]): FakeCluster => terwayCluster(server, { configMap, daemonSets });
const shapeCluster = (s: Shape) =>
  cluster(
    fixture(s.configMap),
    s.daemonSets.map((f) => fixture(f)),
  );
const variantFor = (s: Shape, mode: "relay" | "disable") =>
  s.daemonSets.includes("terway-eniip-windows.yaml")
    ? mode === "relay"
      ? relayWindows
      : disableWindows
    : mode === "relay"
      ? relay
      : disable;

const patches = (c: FakeCluster) =>
  c.requests.filter((r) => r.verb === "patch" || r.verb === "update" || r.method === "DELETE" || r.verb === "create");
const errors = (r: PhaseResult) => r.stderr.split("\n").filter((l) => l.includes("ERROR"));

/** A refusal: exit 1, one ERROR sentence ending "nothing was changed.", no write of any kind. */
async function refused(
  c: FakeCluster,
  v: HookVariant,
  p: Phase,
  message: RegExp,
  overrides: Record<string, string> = {},
): Promise<void> {
  const before = patches(c).length;
  const r = await runPhase(c, v, p, overrides);
  expect(r.exitCode, r.output).toBe(1);
  expect(errors(r)).toHaveLength(1);
  expect(errors(r)[0]).toMatch(message);
  expect(errors(r)[0]).toMatch(/nothing was changed\.$/);
  expect(patches(c).slice(before)).toEqual([]);
  expect(c.denied).toEqual([]);
}

/**
 * Helm's order for install, a no-op upgrade (relay mode) and uninstall, with the checks that hold for any shape. The
 * hook runs with nothing on PATH but kubectl, sed and sleep: the tools it checks for are all it needs.
 */
async function lifecycle(s: Shape, mode: "relay" | "disable"): Promise<void> {
  const env = { PATH: toolsOnly, KUBECTL: "kubectl" };
  const v = variantFor(s, mode);
  const c = shapeCluster(s);
  const original = eniConfigData(c);
  const key = mode === "relay" ? "felix_relay_service" : "disable_network_policy";
  await runOk(c, v, "pre-install", env);
  expect(patches(c)).toEqual([]);
  if (mode === "relay") putTypha(c);
  // A one-second Felix check: a miscount (a Windows DaemonSet's pods among the expected connections) ends in a
  // warning that names both counts at once, not in a wait the harness cuts short.
  const installed = await runOk(c, v, "post-install", { ...env, ...waitsOut("CONNECT_TIMEOUT") });
  expect(eniConfigData(c)[key]).toBe(mode === "relay" ? "calico-typha" : "true");
  const linux = s.daemonSets.map((f) => fixture(f).metadata.name).filter((n) => !n.endsWith("-windows"));
  for (const ds of linux) expect(c.restarts.get(ds), ds).toBe(1);
  if (mode === "relay")
    expect(installed.output).toContain("Felix connected to Typha: 321 connections for 320 ready Terway pods");
  if (mode === "relay") {
    const afterInstall = patches(c).length;
    for (const p of ["pre-upgrade", "post-upgrade"] as const) await runOk(c, v, p, env);
    expect(patches(c).length).toBe(afterInstall);
  }
  await runOk(c, v, "pre-delete", env);
  expect(eniConfigData(c)).toEqual(original);
  expect(relayRecords(c)).toEqual({});
  for (const ds of linux) expect(c.restarts.get(ds), ds).toBe(2);
  // Windows Terway is never rolled or patched: its policy container does not read the relay key.
  expect(c.restarts.get("terway-eniip-windows")).toBeUndefined();
  expect(
    c.requests.filter((r) => r.resource === "daemonsets" && r.name === "terway-eniip-windows" && r.verb !== "get"),
  ).toEqual([]);
  expect(c.denied).toEqual([]);
  for (const r of patches(c).filter((r) => r.resource === "configmaps"))
    for (const op of r.body as { path: string }[])
      expect(op.path).not.toMatch(new RegExp(`^/data/(?!(${OWNED.join("|")})$)`));
}

describe.each(SHAPES)("cluster shape: $name", (s) => {
  for (const mode of ["relay", "disable"] as const) {
    const refusal = mode === "relay" ? s.relayRefusal : s.disableRefusal;
    if (refusal) {
      scenario(
        `${mode}: refused${mode === "relay" ? " before and after Typha exists" : ""}, nothing changed`,
        async () => {
          const v = variantFor(s, mode);
          const c = shapeCluster(s);
          await refused(c, v, "pre-install", refusal);
          if (mode === "disable") return; // the same preflight runs in every phase; relay mode shows it once Typha exists
          putTypha(c);
          await refused(c, v, "post-install", refusal);
        },
      );
    } else {
      scenario(`${mode}: install, ${mode === "relay" ? "no-op upgrade, " : ""}uninstall`, () => lifecycle(s, mode));
    }
  }
});

describe("which Felix each Terway bundles: the hook reads the chart's one table (FELIX_VERSIONS) to each row's edge", () => {
  // One DaemonSet per edge, named edge-N, read in one run per Felix minor (the check covers every DaemonSet found).
  const minor = (v: string) => v.split(".").slice(0, 2).join(".");
  const groups = [
    ...["v3.5.8", "v3.20.2", "v3.24.5"].map((typha) =>
      VERSION_EDGES.filter((e) => e.felix && minor(e.felix) === minor(typha)),
    ),
    VERSION_EDGES.filter((e) => !e.felix),
  ];
  const names = Array.from({ length: Math.max(...groups.map((g) => g.length)) }, (_, i) => `edge-${i}`);
  let edges: HookVariant;
  beforeAll(async () => {
    edges = await hookVariant([...RELAY, `hook.terwayDaemonSets={${names.join(",")}}`]);
  });
  function edgeCluster(picked: typeof VERSION_EDGES): FakeCluster {
    const dss = picked.map((edge, i) => {
      const ds = fixture("terway-eniip.yaml");
      ds.metadata.name = names[i];
      const spec = ds.spec as { template: { spec: { containers: { name: string; image: string }[] } } };
      for (const ct of spec.template.spec.containers) ct.image = terwayImage(edge.tag);
      return ds;
    });
    return cluster(fixture("eni-config.yaml"), dss);
  }
  for (const group of groups.slice(0, 3)) {
    const typha = group[0].typha!;
    scenario(`${group.map((e) => e.tag).join(", ")}: Felix ${minor(typha)}, Typha ${typha}`, async () => {
      const c = edgeCluster(group);
      const r = await runOk(c, edges, "pre-install", { TYPHA_VERSION: typha });
      for (const e of group)
        expect(r.output).toContain(`Typha ${typha} matches Felix ${e.felix} of Terway ${terwayImage(e.tag)}\n`);
      // Any other minor is refused, with the Typha tag to set.
      const other = typha === "v3.24.5" ? "v3.20.2" : "v3.24.5";
      const first = group[0];
      await refused(
        c,
        edges,
        "pre-install",
        new RegExp(
          `Typha ${other} does not match Felix ${first.felix!.replace(/\./g, "\\.")} bundled with Terway .*: set typha\\.image\\.tag=${typha.replace(/\./g, "\\.")} `,
        ),
        { TYPHA_VERSION: other },
      );
    });
  }
  const unplaced = groups[3];
  scenario(
    `${unplaced.map((e) => e.tag).join(", ")}: refused, or a warning each under typha.allowVersionSkew`,
    async () => {
      const c = edgeCluster(unplaced);
      await refused(
        c,
        edges,
        "pre-install",
        /ERROR: Terway image .* has (a tag that is not a Terway version|Terway [0-9.]+, which no row of the Felix version table places), so nothing proves that Typha v3\.24\.5 matches its Felix/,
      );
      const r = await runOk(c, edges, "pre-install", { ALLOW_VERSION_SKEW: "true" });
      for (const e of unplaced) expect(r.stderr).toContain(`WARNING: Terway image ${terwayImage(e.tag)} has `);
      expect(r.stderr.match(/\(allowed by typha\.allowVersionSkew\)/g)).toHaveLength(unplaced.length);
    },
  );
});

describe("disable_network_policy already truthy: relay mode refuses before any patch or roll", () => {
  // Terway compares the raw value: "false", "0" and "" (or no key) leave policy on, anything else turns it off
  // (terway cmd/terway-cli/common.go getAllConfig, v1.17.5).
  const values: [string | null, boolean][] = [
    ["true", true],
    ["1", true],
    ["False", true],
    ["false\n", true],
    // "false" is every fixture's own value: the lifecycles above run with it.
    ["0", false],
    ["", false],
    [null, false],
  ];
  for (const [value, off] of values) {
    scenario(`${JSON.stringify(value)}: ${off ? "refused" : "accepted"}`, async () => {
      const cm = fixture("eni-config.yaml");
      const d = cm.data as Record<string, string>;
      if (value === null) delete d.disable_network_policy;
      else d.disable_network_policy = value;
      const c = cluster(cm, [fixture("terway-eniip.yaml")]);
      if (off) {
        const message = new RegExp(
          `ERROR: eni-config has disable_network_policy=${JSON.stringify(value).replace(/\\/g, "\\\\")}, so Terway runs no Felix and a relay would change nothing`,
        );
        await refused(c, relay, "pre-install", message);
        if (value === "true") {
          putTypha(c);
          await refused(c, relay, "post-install", message);
        }
      } else {
        await runOk(c, relay, "pre-install");
      }
    });
  }

  // A value this release set itself (disable mode before) is no refusal: it is restored in the same roll that points
  // Felix at Typha (test/hook-lifecycle.test.ts, "rollback to a revision without Typha", upgrades disable -> relay).
  scenario("a value this release found truthy and would restore is refused on the switch to relay", async () => {
    const cm = fixture("eni-config.yaml");
    (cm.data as Record<string, string>).disable_network_policy = "true";
    const c = cluster(cm, [fixture("terway-eniip.yaml")]);
    await runOk(c, disable, "pre-install");
    await runOk(c, disable, "post-install");
    expect(relayRecords(c)).toEqual({
      ...STAMP,
      "terway-relay/record.disable_network_policy": "value",
      "terway-relay/previous.disable_network_policy": "true",
    });
    await refused(c, relay, "pre-upgrade", /disable_network_policy="true", so Terway runs no Felix/);
  });
});

describe("the CNI config is read as Terway reads it: 10-terway.conflist first, parsed as JSON", () => {
  const conf = (text: string) => ({ "10-terway.conf": text });
  const cases: [string, Record<string, string>, RegExp | null][] = [
    [
      "ebpf with tabs, reordered keys and no newlines",
      conf('{"type":\t"terway",\t"network_policy_provider"\t:\t"ebpf","cniVersion":"0.4.0"}'),
      /10-terway\.conf selects network_policy_provider "ebpf"/,
    ],
    [
      "ebpf spelled with a JSON escape",
      conf('{"type": "terway", "network_policy_provider": "e\\u0062pf"}'),
      /10-terway\.conf selects network_policy_provider "ebpf"/,
    ],
    [
      "IPVlan in any case",
      conf('{\n"eniip_virtual_type":\n  "IPVlan",\n"type": "terway"}'),
      /10-terway\.conf selects eniip_virtual_type IPVlan/,
    ],
    [
      "a conflist whose terway plugin sets ebpf wins over a plain conf",
      { "10-terway.conflist": '{"plugins":[{"type":"portmap"},{"network_policy_provider":"ebpf","type":"terway"}]}' },
      /10-terway\.conflist selects network_policy_provider "ebpf"/,
    ],
    [
      "a plain conflist wins over a conf that says ebpf",
      {
        "10-terway.conflist": '{"plugins":[{"type":"terway"}]}',
        "10-terway.conf": '{"type":"terway","network_policy_provider":"ebpf"}',
      },
      null,
    ],
    [
      "ebpf in another plugin than terway's is not Terway's",
      { "10-terway.conflist": '{"plugins":[{"type":"terway"},{"type":"x","network_policy_provider":"ebpf"}]}' },
      null,
    ],
    [
      "a conflist that is not JSON",
      { "10-terway.conflist": '{"plugins": [' },
      /eni-config 10-terway\.conflist is not JSON that names Terway's plugin .*, so the policy engine Terway runs cannot be told/,
    ],
  ];
  for (const [name, keys, refusal] of cases) {
    scenario(`${name}: ${refusal ? "refused" : "Felix"}`, async () => {
      const cm = fixture("eni-config.yaml");
      Object.assign(cm.data as Record<string, string>, keys);
      const c = cluster(cm, [fixture("terway-eniip.yaml")]);
      if (refusal) await refused(c, relay, "pre-install", refusal);
      else await runOk(c, relay, "pre-install");
    });
  }
});

describe("who runs Felix", () => {
  scenario(
    "fewer connections than Linux Terway pods: a warning that says exclusive-ENI nodes run no Felix",
    async () => {
      const c = cluster(fixture("eni-config.yaml"), [fixture("terway-eniip.yaml")]);
      await runOk(c, relay, "pre-install");
      putTypha(c);
      c.connectionsPerTypha = 50;
      const r = await runOk(c, relay, "post-install", waitsOut("CONNECT_TIMEOUT"));
      expect(r.stderr).toMatch(
        /WARNING: only 150 Typha connections for 320 ready Terway pods after 1s: pods on exclusive-ENI nodes \(label k8s\.aliyun\.com\/exclusive-mode-eni-type=eniOnly\) run no Felix/,
      );
    },
  );
});

describe("uninstall is not blocked by a check that guards an install", () => {
  scenario("an OnDelete DaemonSet with nothing of this release on it: pre-delete leaves it alone", async () => {
    const ds = fixture("terway-eniip.yaml");
    (ds.spec as Record<string, unknown>).updateStrategy = { type: "OnDelete" };
    const c = cluster(fixture("eni-config.yaml"), [ds]);
    await refused(c, relay, "pre-install", /DaemonSet terway-eniip uses updateStrategy OnDelete/);
    const r = await runOk(c, relay, "pre-delete");
    expect(r.output).toContain(
      "daemonset/terway-eniip uses updateStrategy OnDelete and has nothing of this release to undo: left alone",
    );
    expect(patches(c)).toEqual([]);
  });
});

describe("the hook's own image: sh plus kubectl, sed and sleep", () => {
  for (const missing of ["sed", "sleep", "kubectl"]) {
    scenario(`no ${missing}: refused by name before any request`, async () => {
      const path = await pathWith(["kubectl", "sed", "sleep"].filter((t) => t !== missing));
      const c = cluster(fixture("eni-config.yaml"), [fixture("terway-eniip.yaml")]);
      const r = await runPhase(c, relay, "post-install", { PATH: path, KUBECTL: "kubectl" });
      expect(r.exitCode).toBe(1);
      expect(errors(r)).toEqual([
        `terway-relay post-install: ERROR: the hook image has no ${missing} on its PATH, and this hook needs kubectl, sed and sleep besides sh: set hook.image to an image that has them; nothing was changed.`,
      ]);
      expect(c.requests).toEqual([]);
      rmSync(path, { recursive: true, force: true });
    });
  }
});
