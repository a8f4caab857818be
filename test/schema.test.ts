// The values contract itself: shape rules that keep Helm 3, Helm 4 and ajv in agreement, values.yaml in line with
// the schema's defaults, and one loader that reads the schema only when asked.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { valuesSchema } from "../scripts/schema.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { checkValues, validateValues } from "../scripts/validate.js";
import { chartDefaults, coalesce } from "../scripts/values.js";

interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  additionalProperties?: unknown;
  required?: string[];
  $ref?: string;
  [k: string]: unknown;
}

const schema = valuesSchema() as Node & { definitions: Record<string, Node> };

/** Every value property, with its dotted path (definitions are reached through $ref and checked separately). */
function properties(node: Node = schema, prefix = ""): [string, Node][] {
  return Object.entries(node.properties ?? {}).flatMap(([k, v]) => [
    [`${prefix}${k}`, v] as [string, Node],
    ...properties(v, `${prefix}${k}.`),
  ]);
}

function allNodes(node: unknown, path = "#"): [string, Record<string, unknown>][] {
  if (typeof node !== "object" || node === null) return [];
  const here: [string, Record<string, unknown>][] = Array.isArray(node)
    ? []
    : [[path, node as Record<string, unknown>]];
  return here.concat(Object.entries(node).flatMap(([k, v]) => allNodes(v, `${path}/${k}`)));
}

describe("values.schema.json", () => {
  it("is draft-07 with a title", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.title).toBeTruthy();
  });

  // region alone has no default: without it helm lint, template and install refuse the chart (a default would let
  // `helm lint` pass, since Helm's lint mode only logs a template's fail).
  const NO_DEFAULT = ["region"];

  it("gives every value property a description, and every leaf but region a default (an object's default is its leaves')", () => {
    for (const [path, node] of properties()) {
      expect(node.description, `${path} description`).toBeTruthy();
      if (NO_DEFAULT.includes(path)) expect(node, `${path} has no default`).not.toHaveProperty("default");
      else if (!node.properties) expect(node, `${path} default`).toHaveProperty("default");
    }
  });

  it("closes every object (additionalProperties false, or a typed map) and requires every declared key", () => {
    for (const [path, node] of allNodes(schema)) {
      // if/then branches are conditions on objects the schema closes where it declares them.
      if (node.type !== "object" || /\/(if|then)\//.test(path)) continue;
      if (node.properties) {
        expect(node.additionalProperties, `${path}`).toBe(false);
        if (!path.includes("/definitions/"))
          expect(node.required, path).toEqual(Object.keys(node.properties as object));
      } else
        expect(node.additionalProperties, `${path} must type its map values`).toMatchObject({
          type: expect.any(String),
        });
    }
  });

  it("avoids keywords that Helm 3.17, Helm 4 and ajv treat differently, and file references", () => {
    for (const [path, node] of allNodes(schema)) {
      expect(node, path).not.toHaveProperty("format");
      if (typeof node.$ref === "string") expect(node.$ref, path).toMatch(/^#\/definitions\//);
      for (const k of ["$defs", "dependentRequired", "unevaluatedProperties", "prefixItems"])
        expect(node, path).not.toHaveProperty(k);
    }
  });

  it("limits lengths only of ASCII-only strings (the validator counts .length, Helm counts code points)", () => {
    for (const [path, node] of allNodes(schema)) {
      if (!("minLength" in node || "maxLength" in node)) continue;
      expect(node.pattern, `${path} needs an ASCII-only pattern`).toEqual(expect.any(String));
      // No wildcard, negated class or escape that could admit a non-ASCII character.
      expect(String(node.pattern), path).not.toMatch(/(^|[^\\])\.|\[\^|\\[pPuxSWD]/);
    }
  });

  it("has the same defaults as chart/values.yaml, key for key", () => {
    const defaults = chartDefaults();
    for (const [path, node] of properties()) {
      if (node.properties) continue;
      const value = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], defaults);
      expect(value, path).toEqual(node.default);
    }
  });

  it("accepts the chart defaults once a region is given, and rejects them without one, saying region is required", () => {
    expect(checkValues(coalesce(chartDefaults(), { region: "cn-hangzhou" })).problems).toEqual([]);
    // No default: the schema requires it, and the harness adds the key's description to "is required".
    expect(checkValues(chartDefaults()).problems).toEqual([
      { path: "region", message: expect.stringMatching(/^is required: Alibaba Cloud region id/) },
    ]);
    // Set but empty: the chart says it in words.
    expect(checkValues(coalesce(chartDefaults(), { region: "" })).problems).toEqual([
      { path: "region", message: expect.stringMatching(/^region is required: /) },
    ]);
  });

  it("opens values.yaml with the yaml-language-server modeline pointing at the chart's schema", () => {
    expect(readFileSync(join(chartDir, "values.yaml"), "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=values.schema.json",
    );
  });

  it.each([
    "cn-hangzhou",
    "ap-southeast-1",
    "cn-shanghai-finance-1",
    "us-west-1",
    "cn-north-2-gov-1",
    "eu-central-1",
    "me-east-1",
  ])("accepts region %s", (region) => expect(validateValues(coalesce(chartDefaults(), { region }))).toEqual([]));
});

describe("scripts/schema.ts loads values.schema.json", () => {
  // A fresh node records every readFileSync while it imports the compiled runtime modules (npm test builds dist/
  // first), then asks for the defaults twice. cli.js is left out: importing it runs the CLI.
  const probe = `
    import fs from "node:fs";
    import { syncBuiltinESMExports } from "node:module";
    const reads = [];
    const readFileSync = fs.readFileSync;
    // Node's CommonJS loader reads dependencies' sources with it too: those are code, not data.
    fs.readFileSync = (...a) => (String(a[0]).includes("/node_modules/") || reads.push(String(a[0])), readFileSync(...a));
    syncBuiltinESMExports();
    for (const m of JSON.parse(process.argv[1])) await import(m);
    const atImport = [...reads];
    const { defaultValues } = await import(${JSON.stringify(join(repoRoot, "dist/scripts/schema.js"))});
    defaultValues();
    defaultValues();
    console.log(JSON.stringify({ atImport, afterUse: reads.slice(atImport.length) }));`;
  // Listed from the sources, not from dist/, so that a module deleted or moved since the last build is not probed.
  const runtimeModules = ["", "commands", "generated"].flatMap((dir) =>
    readdirSync(join(repoRoot, "scripts", dir))
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !(dir === "" && f === "cli.ts"))
      .map((f) => join(repoRoot, "dist/scripts", dir, f.replace(/\.ts$/, ".js"))),
  );

  it("no runtime module reads a file when imported, and the schema is read once, on first use", async () => {
    expect(runtimeModules.length).toBeGreaterThan(15);
    const r = await execa("node", ["--input-type=module", "-e", probe, JSON.stringify(runtimeModules)]);
    const { atImport, afterUse } = JSON.parse(r.stdout) as { atImport: string[]; afterUse: string[] };
    expect(atImport).toEqual([]);
    expect(afterUse).toEqual([join(repoRoot, "values.schema.json")]);
  });
});
