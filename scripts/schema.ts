// values.schema.json, the one definition of the values: their shape, descriptions and defaults. Every reader of
// the schema (validation's cross-checks, the replica rule's defaults, the generators) gets it from here. Nothing is
// read when this module is imported: the file is read on first use, once per process.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./tools.js";
import type { Json, JsonObject } from "./values.js";

/** The parts of a JSON Schema node the harness reads. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: Json;
  examples?: Json[];
  enum?: Json[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $ref?: string;
}

export interface ValuesSchema extends SchemaNode {
  definitions?: Record<string, SchemaNode>;
}

export const schemaPath = join(repoRoot, "values.schema.json");

let schema: ValuesSchema | undefined;
let defaultsJson: string | undefined;

/** values.schema.json, parsed on first use. Shared: callers must not change it. */
export function valuesSchema(): ValuesSchema {
  return (schema ??= JSON.parse(readFileSync(schemaPath, "utf8")) as ValuesSchema);
}

/** The node of a dotted value path, e.g. "typha.replicaRule.minReplicas", or undefined. */
function schemaNode(path: string): SchemaNode | undefined {
  return path.split(".").reduce<SchemaNode | undefined>((n, k) => n?.properties?.[k], valuesSchema());
}

/** The default values.schema.json declares for a dotted value path; throws when it declares none. */
export function schemaDefault(path: string): Json {
  const node = schemaNode(path);
  if (node === undefined || !("default" in node)) throw new Error(`values.schema.json has no default for ${path}`);
  return node.default as Json;
}

/** Whether a value has a default: its own, or (an object with declared properties) its keys'. */
export const hasDefault = (n: SchemaNode): boolean => n.properties !== undefined || "default" in n;

/** The defaults of a node: an object with declared properties is the defaults of its keys that have one; any other
 * node its own `default`. */
export function defaultsOf(n: SchemaNode): Json {
  if (!n.properties) return n.default as Json;
  return Object.fromEntries(
    Object.entries(n.properties).flatMap(([k, c]) => (hasDefault(c) ? [[k, defaultsOf(c)]] : [])),
  );
}

/**
 * The chart's default values, as values.schema.json declares them (chart/values.yaml is generated from the same
 * defaults: scripts/build/gen-values-yaml.ts). A fresh copy on every call, so callers may change it.
 */
export function defaultValues(): JsonObject {
  defaultsJson ??= JSON.stringify(defaultsOf(valuesSchema()));
  return JSON.parse(defaultsJson) as JsonObject;
}
