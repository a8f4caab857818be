// Every rendered object is a valid Kubernetes object: kubernetes-models for types and required fields, and a
// strict walk against @kubernetes/client-node's models for fields Kubernetes does not know.
import { describe, expect, it } from "vitest";
import { validateWithKubernetesModels } from "./support/kube-models.js";
import { HELM_MAJORS, renderObjects } from "./support/renders.js";
import { unknownFields } from "./support/strict-fields.js";

const VARIANTS: { name: string; sets: string[]; kubeVersion?: string }[] = [
  { name: "defaults", sets: ["region=cn-hangzhou", "nodeCount=1000"] },
  {
    name: "dedicated account, v3.24 Typha",
    sets: ["region=cn-hangzhou", "typha.serviceAccount.create=true", "typha.image.tag=v3.24.5"],
  },
  { name: "v3.26 Typha (graceful shutdown)", sets: ["region=cn-hangzhou", "typha.image.tag=v3.26.1"] },
  { name: "Kubernetes 1.20", sets: ["region=cn-hangzhou"], kubeVersion: "v1.20.11-aliyun.1" },
];

describe.each(HELM_MAJORS)("helm %i", (helm) => {
  describe.each(VARIANTS)("$name", ({ sets, kubeVersion }) => {
    it("validates with kubernetes-models and has no unknown fields", async () => {
      const objs = await renderObjects({ helm, sets, kubeVersion, includeCrds: true });
      expect(objs.length).toBeGreaterThan(3);
      for (const o of objs) {
        await validateWithKubernetesModels(o);
        expect(unknownFields(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
      }
    });
  });
});

describe("the strict check itself", () => {
  it("catches a misspelled field deep in a pod template", () => {
    const bad = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: {
        selector: {},
        template: {
          spec: {
            containers: [{ name: "c", imagePullPolicy: "Always", livenessProbe: { httpGet: { port: 1, hots: "x" } } }],
            toleration: [],
          },
        },
      },
    };
    expect(unknownFields(bad)).toEqual([
      "Deployment.spec.template.spec.containers[0].livenessProbe.httpGet.hots: unknown field of V1HTTPGetAction",
      "Deployment.spec.template.spec.toleration: unknown field of V1PodSpec",
    ]);
  });
  it("refuses kinds it has no model for", () => {
    expect(() => unknownFields({ apiVersion: "example.com/v1", kind: "Widget" })).toThrow(/no client-node model/);
  });
  it("kubernetes-models rejects a wrong type", async () => {
    await expect(
      validateWithKubernetesModels({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "x" },
        spec: { ports: [{ port: "5473" }] },
      }),
    ).rejects.toThrow(/port/);
  });
});
