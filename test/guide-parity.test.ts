// Every field of the guide's Typha template survives in the chart's render, apart from the API versions that
// Kubernetes removed and the two placeholders the guide asks users to edit by hand.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../scripts/render.js";
import { HELM_MAJORS, renderObjects } from "./support/renders.js";

const guide = yaml
  .loadAll(readFileSync(join(import.meta.dirname, "fixtures/guide-typha.yaml"), "utf8"))
  .filter(Boolean) as KubeObject[];

/** Paths where the chart must differ from the guide, and why. */
const EXCEPTIONS: Record<string, string> = {
  "PodDisruptionBudget.apiVersion": "policy/v1beta1 is gone in Kubernetes 1.25; policy/v1 from 1.21",
  "CustomResourceDefinition.apiVersion": "apiextensions.k8s.io/v1beta1 is gone in Kubernetes 1.22",
  "CustomResourceDefinition.spec.version": "v1 CRDs list versions under spec.versions",
  "Deployment.spec.template.spec.containers[calico-typha].image": "{REGION-ID} is filled from values.region",
  "Deployment.spec.template.spec.tolerations":
    "the guide's [{operator: Exists}] also tolerates the NoExecute not-ready/unreachable taints forever: a Typha on a dead node is never " +
    "replaced and, with the PDB, blocks every drain. The chart defaults to tigera/operator's bootstrap set; the guide's value stays reachable",
};

/** tigera/operator's TolerateBootstrap (v1.43.0 pkg/render/common/meta/meta.go, the change for tigera/operator#4820). */
const OPERATOR_TOLERATIONS = [
  { key: "CriticalAddonsOnly", operator: "Exists" },
  ...[
    "node-role.kubernetes.io/master",
    "node-role.kubernetes.io/control-plane",
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/network-unavailable",
    "node.cloudprovider.kubernetes.io/uninitialized",
  ].map((key) => ({ key, operator: "Exists", effect: "NoSchedule" })),
];

/** Leaf paths of `want` missing from or different in `got`. Lists of named objects match by name. */
function missing(
  want: unknown,
  got: unknown,
  path: string,
  out: string[],
  exceptions: Record<string, string> = EXCEPTIONS,
): void {
  if (path in exceptions) return;
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return void out.push(`${path}: not a list in the render`);
    for (const w of want) {
      const name = (w as { name?: string })?.name;
      if (name !== undefined) {
        missing(
          w,
          got.find((g) => (g as { name?: string })?.name === name),
          `${path}[${name}]`,
          out,
          exceptions,
        );
      } else if (
        !got.some((g) => {
          const sub: string[] = [];
          missing(w, g, path, sub, exceptions);
          return sub.length === 0;
        })
      ) {
        out.push(`${path}: no element matching ${JSON.stringify(w)}`);
      }
    }
  } else if (typeof want === "object" && want !== null) {
    if (typeof got !== "object" || got === null) return void out.push(`${path}: missing`);
    for (const [k, v] of Object.entries(want))
      missing(v, (got as Record<string, unknown>)[k], `${path}.${k}`, out, exceptions);
  } else if (want !== got) {
    out.push(`${path}: guide ${JSON.stringify(want)}, chart ${JSON.stringify(got)}`);
  }
}

describe.each(HELM_MAJORS)("guide parity (helm %i)", (helm) => {
  it("keeps every field of the guide's Service, Deployment, PDB and CRD", async () => {
    // 401-600 nodes: the rule gives the guide's 3 replicas.
    const objs = await renderObjects({ helm, sets: ["region=cn-hangzhou", "nodeCount=500"], includeCrds: true });
    expect(guide.map((g) => g.kind)).toEqual([
      "Service",
      "Deployment",
      "PodDisruptionBudget",
      "CustomResourceDefinition",
    ]);
    for (const g of guide) {
      const r = objs.find((o) => o.kind === g.kind && o.metadata.name === g.metadata.name);
      expect(r, `${g.kind} ${g.metadata.name} rendered`).toBeDefined();
      const out: string[] = [];
      missing(g, r, g.kind, out);
      expect(out, g.kind).toEqual([]);
    }
  });

  it("differs from the guide only where the exceptions say", async () => {
    const objs = await renderObjects({ helm, sets: ["region=cn-hangzhou", "nodeCount=500"], includeCrds: true });
    const byKind = (k: string) => objs.find((o) => o.kind === k)!;
    expect(byKind("PodDisruptionBudget").apiVersion).toBe("policy/v1");
    expect(byKind("CustomResourceDefinition").apiVersion).toBe("apiextensions.k8s.io/v1");
    expect(
      (byKind("CustomResourceDefinition").spec as { versions: { name: string }[] }).versions.map((v) => v.name),
    ).toEqual(["v1"]);
    const image = JSON.stringify(byKind("Deployment").spec).match(/"image":"([^"]+)"/)![1];
    expect(image).toBe("registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.5.8");
    const podSpec = (d: KubeObject) => (d.spec as { template: { spec: { tolerations: unknown } } }).template.spec;
    expect(podSpec(byKind("Deployment")).tolerations).toEqual(OPERATOR_TOLERATIONS);
  });

  it("the guide's tolerations stay one value away, and then match it exactly", async () => {
    const objs = await renderObjects({
      helm,
      sets: ["region=cn-hangzhou", "nodeCount=500", "typha.tolerations[0].operator=Exists"],
    });
    const g = guide.find((o) => o.kind === "Deployment")!;
    const r = objs.find((o) => o.kind === "Deployment" && o.metadata.name === g.metadata.name)!;
    const withoutException = Object.fromEntries(
      Object.entries(EXCEPTIONS).filter(([k]) => !k.endsWith(".tolerations")),
    );
    const out: string[] = [];
    missing(g, r, "Deployment", out, withoutException);
    expect(out).toEqual([]);
    expect((r.spec as { template: { spec: { tolerations: unknown } } }).template.spec.tolerations).toEqual([
      { operator: "Exists" },
    ]);
  });
});
