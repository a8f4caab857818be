// Values validation with the precompiled schema validator: every problem, each named by its path.
import type { ErrorObject } from "ajv";
import { crossFieldProblems, crossFieldWarnings } from "./cross-field.js";
import { validate as compiled } from "./generated/values-validator.js";
import type { TerwayRelayValues } from "./generated/values.js";
import type { Json } from "./values.js";

/** The precompiled schema: values it accepts have the generated type's shape. */
type CompiledValidator = ((data: unknown) => data is TerwayRelayValues) & { errors?: ErrorObject[] | null };
const validator = compiled as unknown as CompiledValidator;

export interface ValueProblem {
  /** Dotted path of the offending value, e.g. typha.image.tag ("(root)" for the whole object). */
  path: string;
  message: string;
}

function dotted(instancePath: string, extra?: string): string {
  const segs = instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) segs.push(extra);
  return segs.reduce((acc, s) => (/^[0-9]+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "") || "(root)";
}

function describe(e: ErrorObject): ValueProblem {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties":
      return {
        path: dotted(e.instancePath, String(p.additionalProperty)),
        message: "is not a known key (check its spelling and nesting)",
      };
    case "required": {
      // The missing key's own description says what to set it to (region has no default on purpose).
      const schema = (e.parentSchema as { properties?: Record<string, { description?: string }> } | undefined)
        ?.properties?.[String(p.missingProperty)];
      return {
        path: dotted(e.instancePath, String(p.missingProperty)),
        message: schema?.description ? `is required: ${schema.description}` : "is required",
      };
    }
    case "enum":
      return {
        path: dotted(e.instancePath),
        message: `must be one of: ${(p.allowedValues as Json[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "not":
      return {
        path: dotted(e.instancePath),
        message: `${JSON.stringify(e.data)} is not allowed: ${descriptionOf(e) ?? "see values.schema.json"}`,
      };
    case "const":
      // A value a condition requires (if/then): the schema's description of that branch says why.
      return {
        path: dotted(e.instancePath),
        message: `must be ${JSON.stringify(p.allowedValue)}: ${descriptionOf(e) ?? "see values.schema.json"}`,
      };
    case "pattern":
      // Inside propertyNames: the key itself is wrong (a label key, for the label maps).
      if ((e as { propertyName?: string }).propertyName !== undefined)
        return {
          path: dotted(e.instancePath),
          message: `key ${JSON.stringify((e as { propertyName?: string }).propertyName)} does not match the pattern ${String(p.pattern)}`,
        };
      return because(e, `${JSON.stringify(e.data)} does not match the pattern ${String(p.pattern)}`);
    default:
      return because(e, e.message ?? e.keyword);
  }
}

/** The description of the schema node that failed, which says why a value is wanted. */
const descriptionOf = (e: ErrorObject) => (e.parentSchema as { description?: string } | undefined)?.description;

/** A problem, with why when it is inside a "then" branch (gitops.enabled's required values): that branch's
 * description. */
function because(e: ErrorObject, what: string): ValueProblem {
  const why = e.schemaPath.includes("/then/") ? descriptionOf(e) : undefined;
  return { path: dotted(e.instancePath), message: why ? `${what}: ${why}` : what };
}

export function validateValues(values: unknown): ValueProblem[] {
  if (validator(values)) return [];
  // An "if" error only says a "then" failed; the "then" branch's own error names the value and says why.
  // A "propertyNames" error only says a key failed; the key's own error names it.
  return (validator.errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "propertyNames").map(describe);
}

export function formatProblems(problems: ValueProblem[]): string {
  return problems.map((p) => `- ${p.path}: ${p.message}`).join("\n");
}

interface ValuesVerdict {
  /** What the chart would refuse: schema problems, or (on schema-valid values) the cross-field rules. */
  problems: ValueProblem[];
  /** What the chart renders but is probably a mistake. */
  warnings: ValueProblem[];
  /** The values, typed, when nothing is refused. */
  values?: TerwayRelayValues;
}

/** Every check the chart makes, in the order Helm makes them: the schema, then (on values that pass it) the rules
 * between values and the release namespace, and with the cluster's Terway the Typha it refuses for that Felix. validate, render and adopt all answer with this. */
export function checkValues(values: unknown, opts: { namespace?: string; terway?: string } = {}): ValuesVerdict {
  if (!validator(values)) return { problems: validateValues(values), warnings: [] };
  const problems = crossFieldProblems(values, opts);
  return problems.length ? { problems, warnings: [] } : { problems, warnings: crossFieldWarnings(values), values };
}
