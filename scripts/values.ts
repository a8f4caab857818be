// Values as Helm sees them: chart defaults, then each -f file, then each --set, coalesced the way Helm does
// (maps merge key by key, a null removes the key). The harness validates exactly this merged object.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadHelmYaml } from "./helm-yaml.js";
import { defaultValues } from "./schema.js";
import { chartDir } from "./tools.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface ValuesInput {
  /** Values files, in order (helm -f); "-" is standard input (the `stdin` text). */
  files?: string[];
  /** --set expressions, in order. */
  sets?: string[];
  /** --set-string expressions: every value a string. */
  setStrings?: string[];
  /** --set-json expressions: key=JSON value. */
  setJsons?: string[];
  /** --set-file expressions: key=path, the value being the file's text ("-" is standard input). */
  setFiles?: string[];
  /** What "-" reads: standard input, read once by the caller. */
  stdin?: string;
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

/** A values file's text; "-" is standard input, as Helm reads it (helm pkg/cli/values/options.go, readFile). */
function readInput(path: string, stdin: string | undefined): string {
  if (path.trim() === "-") {
    if (stdin === undefined) throw new Error("values from standard input (-) were not read");
    return stdin;
  }
  return readFileSync(path, "utf8");
}

export function readYamlObject(path: string, stdin?: string): JsonObject {
  // go-yaml v2 scalars, as Helm reads values files (`create: yes` is true, `tag: 1_0` is a number).
  let doc: unknown;
  try {
    doc = loadHelmYaml(readInput(path, stdin));
  } catch (e) {
    // As Helm says it: "failed to parse <file>: ...".
    throw new Error(`failed to parse ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (doc === undefined || doc === null) return {};
  if (!isObject(doc)) throw new Error(`${path}: a values file must hold a YAML mapping at the top level`);
  return doc as JsonObject;
}

const INT64_MAX = 2n ** 63n - 1n;

/** Helm strvals typedVal: true/false/null (any case), and int64s (Go's ParseInt) not starting with 0. */
function typedValue(raw: string): Json {
  if (/^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  if (/^null$/i.test(raw)) return null;
  if (raw === "0") return 0;
  if (/^[+-]?[0-9]+$/.test(raw) && raw[0] !== "0") {
    const n = BigInt(raw);
    if (n <= INT64_MAX && n >= -INT64_MAX - 1n) return Number(n);
  }
  return raw;
}

/**
 * Helm's strvals limits (helm pkg/strvals/parser.go at v3.17.2 and v4.1.4: MaxIndex = 65536, MaxNestedNameLevel = 30),
 * with Helm's wording. Without the index limit `--set a[99999999]=x` would build a list of 10^8 entries.
 */
export const MAX_INDEX = 65536;
const MAX_NESTED_NAME_LEVEL = 30;

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

const unescapeSet = (s: string) => s.replace(/\\(.)/g, "$1");

/** How a --set flavour turns the text after `=` into a value. */
type ValueReader = (raw: string) => Json;

/** One --set argument (`a.b=1,c[0]=x,d={p,q}`) as a values object, like Helm's strvals.ParseInto;
 * `read` types each value (--set), keeps it a string (--set-string) or reads a file (--set-file). */
export function parseSet(
  expr: string,
  into: JsonObject = {},
  read: ValueReader = typedValue,
  flag = "--set",
): JsonObject {
  for (const assignment of splitTop(expr, ",")) {
    if (assignment === "") continue;
    const eq = splitTop(assignment, "=");
    if (eq.length < 2)
      throw new Error(`failed parsing ${flag} data: key ${JSON.stringify(unescapeSet(assignment))} has no value`);
    const [key, ...rest] = eq;
    const rawValue = rest.join("=");
    const value: Json =
      rawValue.startsWith("{") && rawValue.endsWith("}")
        ? splitTop(rawValue.slice(1, -1), ",")
            .filter((x) => x !== "")
            .map((x) => read(unescapeSet(x)))
        : read(unescapeSet(rawValue));
    setPath(into, parseKey(key, flag), value);
  }
  return into;
}

/** The end (exclusive) of the JSON value starting at `from`: a bracketed value ends at its closing bracket, a
 * scalar at the next top-level comma. */
function jsonValueEnd(s: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      if (!inString && depth === 0) return i + 1;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth <= 0) return i + 1;
    } else if (c === "," && depth === 0) return i;
  }
  return s.length;
}

/** One --set-json argument (`a.b={"x":1},c=[1,2]`), like Helm's strvals.ParseJSON; an empty value is null. */
function parseSetJson(expr: string, into: JsonObject = {}): JsonObject {
  const fail = () => new Error(`failed parsing --set-json data ${expr}`);
  let i = 0;
  while (i < expr.length) {
    const eq = expr.indexOf("=", i);
    if (eq < 0) throw fail();
    const key = expr.slice(i, eq);
    let start = eq + 1;
    while (start < expr.length && /\s/.test(expr[start])) start++;
    const end = start >= expr.length || expr[start] === "," ? start : jsonValueEnd(expr, start);
    let value: Json = null;
    if (end > start) {
      try {
        value = JSON.parse(expr.slice(start, end)) as Json;
      } catch {
        throw fail();
      }
    }
    setPath(into, parseKey(key, "--set-json"), value);
    i = end;
    while (i < expr.length && /[\s,]/.test(expr[i])) i++;
  }
  return into;
}

type Segment = string | number;

function parseKey(key: string, flag: string): Segment[] {
  const segs: Segment[] = [];
  const parts = splitTop(key, ".");
  if (parts.length - 1 > MAX_NESTED_NAME_LEVEL)
    throw new Error(
      `failed parsing ${flag} data: value name nested level is greater than maximum supported nested level of ${MAX_NESTED_NAME_LEVEL}`,
    );
  for (const part of parts) {
    const m = /^(.*?)((\[-?[0-9]+\])*)$/.exec(part)!;
    if (m[1] !== "") segs.push(unescapeSet(m[1]));
    for (const idx of m[2].matchAll(/\[(-?[0-9]+)\]/g)) {
      const n = Number(idx[1]);
      if (n < 0) throw new Error(`failed parsing ${flag} data: negative ${idx[1]} index not allowed`);
      if (n > MAX_INDEX)
        throw new Error(
          `failed parsing ${flag} data: index of ${idx[1]} is greater than maximum supported index of ${MAX_INDEX}`,
        );
      segs.push(n);
    }
  }
  if (segs.length === 0) throw new Error(`failed parsing ${flag} data: empty key in ${JSON.stringify(key)}`);
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

/** How many times the input reads standard input ("-" as a values file or a --set-file path). */
export function stdinReads(input: ValuesInput): number {
  const fileValues = (input.setFiles ?? []).flatMap((e) =>
    splitTop(e, ",").map((a) => unescapeSet(splitTop(a, "=").slice(1).join("="))),
  );
  return [...(input.files ?? []), ...fileValues].filter((p) => p.trim() === "-").length;
}

/** The user-supplied values, merged in Helm's order whatever the order on the command line: -f files, then
 * --set-json, --set, --set-string, --set-file (helm pkg/cli/values/options.go, MergeValues, v3.17.2). */
function userValues(input: ValuesInput): JsonObject {
  let user: JsonObject = {};
  for (const f of input.files ?? []) user = mergeUser(user, readYamlObject(f, input.stdin));
  for (const s of input.setJsons ?? []) parseSetJson(s, user);
  for (const s of input.sets ?? []) parseSet(s, user);
  for (const s of input.setStrings ?? []) parseSet(s, user, (raw) => raw, "--set-string");
  for (const s of input.setFiles ?? []) parseSet(s, user, (path) => readInput(path, input.stdin), "--set-file");
  return user;
}

/** The values Helm validates and renders with: defaults <- user values. */
export function mergeValues(input: ValuesInput, chart = chartDir): JsonObject {
  return coalesce(chart === chartDir ? defaultValues() : chartDefaults(chart), userValues(input));
}
