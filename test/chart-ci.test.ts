// The chart CI layout as the ecosystem knows it: chart/ci/*-values.yaml (what chart-testing lints and installs, one
// run per file) and ct.yaml. Each file lints with `helm lint` and ct.yaml's arguments on Helm 3 and Helm 4; the
// chart with no values does not, and says why in one line about region.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { validateValues } from "../scripts/validate.js";
import { mergeValues } from "../scripts/values.js";
import { chartDir, helmBin, repoRoot, type HelmMajor } from "../scripts/tools.js";
import type { Obj } from "./support/invariants.js";
import { HELM_MAJORS } from "./support/renders.js";
import { concurrencyLimit } from "./support/limit.js";

interface CtConfig {
  "chart-dirs": string[];
  charts: string[];
  "helm-lint-extra-args": string;
  [key: string]: unknown;
}
const ct = yaml.load(readFileSync(join(repoRoot, "ct.yaml"), "utf8")) as CtConfig;
const ciDir = join(chartDir, "ci");
// chart-testing lints ci/*-values.yaml (helm/chart-testing v3.14.0, pkg/chart/chart.go: ValuesFilePathsForCI).
const ciFiles = readdirSync(ciDir)
  .filter((f) => f.endsWith("-values.yaml"))
  .sort();
const lintArgs = ct["helm-lint-extra-args"].split(/\s+/);
const limited = concurrencyLimit(4);
const lint = (major: HelmMajor, extra: string[]) =>
  limited(() => execa(helmBin(major), ["lint", chartDir, ...lintArgs, ...extra], { reject: false }));

describe("ct.yaml", () => {
  // Every key chart-testing reads (helm/chart-testing v3.14.0, pkg/config/config.go, the mapstructure tags).
  const KNOWN = new Set([
    "remote",
    "target-branch",
    "since",
    "build-id",
    "lint-conf",
    "chart-yaml-schema",
    "validate-maintainers",
    "validate-chart-schema",
    "validate-yaml",
    "skip-helm-dependencies",
    "additional-commands",
    "check-version-increment",
    "all",
    "charts",
    "chart-repos",
    "chart-dirs",
    "excluded-charts",
    "helm-extra-args",
    "helm-extra-set-args",
    "helm-lint-extra-args",
    "helm-repo-extra-args",
    "helm-dependency-extra-args",
    "debug",
    "upgrade",
    "skip-missing-values",
    "skip-clean-up",
    "namespace",
    "release-name",
    "release-label",
    "exclude-deprecated",
    "kubectl-timeout",
    "print-logs",
    "github-groups",
    "use-helmignore",
  ]);

  it("uses only keys chart-testing reads, and names this chart", () => {
    expect(Object.keys(ct).filter((k) => !KNOWN.has(k))).toEqual([]);
    expect(ct.charts.map((c) => join(repoRoot, c))).toEqual([chartDir]);
    expect(ct["chart-dirs"].map((d) => join(repoRoot, d, "chart"))).toContain(chartDir);
    // ct refuses a namespace without a release label (pkg/config/config.go).
    if (ct.namespace) expect(ct["release-label"]).toBeTruthy();
  });

  it("lints strictly, in kube-system", () => {
    expect(lintArgs).toEqual(expect.arrayContaining(["--strict", "--namespace", "kube-system"]));
  });
});

describe("chart/ci", () => {
  it("holds the realistic value sets: 1000-node relay, disable mode, autoscaler, dedicated ServiceAccount, ServiceMonitor", () => {
    const values = Object.fromEntries(ciFiles.map((f) => [f, yaml.load(readFileSync(join(ciDir, f), "utf8")) as Obj]));
    const all = Object.values(values);
    expect(all.some((v) => v.nodeCount === 1000 && (v.mode ?? "relay") === "relay")).toBe(true);
    expect(all.some((v) => v.mode === "disable-network-policy")).toBe(true);
    expect(all.some((v) => v.typha?.autoscaler?.enabled === true)).toBe(true);
    expect(all.some((v) => v.typha?.serviceAccount?.create === true)).toBe(true);
    expect(all.some((v) => v.typha?.serviceMonitor?.enabled === true)).toBe(true);
  });

  it.each(ciFiles)("%s passes the harness's validation", (file) => {
    expect(validateValues(mergeValues({ files: [join(ciDir, file)] }))).toEqual([]);
  });

  describe.each(HELM_MAJORS)("helm %i lint with ct.yaml's arguments", (major) => {
    it.concurrent.each(ciFiles)("%s passes", async (file) => {
      const r = await lint(major, ["--values", join(ciDir, file)]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    });

    it.concurrent("the chart alone fails, on region and nothing else (region has no default, on purpose)", async () => {
      const r = await lint(major, []);
      expect(r.exitCode).toBe(1);
      const problems = (r.stdout + r.stderr)
        .split("\n")
        .filter((l) => /^- |^\[ERROR\]/.test(l.trim()) && !l.includes("values don't meet"));
      expect(problems.length).toBeGreaterThan(0);
      // The schema is what refuses: Helm's lint mode only logs a template's fail (helm pkg/engine/engine.go, v3.17.2
      // and v4.1.4). The schema requires region (no default): Helm 3 "- (root): region is required" (xeipuuv/gojsonschema v1.2.0,
      // helm v3.17.2 go.mod); Helm 4 "- at '': missing property 'region'" (santhosh-tekuri/jsonschema v6.0.2, helm
      // v4.1.4 go.mod).
      for (const line of problems)
        expect(line).toMatch(major === 3 ? /- \(root\): region is required$/ : /- at '': missing property 'region'$/);
    });
  });
});
