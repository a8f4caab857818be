// Migration from the guide: the kubectl commands that let the release adopt a relay applied by hand, printed or
// run (real kubectl against the suite's fake API server holding the guide's objects).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { _child_process } from "../scripts/_child_process.js";
import { adoptCommands, formatCommands, guideObjects, runAdopt } from "../scripts/adopt.js";
import type { KubeObject } from "../scripts/render.js";
import { repoRoot } from "../scripts/tools.js";
import { FakeApiServer, type Identity, type Obj } from "./support/fake-kube-apiserver.js";
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
    const log: string[] = [];
    const before = process.env.KUBECTL_BIN;
    process.env.KUBECTL_BIN = missing;
    try {
      expect(await runAdopt({}, (l) => log.push(l))).toBe(false);
    } finally {
      if (before === undefined) delete process.env.KUBECTL_BIN;
      else process.env.KUBECTL_BIN = before;
    }
    expect(log).toEqual([
      expect.stringMatching(
        new RegExp(`^error: could not run kubectl ${missing}: .*ENOENT.*; set KUBECTL_BIN to a kubectl binary$`),
      ),
    ]);
  });
});

describe("adopt --run: real kubectl against the fake API server", () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await new FakeApiServer().start();
  });
  afterAll(() => server.stop());

  /** The reads and writes adopt needs, on the guide's three objects. */
  const adopter = (verbs: string[]): Identity => ({
    user: "adopter",
    rules: [
      { apiGroups: ["", "apps", "policy"], resources: ["services", "deployments", "poddisruptionbudgets"], verbs },
    ],
  });

  /** A cluster holding the guide's Service and Deployment, but not its PodDisruptionBudget: policy/v1beta1 is gone
   * from Kubernetes 1.25, so the guide's kubectl apply failed on it. Runs adopt as `identity`. */
  async function adoptIn(id: string, identity: Identity) {
    const c = server.cluster(id);
    for (const g of guide.filter((o) => o.kind === "Service" || o.kind === "Deployment")) c.put(g as Obj);
    const home = mkdtempSync(join(tmpdir(), "adopt-"));
    const r = await cli(["adopt", "--set", "region=cn-hangzhou", "--release", "relay", "--run"], {
      KUBECONFIG: c.kubeconfig(home, identity),
      HOME: home,
    });
    return { c, r };
  }

  it("labels and annotates what the cluster has, skips the absent PodDisruptionBudget, and needs only get and patch", async () => {
    const { c, r } = await adoptIn("adopt-run", adopter(["get", "patch"]));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("skip poddisruptionbudget/calico-typha: not found");
    for (const kind of ["Service", "Deployment"])
      expect(c.get(kind, "calico-typha")?.metadata, kind).toMatchObject({
        labels: { "app.kubernetes.io/managed-by": "Helm" },
        annotations: { "meta.helm.sh/release-name": "relay", "meta.helm.sh/release-namespace": "kube-system" },
      });
    expect(c.get("PodDisruptionBudget", "calico-typha")).toBeUndefined();
    // Denied: only kubectl's own look at whether the namespace exists, after the PodDisruptionBudget's NotFound.
    expect(c.denied.map((q) => `${q.verb} ${q.resource}/${q.name}`)).toEqual(["get namespaces/kube-system"]);
    expect(new Set(c.requests.filter((q) => q.allowed).map((q) => q.verb))).toEqual(new Set(["get", "patch"]));
  });

  it("fails, passing on the API server's refusal, when the identity may not patch", async () => {
    const { c, r } = await adoptIn("adopt-forbidden", adopter(["get"]));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('User "adopter" cannot patch resource "services"');
    expect(c.get("Service", "calico-typha")?.metadata.labels).not.toHaveProperty("app.kubernetes.io/managed-by");
  });
});
