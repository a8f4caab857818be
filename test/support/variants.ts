// Value variants derived from values.schema.json, so new features are covered as they land: "all features on"
// turns every boolean named enabled or create to true.
import { valuesSchema } from "../../scripts/schema.js";

interface Node {
  type?: string;
  properties?: Record<string, Node>;
}

/** --set expressions switching on every optional feature (booleans named enabled or create). */
export function featureSets(schema: Node = valuesSchema() as Node, prefix = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, v]) =>
    v.type === "boolean" && (k === "enabled" || k === "create") ? [`${prefix}${k}=true`] : featureSets(v, `${prefix}${k}.`),
  );
}
