// YAML as Helm reads values files. Helm 3 and Helm 4 parse them with sigs.k8s.io/yaml, whose scalar resolution is
// go-yaml v2's (YAML 1.1): `yes`, `no`, `on`, `off`, `y` and `n` are booleans, `1_000` and `0b11` are integers,
// `017` is octal. js-yaml's default schema follows YAML 1.2, where all of those are strings (or decimal), so a
// harness reading a hand-typed `create: yes` with it would refuse what Helm accepts, and accept `tag: 1_0`,
// which Helm refuses. This schema resolves plain scalars the way go-yaml v2 does (resolve.go), and dumping with it
// quotes every string Helm would read as something else. Checked against Helm 3.17 and 4.1 (test/helm-yaml.test.ts).
// Two more habits of Helm's reader: a repeated key is not an error (the last one wins), and .inf/.nan anywhere make
// the whole file unreadable (sigs.k8s.io/yaml converts to JSON, which has no such numbers).
// Not mimicked: a null map key (`~: x`; Helm refuses the file, here the key is "null") and the !!binary and
// !!timestamp tags (js-yaml refuses them).
import yaml from "js-yaml";

const BOOL_TRUE = new Set(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const BOOL_FALSE = new Set(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);
const NULLS = new Set(["~", "null", "Null", "NULL", ""]);
const SPECIAL_FLOATS: Record<string, number> = {
  ".nan": NaN,
  ".NaN": NaN,
  ".NAN": NaN,
  ".inf": Infinity,
  ".Inf": Infinity,
  ".INF": Infinity,
  "+.inf": Infinity,
  "+.Inf": Infinity,
  "+.INF": Infinity,
  "-.inf": -Infinity,
  "-.Inf": -Infinity,
  "-.INF": -Infinity,
};
/** go-yaml v2's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's strconv.ParseInt(s, 0, 64) on a string whose underscores go-yaml already removed: an optional sign, then
 * 0x/0X hex, 0o/0O or leading-0 octal, 0b/0B binary, or decimal. */
function goParseInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const [, sign, body] = m;
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith("0")) n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  const v = sign === "-" ? -n : n;
  // int64, or uint64 for the positive ones Go's ParseInt overflows on (go-yaml v2 tries ParseUint next).
  return v >= -(2 ** 63) && v <= 2 ** 64 ? v : undefined;
}

/** A plain scalar as go-yaml v2 resolves it. Timestamps stay the strings they were typed as (Helm reads
 * `2001-12-14` as a string). */
export function resolveGoYamlV2(plain: string): null | boolean | number | string {
  // js-yaml asks every implicit type in turn about the same scalar: remember the last answer.
  if (plain === last.plain) return last.value;
  const value = resolveUncached(plain);
  last.plain = plain;
  last.value = value;
  return value;
}
const last: { plain: string | undefined; value: null | boolean | number | string } = { plain: undefined, value: null };

function resolveUncached(plain: string): null | boolean | number | string {
  if (NULLS.has(plain)) return null;
  if (BOOL_TRUE.has(plain)) return true;
  if (BOOL_FALSE.has(plain)) return false;
  if (plain in SPECIAL_FLOATS) return SPECIAL_FLOATS[plain];
  if (/^[-+.0-9]/.test(plain)) {
    const noUnderscores = plain.replace(/_/g, "");
    const i = goParseInt(noUnderscores);
    if (i !== undefined) return i;
    if (YAML_STYLE_FLOAT.test(noUnderscores)) return Number(noUnderscores);
    const bin = /^(-?)0b([01]+)$/.exec(noUnderscores);
    if (bin) return (bin[1] ? -1 : 1) * parseInt(bin[2], 2);
  }
  return plain;
}

const scalar = (
  tag: string,
  test: (v: unknown) => boolean,
  is: (v: unknown) => boolean,
  represent: (v: never) => string,
) =>
  new yaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (data: string | null) => test(resolveGoYamlV2(data ?? "")),
    construct: (data: string | null) => resolveGoYamlV2(data ?? ""),
    predicate: is,
    represent: represent as unknown as (data: object) => string,
  });

const nullType = scalar(
  "null",
  (v) => v === null,
  (v) => v === null,
  () => "null",
);
const boolType = scalar(
  "bool",
  (v) => typeof v === "boolean",
  (v) => typeof v === "boolean",
  (v: boolean) => (v ? "true" : "false"),
);
const intType = scalar(
  "int",
  (v) => typeof v === "number" && Number.isInteger(v),
  (v) => typeof v === "number" && Number.isInteger(v),
  (v: number) => String(v),
);
// Any number resolves as a float (an explicit `!!float 1` is 1); implicit integers were already taken by intType.
const floatType = scalar(
  "float",
  (v) => typeof v === "number",
  (v) => typeof v === "number" && !Number.isInteger(v),
  (v: number) => (Number.isNaN(v) ? ".nan" : v === Infinity ? ".inf" : v === -Infinity ? "-.inf" : String(v)),
);

/** The schema: YAML's failsafe (strings, maps, lists) with go-yaml v2's implicit scalars and merge keys. */
const mergeType = (yaml as unknown as { types: { merge: yaml.Type } }).types.merge;
export const HELM_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, mergeType],
});

/** Thrown where Helm refuses to read the file at all. */
export class HelmYamlError extends Error {}

function rejectNonFinite(node: unknown): void {
  if (typeof node === "number" && !Number.isFinite(node))
    throw new HelmYamlError(
      `error converting YAML to JSON: json: unsupported value: ${node > 0 ? "+Inf" : node < 0 ? "-Inf" : "NaN"}`,
    );
  if (node && typeof node === "object") for (const v of Object.values(node)) rejectNonFinite(v);
}

/** A values file as Helm reads it: go-yaml v2 scalars, last duplicate key wins, no infinities or NaN. */
export function loadHelmYaml(text: string): unknown {
  const doc = yaml.load(text, { schema: HELM_YAML_SCHEMA, json: true });
  rejectNonFinite(doc);
  return doc;
}

export function dumpHelmYaml(value: unknown): string {
  return yaml.dump(value, { schema: HELM_YAML_SCHEMA });
}
