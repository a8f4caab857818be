// Values as Helm sees them: chart defaults, then each -f file, then each --set, coalesced the way Helm does
// (maps merge key by key, a null removes the key). The harness validates exactly this merged object.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadHelmYaml } from "./helm-yaml.js";
import { chartDir } from "./tools.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface ValuesInput {
  /** Values files, in order (helm -f). */
  files?: string[];
  /** --set expressions, in order. */
  sets?: string[];
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Helm's mergeMaps for user values (-f files, then --set): later wins, maps merge, nulls are kept. */
export function mergeUser(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? mergeUser(out[k] as JsonObject, v) : v;
  }
  return out;
}

/** Helm's coalescing of user values over chart defaults: a null deletes a default key; a null for a key the
 * defaults do not have stays (and the schema then sees it). */
export function coalesce(defaults: JsonObject, user: JsonObject): JsonObject {
  const out: JsonObject = { ...defaults };
  for (const [k, v] of Object.entries(user)) {
    if (v === null && k in defaults) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = coalesce(out[k] as JsonObject, v);
    else out[k] = v;
  }
  return out;
}

export function readYamlObject(path: string): JsonObject {
  // go-yaml v2 scalars, as Helm reads values files (`create: yes` is true, `tag: 1_0` is a number).
  let doc: unknown;
  try {
    doc = loadHelmYaml(readFileSync(path, "utf8"));
  } catch (e) {
    // As Helm says it: "failed to parse <file>: ...".
    throw new Error(`failed to parse ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (doc === undefined || doc === null) return {};
  if (!isObject(doc)) throw new Error(`${path}: a values file must hold a YAML mapping at the top level`);
  return doc as JsonObject;
}

/** Helm strvals typing: true/false (any case), null, and int64-looking numbers without a leading zero. */
function typedValue(raw: string): Json {
  if (/^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  if (raw === "null") return null;
  if (raw === "0" || /^-?[1-9][0-9]*$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n;
  }
  return raw;
}

/** Splits on `sep` outside `{...}` lists, honouring backslash escapes (kept for the next stage). */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") depth--;
    if (c === sep && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const unescape = (s: string) => s.replace(/\\(.)/g, "$1");

/** One --set argument (`a.b=1,c[0]=x,d={p,q}`) as a values object, like Helm's strvals.ParseInto. */
export function parseSet(expr: string, into: JsonObject = {}): JsonObject {
  for (const assignment of splitTop(expr, ",")) {
    if (assignment === "") continue;
    const eq = splitTop(assignment, "=");
    if (eq.length < 2) throw new Error(`--set ${assignment}: expected key=value`);
    const [key, ...rest] = eq;
    const rawValue = rest.join("=");
    const value: Json =
      rawValue.startsWith("{") && rawValue.endsWith("}")
        ? splitTop(rawValue.slice(1, -1), ",").filter((x) => x !== "").map((x) => typedValue(unescape(x)))
        : typedValue(unescape(rawValue));
    setPath(into, parseKey(key), value);
  }
  return into;
}

type Segment = string | number;

function parseKey(key: string): Segment[] {
  const segs: Segment[] = [];
  for (const part of splitTop(key, ".")) {
    const m = /^(.*?)((\[[0-9]+\])*)$/.exec(part)!;
    if (m[1] !== "") segs.push(unescape(m[1]));
    for (const idx of m[2].matchAll(/\[([0-9]+)\]/g)) segs.push(Number(idx[1]));
  }
  if (segs.length === 0) throw new Error(`--set: empty key in ${key}`);
  return segs;
}

function setPath(root: JsonObject, path: Segment[], value: Json): void {
  let node: JsonObject | Json[] = root;
  path.forEach((seg, i) => {
    const last = i === path.length - 1;
    const container = node as Record<string | number, Json>;
    if (last) {
      container[seg] = value;
      return;
    }
    const nextIsIndex = typeof path[i + 1] === "number";
    const existing = container[seg];
    if (nextIsIndex ? !Array.isArray(existing) : !isObject(existing)) container[seg] = nextIsIndex ? [] : {};
    node = container[seg] as JsonObject | Json[];
  });
}

export function chartDefaults(chart = chartDir): JsonObject {
  return readYamlObject(join(chart, "values.yaml"));
}

/** The values Helm validates and renders with: defaults <- files <- sets. */
export function mergeValues(input: ValuesInput, chart = chartDir): JsonObject {
  let user: JsonObject = {};
  for (const f of input.files ?? []) user = mergeUser(user, readYamlObject(f));
  for (const s of input.sets ?? []) parseSet(s, user);
  return coalesce(chartDefaults(chart), user);
}
