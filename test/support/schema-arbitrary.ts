// fast-check arbitraries built from values.schema.json: complete values objects that satisfy the schema (the
// subset of draft-07 the schema uses: object/properties/required/additionalProperties, string pattern/enum/const,
// integer minimum/maximum/not-enum, boolean, array items/minItems, $ref, if/then), and single mutations that break
// it. Overrides bias a few fields towards realistic values so that the cross-field rules filter little.
import { Ajv } from "ajv";
import fc from "fast-check";
import { defaultValues, valuesSchema } from "../../scripts/schema.js";
import { coalesce, type Json, type JsonObject } from "../../scripts/values.js";

export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  minItems?: number;
  maxItems?: number;
  enum?: Json[];
  const?: Json;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  not?: { enum?: Json[] };
  $ref?: string;
  default?: Json;
  if?: SchemaNode;
  then?: SchemaNode;
}

export const SCHEMA = valuesSchema() as SchemaNode & { definitions: Record<string, SchemaNode> };

export function deref(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.replace("#/definitions/", "");
  return { ...SCHEMA.definitions[name], ...Object.fromEntries(Object.entries(node).filter(([k]) => k !== "$ref")) };
}

/** Label keys and values as Kubernetes accepts them, for maps of strings (nodeSelector, labels). */
// (Starting with a letter: the harness names an all-digit map key like a list index, typha.nodeSelector[36].)
const labelName = fc.stringMatching(/^[a-z]([-a-z0-9_.]{0,20}[a-z0-9])?$/);
const labelKey = fc
  .tuple(
    fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?(\.[a-z]{2,5}){0,2}$/), { nil: undefined }),
    labelName,
  )
  .map(([p, n]) => (p ? `${p}/${n}` : n));
const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,30}[A-Za-z0-9])?)?$/);

export type Overrides = Record<string, fc.Arbitrary<Json>>;

/** Label keys (for toleration keys, which the schema leaves free-form; see the report on schema laxity). */
export const labelKeyArbitrary: fc.Arbitrary<Json> = labelKey;

export function arbitraryFor(node0: SchemaNode, path: string, overrides: Overrides): fc.Arbitrary<Json> {
  if (overrides[path]) return overrides[path];
  const node = deref(node0);
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  switch (node.type) {
    case "boolean":
      return fc.boolean();
    case "integer": {
      const min = node.minimum ?? -1_000_000;
      const max = node.maximum ?? 1_000_000;
      const banned = node.not?.enum ?? [];
      return fc.integer({ min, max }).filter((n) => !banned.includes(n));
    }
    case "string": {
      const base = node.pattern ? fc.stringMatching(new RegExp(node.pattern)) : fc.string({ maxLength: 20 });
      const [min, max] = [node.minLength ?? 0, node.maxLength ?? Infinity];
      return min > 0 || max < Infinity ? base.filter((x) => x.length >= min && x.length <= max) : base;
    }
    case "array":
      return fc.array(arbitraryFor(node.items ?? {}, `${path}[]`, overrides), {
        minLength: node.minItems ?? 0,
        maxLength: Math.min(node.maxItems ?? 4, 4),
      });
    case "object": {
      if (node.properties) {
        const req = new Set(node.required ?? []);
        const model: Record<string, fc.Arbitrary<Json>> = {};
        for (const [k, v] of Object.entries(node.properties))
          model[k] = arbitraryFor(v, path ? `${path}.${k}` : k, overrides);
        return fc.record(model, { requiredKeys: [...req] as never[] }).map((o) => o as Json) as fc.Arbitrary<Json>;
      }
      if (typeof node.additionalProperties === "object") {
        const valueArb =
          deref(node.additionalProperties).type === "string"
            ? labelValue
            : arbitraryFor(node.additionalProperties, `${path}.*`, overrides);
        return fc.dictionary(labelKey, valueArb, { maxKeys: 3 }) as fc.Arbitrary<Json>;
      }
      return fc.constant({});
    }
    default:
      return fc.constant(null);
  }
}

/** The root's if/then: apply "then" where "if" holds (the schema has one: disable mode needs the acknowledgement). */
function applyRootConditional(v: JsonObject): JsonObject {
  const cond = SCHEMA.if;
  if (!cond?.properties || !SCHEMA.then?.properties) return v;
  const holds = Object.entries(cond.properties).every(([k, c]) => c.const === undefined || v[k] === c.const);
  if (!holds) return v;
  const out = { ...v };
  for (const [k, t] of Object.entries(SCHEMA.then.properties)) if (t.const !== undefined) out[k] = t.const;
  return out;
}

/** An if/then of the schema: where it sits (the object it constrains) and its two schemas. */
interface Conditional {
  at: string[];
  holds: (v: unknown) => boolean;
  /** The leaves "then" constrains, each with the test a value must pass there. */
  leaves: { segs: string[]; node: SchemaNode; passes: (v: unknown) => boolean }[];
}

const ajv = new Ajv({ strict: false });
/** The chart's defaults, which the schema's if/then rules judge the values merged over. */
const DEFAULTS = defaultValues();
const isMap = (x: unknown): x is JsonObject => typeof x === "object" && x !== null && !Array.isArray(x);

/** Every if/then of the schema (on an object node, or in an allOf), with the leaves its "then" constrains. */
let allConditionals: Conditional[] | undefined;
function conditionals(node0: SchemaNode = SCHEMA, at: string[] = []): Conditional[] {
  const node = deref(node0) as SchemaNode & { allOf?: SchemaNode[] };
  const out: Conditional[] = [];
  for (const c of [node, ...(node.allOf ?? [])]) {
    if (!c.if || !c.then) continue;
    const leaves: Conditional["leaves"] = [];
    const walk = (then: SchemaNode, base: SchemaNode, segs: string[]) => {
      for (const [k, t] of Object.entries(then.properties ?? {})) {
        const b = deref(base).properties?.[k];
        if (!b)
          throw new Error(
            `schema-arbitrary: "then" constrains ${[...at, ...segs, k].join(".")}, which the schema does not declare`,
          );
        if (t.properties) walk(t, b, [...segs, k]);
        else leaves.push({ segs: [...segs, k], node: b, passes: ajv.compile(t) as (v: unknown) => boolean });
      }
    };
    walk(c.then, node, []);
    out.push({ at, holds: ajv.compile(c.if) as (v: unknown) => boolean, leaves });
  }
  for (const [k, child] of Object.entries(node.properties ?? {})) out.push(...conditionals(child, [...at, k]));
  return out;
}

/** A leaf's arbitrary kept to what a "then" allows there, built once per leaf and overrides. */
const redraws = new WeakMap<Overrides, Map<Conditional["leaves"][number], fc.Arbitrary<[string[], Json]>>>();
function redrawn(
  leaf: Conditional["leaves"][number],
  segs: string[],
  overrides: Overrides,
): fc.Arbitrary<[string[], Json]> {
  let byLeaf = redraws.get(overrides);
  if (!byLeaf) redraws.set(overrides, (byLeaf = new Map()));
  let arb = byLeaf.get(leaf);
  if (!arb)
    byLeaf.set(
      leaf,
      (arb = arbitraryFor(leaf.node, segs.join("."), overrides)
        .filter(leaf.passes)
        .map((x): [string[], Json] => [segs, x])),
    );
  return arb;
}

const get = (v: unknown, segs: (string | number)[]): unknown =>
  segs.reduce<unknown>(
    (o, s) => (o && typeof o === "object" ? (o as Record<string | number, unknown>)[s] : undefined),
    v,
  );

/**
 * Values drawn as validValues draws them, then made to satisfy every if/then of the schema, judged on the values
 * merged over the chart's defaults as Helm judges them: where an "if" holds and its "then" does not, each leaf the
 * "then" constrains is drawn again from its own arbitrary, kept to what the "then" allows. Values that satisfy the
 * conditionals are left as they are, so every schema-valid value can still be drawn; the others are no longer drawn
 * only to be filtered out (with gitops.enabled and the autoscaler, most of them were).
 */
function satisfyingConditionals(v: JsonObject, overrides: Overrides): fc.Arbitrary<JsonObject> {
  const merged = coalesce(DEFAULTS, v);
  const redraw: fc.Arbitrary<[string[], Json]>[] = [];
  for (const c of (allConditionals ??= conditionals())) {
    if (!c.holds(get(merged, c.at) ?? {})) continue;
    for (const leaf of c.leaves) {
      const segs = [...c.at, ...leaf.segs];
      if (leaf.passes(get(merged, segs))) continue;
      redraw.push(redrawn(leaf, segs, overrides));
    }
  }
  if (redraw.length === 0) return fc.constant(v);
  return fc.tuple(...redraw).map((sets) => sets.reduce((o, [segs, x]) => setAt(o, segs, x, true), v));
}

/** Complete values objects that satisfy the schema's properties and its root if/then (the other if/then rules are
 * left to filters: test/validate-verdict.test.ts wants values the chart refuses too). */
export function validValues(overrides: Overrides = {}): fc.Arbitrary<JsonObject> {
  return (arbitraryFor(SCHEMA, "", overrides) as fc.Arbitrary<JsonObject>).map(applyRootConditional);
}

/** As validValues, satisfying every if/then of the schema too. */
export function schemaValidValues(overrides: Overrides = {}): fc.Arbitrary<JsonObject> {
  return validValues(overrides).chain((v) => satisfyingConditionals(v, overrides));
}

// ---------------------------------------------------------------------------------------------------------------
// Single mutations that break the schema.

export interface Leaf {
  /** Harness-style path, e.g. typha.tolerations[0].operator. */
  path: string;
  segs: (string | number)[];
  node: SchemaNode;
  /** Whether the key is declared in properties and required by its parent (not a map entry or list item). */
  required: boolean;
}

/** Every value position in a values object, with the schema node that governs it. */
export function positions(
  value: Json,
  node0: SchemaNode = SCHEMA,
  segs: (string | number)[] = [],
  required = false,
): Leaf[] {
  const node = deref(node0);
  const path = segs.reduce<string>((a, s) => (typeof s === "number" ? `${a}[${s}]` : a ? `${a}.${s}` : s), "");
  const here: Leaf[] = segs.length ? [{ path, segs, node, required }] : [];
  if (Array.isArray(value))
    return here.concat(value.flatMap((v, i) => positions(v, node.items ?? {}, [...segs, i], false)));
  if (value && typeof value === "object") {
    return here.concat(
      Object.entries(value).flatMap(([k, v]) => {
        const child =
          node.properties?.[k] ??
          (typeof node.additionalProperties === "object" ? node.additionalProperties : undefined);
        return child
          ? positions(v, child, [...segs, k], Boolean(node.properties?.[k]) && (node.required ?? []).includes(k))
          : [];
      }),
    );
  }
  return here;
}

export interface Mutation {
  kind: string;
  /** The path a rejection must name, dotted (as the harness names it) and as segments. */
  path: string;
  segs: (string | number)[];
  apply(v: JsonObject): JsonObject;
}

function setAt(root: JsonObject, segs: (string | number)[], value: Json | undefined, createMaps = false): JsonObject {
  const out = structuredClone(root);
  let cur: Record<string | number, Json> = out;
  for (const s of segs.slice(0, -1)) {
    if (createMaps && !isMap(cur[s])) cur[s] = {};
    cur = cur[s] as Record<string | number, Json>;
  }
  const last = segs.at(-1)!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return out;
}

/** Values that break a node whatever the rest of the object says, each with the mutation's name. */
export function breakersFor(node0: SchemaNode): [string, Json][] {
  const node = deref(node0);
  const out: [string, Json][] = [];
  switch (node.type) {
    case "string":
      out.push(["wrong type (number)", 42], ["wrong type (list)", ["x"]]);
      if (node.enum) out.push(["not in enum", `${String(node.enum[0])}-typo`]);
      if (node.pattern)
        for (const s of ["Not Valid!", "UPPER_case space", "-"])
          if (!new RegExp(node.pattern).test(s)) out.push([`pattern (${JSON.stringify(s)})`, s]);
      if (node.minLength) out.push(["too short", ""]);
      if (node.maxLength) out.push(["too long", "a".repeat(node.maxLength + 1)]);
      break;
    case "integer":
      out.push(["wrong type (string)", "12"], ["wrong type (fraction)", 1.5], ["wrong type (boolean)", true]);
      if (node.minimum !== undefined) out.push(["below minimum", node.minimum - 1]);
      if (node.maximum !== undefined) out.push(["above maximum", node.maximum + 1]);
      for (const b of node.not?.enum ?? []) out.push([`forbidden value ${String(b)}`, b]);
      break;
    case "boolean":
      out.push(["wrong type (string)", "true"], ["wrong type (number)", 1]);
      break;
    case "array":
      out.push(["wrong type (map)", { a: "b" }]);
      if (node.minItems) out.push(["too few items", []]);
      break;
    case "object":
      out.push(["wrong type (string)", "x"], ["wrong type (list)", []]);
      break;
  }
  return out;
}

/** Every single mutation of a valid values object that the schema must refuse, with the path to be named. */
export function mutationsOf(v: JsonObject, defaults: JsonObject): Mutation[] {
  const out: Mutation[] = [];
  for (const leaf of positions(v)) {
    for (const [kind, bad] of breakersFor(leaf.node))
      out.push({ kind, path: leaf.path, segs: leaf.segs, apply: (x) => setAt(x, leaf.segs, bad) });
    // null deletes a key the defaults have (Helm's coalescing): a declared, required key then goes missing.
    const inDefaults =
      leaf.segs.every((s) => typeof s === "string") &&
      leaf.segs.reduce<Json | undefined>((o, s) => (o as JsonObject | undefined)?.[s as string], defaults) !==
        undefined;
    if (leaf.required && inDefaults)
      out.push({
        kind: "null (removes a required key)",
        path: leaf.path,
        segs: leaf.segs,
        apply: (x) => setAt(x, leaf.segs, null),
      });
    if (deref(leaf.node).type === "object" && deref(leaf.node).additionalProperties === false)
      out.push({
        kind: "unknown nested key",
        path: `${leaf.path}.zzUnknown`,
        segs: [...leaf.segs, "zzUnknown"],
        apply: (x) => setAt(x, [...leaf.segs, "zzUnknown"], 1),
      });
  }
  out.push({
    kind: "unknown top-level key",
    path: "zzUnknown",
    segs: ["zzUnknown"],
    apply: (x) => setAt(x, ["zzUnknown"], "1"),
  });
  return out;
}
