// Validates a rendered object with kubernetes-models (types, required fields, enums of the Kubernetes OpenAPI).
import type { KubeObject } from "../../scripts/render.js";

type Validating = new (data: unknown) => { validate(): void };

/** kubernetes-models 4.x lists a toleration's effect as NoSchedule|PreferNoSchedule|NoExecute, but the API server
 * also accepts "" (match every effect; core/v1 Toleration docs, validation skips an empty effect), which the values
 * schema allows. Validate a copy without empty effects so the model's stricter enum does not fail a valid object. */
function withoutModelQuirks(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (Array.isArray(o.tolerations))
        for (const t of o.tolerations as Record<string, unknown>[]) if (t && t.effect === "") delete t.effect;
      Object.values(o).forEach(strip);
    }
  };
  strip(copy);
  return copy;
}

export async function validateWithKubernetesModels(obj0: KubeObject): Promise<void> {
  const obj = withoutModelQuirks(obj0);
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  // Prometheus Operator kinds (ServiceMonitor) come from the kubernetes-models companion package of the same line.
  const pkg = group === "monitoring.coreos.com" ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
  const mod = (await import(group ? `${pkg}/${group}/${version}` : `${pkg}/${version}`)) as Record<string, Validating>;
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}
