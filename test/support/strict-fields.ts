// Strict unknown-field check for rendered objects. kubernetes-models validates types but lets unknown fields
// pass, so a misspelled field (e.g. `tolerations` as `toleration`) would reach the API server and be dropped or
// rejected there. @kubernetes/client-node's generated models list every field of every type: walk an object
// against them and report each field Kubernetes does not know.
import * as k8s from "@kubernetes/client-node";

interface Attr {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): Attr[] };
const models = k8s as unknown as Record<string, ModelClass | undefined>;

/** client-node's model for a top-level object. Removed API versions map to the surviving version's model
 * (policy/v1beta1 PDB has the fields of policy/v1 that the chart uses). */
function modelFor(apiVersion: string, kind: string): string {
  const version = apiVersion.split("/").pop()!;
  const v = version === "v1beta1" && kind === "PodDisruptionBudget" ? "v1" : version;
  return `${v.charAt(0).toUpperCase()}${v.slice(1)}${kind}`;
}

function walk(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (!Array.isArray(value)) return void out.push(`${path}: expected a list`);
    for (const [i, v] of value.entries()) walk(v, arr[1], `${path}[${i}]`, out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== "object") return void out.push(`${path}: expected a map`);
    for (const [k, v] of Object.entries(value as object)) walk(v, map[1], `${path}.${k}`, out);
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== "function") return; // scalar, IntOrString, any, Date
  if (typeof value !== "object" || Array.isArray(value))
    return void out.push(`${path}: expected an object of type ${type}`);
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path}.${k}: unknown field of ${type}`);
    else walk(v, t, `${path}.${k}`, out);
  }
}

/** Unknown fields in one object, as paths; throws when no model exists for its kind. */
export function unknownFields(obj: { apiVersion: string; kind: string }): string[] {
  const name = modelFor(obj.apiVersion, obj.kind);
  if (!models[name]) throw new Error(`no client-node model ${name} for ${obj.apiVersion} ${obj.kind}`);
  const out: string[] = [];
  walk(obj, name, obj.kind, out);
  return out;
}
