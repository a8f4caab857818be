// The version matrix: every Kubernetes minor the chart claims (1.20 to 1.35), under Helm 3 and Helm 4, with the
// API versions a cluster of that minor serves (from test/fixtures/api-lifecycle.json) and ACK-style version strings.
// No rendered object, CRDs included, may use an API the target no longer serves or does not yet serve; the table
// decides, not kubernetes-models (which keeps removed APIs). Every object also validates with kubernetes-models
// and the strict unknown-field check, and (through renderObjects) every render satisfies the invariants.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, RenderOptions } from "../scripts/render.js";
import { chartDir } from "../scripts/tools.js";
import {
  API_TABLE,
  FIRST_MINOR,
  LAST_MINOR,
  MINORS,
  ackVersion,
  notServedReason,
  plainVersion,
  rowFor,
  servedApiVersions,
  type ServeContext,
} from "./support/api-lifecycle.js";
import { validateWithKubernetesModels } from "./support/kube-models.js";
import { BASE, HELM_MAJORS, renderError, renderObjects } from "./support/renders.js";
import { unknownFields } from "./support/strict-fields.js";
import { featureSets } from "./support/variants.js";

interface Combo {
  name: string;
  helm: 3 | 4;
  minor: number;
  serve: ServeContext;
  options: RenderOptions;
}

/** Two clusters per minor: a bare ACK cluster (ACK version string, Terway's Calico CRDs only, default-ish values)
 * and a fully featured one (plain version string, Prometheus Operator installed, every optional feature on). */
function combos(): Combo[] {
  const out: Combo[] = [];
  for (const helm of HELM_MAJORS) {
    for (const minor of MINORS) {
      const bare: ServeContext = { minor, crds: ["calico"] };
      const full: ServeContext = { minor, crds: ["calico", "prometheus-operator"] };
      out.push({
        name: `helm ${helm} ${ackVersion(minor)} bare`,
        helm,
        minor,
        serve: bare,
        options: {
          helm,
          kubeVersion: ackVersion(minor),
          apiVersions: servedApiVersions(bare),
          includeCrds: true,
          sets: [...BASE, "nodeCount=1000"],
        },
      });
      out.push({
        name: `helm ${helm} ${plainVersion(minor)} all features`,
        helm,
        minor,
        serve: full,
        options: {
          helm,
          kubeVersion: plainVersion(minor),
          apiVersions: servedApiVersions(full),
          includeCrds: true,
          sets: [...BASE, "nodeCount=5000", ...featureSets()],
        },
      });
    }
  }
  return out;
}

const COMBOS = combos();

/** Kinds that only a CRD provides: client-node has no model for them. */
const crdKinds = (o: KubeObject) => rowFor(o.apiVersion, o.kind)?.crd !== undefined;

describe("version matrix", () => {
  beforeAll(() => {
    // Start every render now (renders.ts runs a few at a time); each test then awaits its own.
    for (const c of COMBOS) renderObjects(c.options).catch(() => undefined);
  });

  it.each(COMBOS.map((c) => [c.name, c] as const))(
    "%s: every object is served by the target and is a valid Kubernetes object",
    async (_name, c) => {
      const objects = await renderObjects(c.options);
      expect(objects.some((o) => o.kind === "Deployment")).toBe(true);
      expect(
        objects.some((o) => o.kind === "CustomResourceDefinition"),
        "--include-crds renders the chart's CRDs",
      ).toBe(true);
      // The Capabilities gate is exercised: a cluster with the Prometheus Operator gets the ServiceMonitor asked for.
      if (c.serve.crds?.includes("prometheus-operator") && featureSets().includes("typha.serviceMonitor.enabled=true"))
        expect(objects.some((o) => o.kind === "ServiceMonitor")).toBe(true);
      const unserved = objects.map((o) => notServedReason(o.apiVersion, o.kind, c.serve)).filter(Boolean);
      expect(unserved).toEqual([]);
      for (const o of objects) {
        await validateWithKubernetesModels(o);
        // client-node has no models for CRD-provided kinds (ServiceMonitor): kubernetes-models checks their types.
        if (!crdKinds(o)) expect(unknownFields(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
      }
    },
  );

  it("covers exactly the minors Chart.yaml claims, and Kubernetes refuses the one below", async () => {
    const chart = yaml.load(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { kubeVersion: string };
    expect(chart.kubeVersion).toBe(`>=1.${FIRST_MINOR}.0-0`);
    expect(MINORS[0]).toBe(FIRST_MINOR);
    expect(MINORS.at(-1)).toBe(LAST_MINOR);
    expect(MINORS).toHaveLength(LAST_MINOR - FIRST_MINOR + 1);
    for (const helm of HELM_MAJORS)
      expect(await renderError({ helm, sets: BASE, kubeVersion: ackVersion(FIRST_MINOR - 1) })).toMatch(
        /kubeVersion|incompatible/i,
      );
  });
});

describe("the API lifecycle table decides", () => {
  it("gives every row a source and a sane window", () => {
    for (const r of API_TABLE) {
      expect(r.source, r.apiVersion).toBeTruthy();
      if (r.removed !== null) expect(r.removed, `${r.apiVersion} ${r.kind}`).toBeGreaterThan(r.introduced);
    }
  });

  it.each([
    ["policy/v1beta1", "PodDisruptionBudget", 24, true],
    ["policy/v1beta1", "PodDisruptionBudget", 25, false],
    ["policy/v1", "PodDisruptionBudget", 20, false],
    ["policy/v1", "PodDisruptionBudget", 21, true],
    ["apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 21, true],
    ["apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 22, false],
    ["batch/v1beta1", "CronJob", 25, false],
    ["autoscaling/v2", "HorizontalPodAutoscaler", 22, false],
    ["rbac.authorization.k8s.io/v1", "ClusterRole", 35, true],
    ["example.com/v1", "Widget", 30, false],
  ] as const)("%s %s on 1.%i served: %s", (apiVersion, kind, minor, served) => {
    expect(notServedReason(apiVersion, kind, { minor }) === undefined).toBe(served);
  });

  it("serves CRD-provided APIs only where the CRD is installed", () => {
    expect(notServedReason("monitoring.coreos.com/v1", "ServiceMonitor", { minor: 30 })).toMatch(/prometheus-operator/);
    expect(
      notServedReason("monitoring.coreos.com/v1", "ServiceMonitor", { minor: 30, crds: ["prometheus-operator"] }),
    ).toBeUndefined();
  });

  it("builds --api-versions from the same table", () => {
    expect(servedApiVersions({ minor: 24 })).toContain("policy/v1beta1/PodDisruptionBudget");
    expect(servedApiVersions({ minor: 25 })).not.toContain("policy/v1beta1/PodDisruptionBudget");
    expect(servedApiVersions({ minor: 25 })).toContain("policy/v1/PodDisruptionBudget");
    expect(servedApiVersions({ minor: 30 })).not.toContain("monitoring.coreos.com/v1/ServiceMonitor");
    expect(servedApiVersions({ minor: 30, crds: ["prometheus-operator"] })).toContain(
      "monitoring.coreos.com/v1/ServiceMonitor",
    );
  });

  it("is needed: kubernetes-models still accepts APIs Kubernetes removed", async () => {
    const pdb = {
      apiVersion: "policy/v1beta1",
      kind: "PodDisruptionBudget",
      metadata: { name: "x" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { a: "b" } } },
    } as KubeObject;
    await expect(validateWithKubernetesModels(pdb)).resolves.toBeUndefined();
    expect(notServedReason(pdb.apiVersion, pdb.kind, { minor: 25 })).toMatch(/removed in Kubernetes 1.25/);
  });
});
