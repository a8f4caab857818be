// The CLI as an npm package, for real: `npm pack` of this repository, installed from the tarball into an empty
// project without network (npm --offline: the package has no dependencies, its bin is one esbuild bundle), then
// `npx terway-relay validate`, `render` and `plan` run there as a user's CI would run them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helmBin, provisionedDir, repoRoot } from "../scripts/tools.js";
import { healthyRelay } from "./support/doctor-cluster.js";
import { FakeApiServer } from "./support/fake-kube-apiserver.js";
import { folderManifest } from "./support/helm-client.js";
import { HELM_MAJORS } from "./support/renders.js";

const dir = mkdtempSync(join(tmpdir(), "terway-relay-npm-"));
const project = join(dir, "gitops");
const installed = join(project, "node_modules/terway-relay");

// Children see no npm_* variables of the `npm test` that started vitest (npm_config_local_prefix would point them
// back at this repository): they run as in a fresh shell of the user's project.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
const run = (cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}) =>
  execa(cmd, args, { cwd, env: { ...env, ...extra }, extendEnv: false, reject: false });
// `npx terway-relay` resolves to node_modules/.bin/terway-relay; once through npx proves that, the other calls run
// that bin directly (npx costs ~1 s of CPU per call, the CLI itself ~0.2 s).
const npx = (args: string[], extra?: Record<string, string>) =>
  run("npx", ["--offline", "terway-relay", ...args], project, extra);
const bin = (args: string[], extra?: Record<string, string>) =>
  run(join(project, "node_modules/.bin/terway-relay"), args, project, extra);

let packed: { files: { path: string }[]; filename: string };

beforeAll(async () => {
  // --ignore-scripts: `prepare` (build and provision) is for this repository; npm test has just built dist/.
  const p = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], repoRoot);
  expect(p.exitCode, p.stderr).toBe(0);
  packed = (JSON.parse(p.stdout) as (typeof packed)[])[0];
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "gitops", private: true }));
  writeFileSync(join(project, "values.yaml"), "region: cn-hangzhou\nnodeCount: 1000\n");
  const i = await run(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--cache", join(dir, "npm-cache"), join(dir, packed.filename)],
    project,
  );
  expect(i.exitCode, i.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm pack", () => {
  it("holds the bundled CLI, the chart, the schema, the licence and nothing of the harness", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "dist/terway-relay.js",
        "chart/Chart.yaml",
        "chart/values.yaml",
        "chart/values.schema.json",
        "chart/README.md",
        "chart/LICENSE",
        "values.schema.json",
        "LICENSE",
        "package.json",
        "README.md",
        "docs/README.md", // README's links resolve in the installed package too
      ]),
    );
    expect(
      files.filter((f) => /^(scripts|test|dist\/scripts|\.tools|node_modules)\//.test(f) || f.endsWith(".ts")),
    ).toEqual([]);
  });

  it("declares no dependencies (the bundle needs none) and installs alone, with no install-time script", () => {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      dependencies?: object;
      scripts: Record<string, string>;
    };
    expect(manifest.dependencies ?? {}).toEqual({});
    for (const hook of ["preinstall", "install", "postinstall"]) expect(manifest.scripts[hook], hook).toBeUndefined();
    // `prepare` (the repository's build and provisioning) did not run in the user's project.
    expect(existsSync(join(installed, ".tools"))).toBe(false);
    expect(existsSync(join(installed, "dist/scripts"))).toBe(false);
  });
});

describe.concurrent("npx terway-relay in the user's project", () => {
  it("validate", async () => {
    const r = await npx(["validate", "values.yaml"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("valid: values.yaml");
    const bad = await bin(["validate", "values.yaml", "--set", "region=BAD!"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("region");
  });

  it.each(HELM_MAJORS)("render with HELM_BIN = helm %i, equal to a render of chart/", async (major) => {
    const [r, folder] = await Promise.all([
      bin(["render", "-f", "values.yaml"], { HELM_BIN: helmBin(major) }),
      folderManifest(major, { sets: ["region=cn-hangzhou", "nodeCount=1000"] }),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trimEnd()).toBe(folder.trimEnd());
  });

  it("doctor, against the fake API server: the installed bundle reads the chart's definitions it ships", async () => {
    const server = await new FakeApiServer().start();
    try {
      const c = healthyRelay(server, "npm");
      const kubeconfig = c.kubeconfig(dir, {
        user: "admin",
        rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
      });
      const r = await bin(["doctor", "--json", "--kubeconfig", kubeconfig], {
        KUBECTL_BIN: join(provisionedDir(4), "kubectl"),
        HOME: dir,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { healthy: boolean; checks: { status: string }[] };
      expect(doc.healthy).toBe(true);
      expect(doc.checks.map((x) => x.status)).toEqual(Array(9).fill("ok"));
    } finally {
      await server.stop();
    }
  });
  it("plan", async () => {
    const r = await bin(["plan", "--nodes", "1000", "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { replicas: number }).replicas).toBe(5);
  });
});
