// The guide's Typha v3.5.8 in front of a current Terway (Felix v3.24.5) is refused by the chart at install (lookup
// of the live Terway, both Helm majors, the suite's fake API server) and by the harness given that Terway
// (--terway-version), with the same sentence, typha.allowVersionSkew=true included; the same Typha in front of a
// Terway whose Felix still reads v1 profile labels (v1.2.3: Felix v3.20.2) is left to the hook's skew rule.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { felixRow, terwayVersion } from "../scripts/felix-table.js";
import { typhaFelixRefusal } from "../scripts/version-skew.js";
import { runCli } from "./support/cli-io.js";
import { FakeApiServer } from "./support/fake-kube-apiserver.js";
import { fixture } from "./support/hook-harness.js";
import type { Obj as InvariantObj } from "./support/invariants.js";
import { templateAgainst } from "./support/live-render.js";
import { HELM_MAJORS } from "./support/renders.js";

/** The policy container's image of a Terway DaemonSet fixture: the Terway the chart looks up. */
const policyImage = (file: string): string =>
  (fixture(file) as InvariantObj).spec.template.spec.containers.find((c: InvariantObj) => c.name === "policy").image;

const CURRENT = "terway-eniip.yaml"; // Terway v1.9.0: Felix v3.24.5
const OLD = "terway-v1.4.yaml"; // Terway v1.2.3: Felix v3.20.2
const SETS = ["region=cn-hangzhou", "nodeCount=320", "typha.image.tag=v3.5.8"];
const REFUSAL = typhaFelixRefusal("v3.5.8", "v3.24.5", policyImage(CURRENT))!;

let server: FakeApiServer;
let clusters = 0;
beforeAll(async () => {
  server = await new FakeApiServer().start();
});
afterAll(async () => server.stop());

/** helm template --dry-run=server against a cluster holding this Terway DaemonSet, with these --set values. */
function installRender(helm: 3 | 4, terway: string, sets: string[]) {
  const c = server.cluster(`pairing-${++clusters}`);
  c.put(fixture(terway));
  return templateAgainst(
    c,
    helm,
    sets.flatMap((s) => ["--set", s]),
  );
}

it("the fixtures are the Terways named above, placed by the chart's table", () => {
  expect(felixRow(terwayVersion(policyImage(CURRENT))!)?.felix).toBe("v3.24.5");
  expect(felixRow(terwayVersion(policyImage(OLD))!)?.felix).toBe("v3.20.2");
});

describe.each(HELM_MAJORS)("the chart at install (helm %i, lookup of the live Terway)", (helm) => {
  it.concurrent.each([[[]], [["typha.allowVersionSkew=true"]]])(
    "refuses Typha v3.5.8 in front of Felix v3.24.5 (extra values %j)",
    async (extra) => {
      const r = await installRender(helm, CURRENT, [...SETS, ...extra]);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain(REFUSAL);
    },
  );

  it.concurrent("renders Typha v3.5.8 in front of Felix v3.20.2 (skew, which the hook decides)", async () => {
    const r = await installRender(helm, OLD, SETS);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`image: "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.5.8"`);
  });
});

describe("the harness, given the cluster's Terway", () => {
  const args = (terway: string, ...extra: string[]) => [
    ...[...SETS, ...extra].flatMap((s) => ["--set", s]),
    "--terway-version",
    policyImage(terway),
  ];

  it.each([[[]], [["typha.allowVersionSkew=true"]]])(
    "validate refuses Typha v3.5.8 for Terway v1.9.0 with the chart's sentence (extra values %j)",
    async (extra) => {
      const r = await runCli(["validate", ...args(CURRENT, ...extra)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`- typha.image.tag: ${REFUSAL}\n`);
    },
  );

  it("render refuses it before Helm prints anything; the bare version works as the image does", async () => {
    const r = await runCli(["render", ...args(CURRENT).slice(0, -1), "v1.9.0"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`- typha.image.tag: ${typhaFelixRefusal("v3.5.8", "v3.24.5", "v1.9.0")}\n`);
  });

  it("accepts Typha v3.5.8 for Terway v1.2.3, and any Typha the table picks (tag empty) or in disable mode", async () => {
    expect((await runCli(["validate", ...args(OLD)])).code).toBe(0);
    const pickedByTable = ["region=cn-hangzhou", "--terway-version", "v1.9.0"];
    expect((await runCli(["validate", "--set", ...pickedByTable])).code).toBe(0);
    const disable = ["mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"];
    expect((await runCli(["validate", ...args(CURRENT, ...disable)])).code).toBe(0);
  });

  it("refuses a --terway-version that is not a Terway version (exit 2)", async () => {
    const r = await runCli(["validate", "--set", "region=cn-hangzhou", "--terway-version", "latest"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--terway-version must be a Terway version or image tag such as v1.9.0");
  });
});
