// Migration from the guide: the kubectl commands that let the release adopt a relay applied by hand, printed or
// run (against a stub kubectl that records its arguments; there is no cluster here).
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { _child_process } from "../scripts/_child_process.js";
import { adoptCommands, formatCommands, guideObjects, runAdopt } from "../scripts/adopt.js";
import type { KubeObject } from "../scripts/render.js";
import { repoRoot } from "../scripts/tools.js";
import { BASE, renderObjects } from "./support/renders.js";

const cli = (args: string[], env: Record<string, string> = {}) =>
  execa("node", ["dist/terway-relay.js", ...args], { cwd: repoRoot, reject: false, env: { ...process.env, ...env } });

const guide = (
  yaml.loadAll(readFileSync(join(repoRoot, "test/fixtures/guide-typha.yaml"), "utf8")) as KubeObject[]
).filter(Boolean);
const KIND_OF: Record<string, string> = {
  service: "Service",
  deployment: "Deployment",
  poddisruptionbudget: "PodDisruptionBudget",
};

describe("adopt: which objects", () => {
  it("covers every namespaced object of the guide that the release renders, and nothing else", async () => {
    const rendered = await renderObjects({ helm: 4, sets: [...BASE, "nodeCount=1000"] });
    const both = guide
      .filter((g) => g.kind !== "CustomResourceDefinition") // crds/: Helm installs them only when absent, never owns them
      .filter((g) => rendered.some((r) => r.kind === g.kind && r.metadata.name === g.metadata.name))
      .map((g) => `${g.kind}/${g.metadata.name}`);
    expect(
      guideObjects()
        .map((o) => `${KIND_OF[o.resource]}/${o.name}`)
        .sort(),
    ).toEqual(both.sort());
    expect(both).toHaveLength(3);
  });

  it("the release selects Typha exactly as the guide does, so the Deployment can be adopted (selectors are immutable)", async () => {
    const rendered = await renderObjects({ helm: 4, sets: [...BASE, "nodeCount=1000"] });
    const sel = (objs: KubeObject[]) =>
      (objs.find((o) => o.kind === "Deployment" && o.metadata.name === "calico-typha")!.spec as { selector: unknown })
        .selector;
    expect(sel(rendered)).toEqual(sel(guide));
  });
});

describe("adopt: the commands", () => {
  it("label and annotate each object with the release's ownership metadata", () => {
    expect(formatCommands(adoptCommands({ release: "relay" })).split("\n")).toEqual([
      "kubectl -n kube-system label service calico-typha app.kubernetes.io/managed-by=Helm --overwrite",
      "kubectl -n kube-system annotate service calico-typha meta.helm.sh/release-name=relay meta.helm.sh/release-namespace=kube-system --overwrite",
      "kubectl -n kube-system label deployment calico-typha app.kubernetes.io/managed-by=Helm --overwrite",
      "kubectl -n kube-system annotate deployment calico-typha meta.helm.sh/release-name=relay meta.helm.sh/release-namespace=kube-system --overwrite",
      "kubectl -n kube-system label poddisruptionbudget calico-typha app.kubernetes.io/managed-by=Helm --overwrite",
      "kubectl -n kube-system annotate poddisruptionbudget calico-typha meta.helm.sh/release-name=relay meta.helm.sh/release-namespace=kube-system --overwrite",
    ]);
  });

  it("terway-relay adopt prints them (release terway-relay by default)", async () => {
    const r = await cli(["adopt", "--set", "region=cn-hangzhou"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(formatCommands(adoptCommands({ release: "terway-relay" })));
  });

  it("leaves the guide's Service out, saying so, when the release uses another Service name", async () => {
    const r = await cli(["adopt", "--set", "region=cn-hangzhou", "--set", "typha.serviceName=typha-relay"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("service calico-typha");
    expect(r.stderr).toContain("leaves the guide's Service calico-typha alone");
  });

  it("--run runs them with kubectl, skipping objects the cluster does not have", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubectl-stub-"));
    const log = join(dir, "calls.log");
    const stub = join(dir, "kubectl");
    // Records every call; "get" finds the Service and Deployment but not the PDB (a 1.25+ cluster rejected the
    // guide's policy/v1beta1 one).
    writeFileSync(
      stub,
      `#!/bin/sh\necho "$*" >> '${log}'\nif [ "$3" = get ] && [ "$4" = poddisruptionbudget ]; then echo 'Error from server (NotFound): poddisruptionbudgets.policy "calico-typha" not found' >&2; exit 1; fi\nexit 0\n`,
    );
    chmodSync(stub, 0o755);
    const r = await cli(["adopt", "--set", "region=cn-hangzhou", "--release", "relay", "--run"], { KUBECTL_BIN: stub });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("skip poddisruptionbudget/calico-typha: not found");
    const calls = readFileSync(log, "utf8").trim().split("\n");
    const want = adoptCommands({ release: "relay" })
      .filter((c) => c[3] !== "poddisruptionbudget")
      .map((c) => c.join(" "));
    expect(calls.filter((c) => !c.includes(" get "))).toEqual(want);
    expect(calls.filter((c) => c.includes(" get "))).toHaveLength(3);
  });

  it("--run fails when kubectl does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubectl-stub-"));
    const stub = join(dir, "kubectl");
    writeFileSync(stub, `#!/bin/sh\necho 'error: You must be logged in to the server (Unauthorized)' >&2\nexit 1\n`);
    chmodSync(stub, 0o755);
    const r = await cli(["adopt", "--set", "region=cn-hangzhou", "--run"], { KUBECTL_BIN: stub });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("Unauthorized");
  });

  it("--run goes through the child-process seam (scripts/_child_process.ts), as helm does", async () => {
    const seen: string[][] = [];
    const real = _child_process.execa;
    _child_process.execa = ((_file: string, args: string[]) => {
      seen.push(args);
      return Promise.resolve({ exitCode: 0, stdout: "", stderr: "" });
    }) as unknown as typeof real;
    try {
      expect(await runAdopt({ release: "relay" }, () => {})).toBe(true);
    } finally {
      _child_process.execa = real;
    }
    expect(seen.filter((a) => a[2] !== "get")).toEqual(adoptCommands({ release: "relay" }));
  });

  it("--run names the kubectl it could not start, and stops", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "kubectl-none-")), "kubectl");
    const r = await cli(["adopt", "--set", "region=cn-hangzhou", "--run"], { KUBECTL_BIN: missing });
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(`^error: could not run kubectl ${missing}: .*ENOENT.*; set KUBECTL_BIN to a kubectl binary$`),
      ),
    ]);
  });
});
