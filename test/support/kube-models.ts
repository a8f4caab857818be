// Validates a rendered object with kubernetes-models (types, required fields, enums of the Kubernetes OpenAPI).
import type { KubeObject } from "../../scripts/render.js";

type Validating = new (data: unknown) => { validate(): void };

export async function validateWithKubernetesModels(obj: KubeObject): Promise<void> {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  // Prometheus Operator kinds (ServiceMonitor) come from the kubernetes-models companion package of the same line.
  const pkg = group === "monitoring.coreos.com" ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
  const mod = (await import(group ? `${pkg}/${group}/${version}` : `${pkg}/${version}`)) as Record<string, Validating>;
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}
