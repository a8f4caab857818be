// Value variants derived from values.schema.json, so new features are covered as they land: "all features on"
// turns every boolean named enabled or create to true.
import { valuesSchema } from "../../scripts/schema.js";

interface Node {
  type?: string;
  properties?: Record<string, Node>;
}

/** What a feature cannot render without, besides the nodeCount every caller gives: gitops.enabled looks nothing up,
 * so the schema requires a Typha tag (the chart's appVersion here, what offline renders deploy anyway). */
const FEATURE_NEEDS: Record<string, string[]> = {
  "gitops.enabled": ["typha.image.tag=v3.5.8"],
  // doctor's role is bound to the subjects named, and needs one.
  "doctor.rbac.create": ["doctor.rbac.subjects[0].kind=Group", "doctor.rbac.subjects[0].name=platform-oncall"],
};

/** --set expressions switching on every optional feature (booleans named enabled or create). */
export function featureSets(schema: Node = valuesSchema() as Node, prefix = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, v]) =>
    v.type === "boolean" && (k === "enabled" || k === "create")
      ? [`${prefix}${k}=true`, ...(FEATURE_NEEDS[`${prefix}${k}`] ?? [])]
      : featureSets(v, `${prefix}${k}.`),
  );
}
