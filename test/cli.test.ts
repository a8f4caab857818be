// The CLI as a user runs it. `npx terway-relay ...` runs the bundled bin, dist/terway-relay.js: each command and each
// exit code (0, 1, 2) goes through it at least once here (bin), the other cases through run(argv, io) in this process
// (cli), the function the bin hands its argv, streams and environment to (scripts/cli.ts), at a fraction of the cost
// of a node process each. More real-bin cases: cli-answers (standard input, pipes, no Helm), cli-fuzz, adopt.
import { execa } from "execa";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/tools.js";
import { runCli } from "./support/cli-io.js";

const bin = async (...args: string[]) => {
  const r = await execa("node", ["dist/terway-relay.js", ...args], { cwd: repoRoot, reject: false });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
};
const cli = (...args: string[]) => runCli(args);

describe("terway-relay render", () => {
  it.each(["3", "4"])("1001 nodes in cn-shanghai -> 6 replicas with the regional image (--helm %s)", async (helm) => {
    const r = await bin("render", "--set", "region=cn-shanghai", "--set", "nodeCount=1001", "--helm", helm);
    expect(r.code, r.stderr).toBe(0);
    const d = (
      yaml.loadAll(r.stdout) as {
        kind: string;
        spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
      }[]
    ).find((o) => o?.kind === "Deployment")!;
    expect(d.spec.replicas).toBe(6);
    expect(d.spec.template.spec.containers[0].image).toBe("registry-vpc.cn-shanghai.aliyuncs.com/acs/typha:v3.5.8");
    expect(r.stderr).toBe("");
  });

  it("refuses bad values before calling helm, naming every path", async () => {
    const r = await cli("render", "--set", "region=BAD!", "--set", "typo=1");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('- region: "BAD!" does not match the pattern');
    expect(r.stderr).toContain("- typo: is not a known key");
  });

  it("passes Helm's own refusals through (cross-field rules)", async () => {
    const r = await cli("render", "--set", "region=cn-hangzhou", "--set", "nodeCount=3");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("node count 3 must be larger than the Typha replica count 3");
  });

  it("warns on stderr when no node count is known", async () => {
    const r = await cli("render", "--set", "region=cn-hangzhou");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: replicas=3 \(rule\); node count unknown/);
  });

  it("takes values files and --kube-version", async () => {
    const r = await cli("render", "-f", "examples/values-1000-nodes.yaml", "--kube-version", "v1.20.11-aliyun.1");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("apiVersion: policy/v1beta1");
    expect(r.stdout).toContain("kind: ClusterRole");
  });
});

describe("terway-relay validate", () => {
  it("accepts the example", async () => {
    const r = await bin("validate", "examples/values-1000-nodes.yaml");
    expect(r.code, r.stderr).toBe(0);
  });
  it("refuses a file with problems, naming the path", async () => {
    const r = await cli("validate", "examples/values-1000-nodes.yaml", "--set", "typha.serviceAccount.create=maybe");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("- typha.serviceAccount.create: must be boolean");
  });
  it("says which file is missing", async () => {
    const r = await cli("validate", "no-such.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no-such.yaml");
  });
});

describe("terway-relay plan", () => {
  it("prints the replica count and the reasoning", async () => {
    const r = await bin("plan", "--nodes", "1001", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ nodeCount: 1001, replicas: 6, source: "rule" });
  });
  it("--json carries the connection, watch and node-list figures", async () => {
    const r = await cli("plan", "--nodes", "1001", "--json");
    expect(JSON.parse(r.stdout)).toMatchObject({
      connections: {
        steadyPerTypha: 167,
        afterLossPerTypha: 201,
        rebalanceTarget: 241,
        limits: { lower: 100, upper: 10000 },
      },
      watches: { withoutRelay: 1001, withRelay: 6, reduction: 166.8 },
      apiLoad: {
        nodeWatchObjectsPerSecond: { withoutRelay: 3340, withRelay: 20, saved: 3320 },
        lines: [
          { typha: "v3.5.8", nodeListsPerSecond: 1.4, nodeObjectsListedPerSecond: 1401, listsCostMore: false },
          {},
          {},
        ],
      },
      warnings: [],
    });
  });
  it("takes the rule's parameters and warns about shapes Calico advises against", async () => {
    const r = await cli("plan", "--nodes", "5000", "--nodes-per-replica", "100", "--min-replicas", "3");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("rule: max(3, ceil(5000 / 100)) = 50");
    expect(r.stdout).toContain("warning: 50 replicas: Calico advises no more than 20 Typhas");
    expect((await cli("plan", "--nodes", "10", "--min-replicas", "0")).stderr).toContain(
      "--min-replicas must be at least 1",
    );
  });
  it("exits 1 on a refused shape", async () => {
    const r = await bin("plan", "--nodes", "2");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("refused: node count 2 must be larger");
  });
  it("exits 2 on usage errors", async () => {
    expect((await cli("plan")).code).toBe(2);
    expect((await cli("plan", "--nodes", "many")).stderr).toContain("--nodes must be a whole number");
    expect((await cli("render", "--helm", "5")).stderr).toContain("--helm must be 3 or 4");
    expect((await bin("frobnicate")).code).toBe(2);
  });
});

describe("npm start", () => {
  it("renders the built-in example and prints its plan", async () => {
    const r = await bin("example");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("apps/v1 Deployment kube-system/calico-typha");
    expect(r.stdout).toContain("replicas: 5");
  });
});
