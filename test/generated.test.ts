// Everything derived from values.schema.json, or from the chart's own tables, must be regenerated when its source
// changes (`npm run gen`).
import { readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { chartSchemaPath, rootSchemaPath } from "../scripts/build/gen-chart-schema.js";
import { docPath, docSource, generatedPages } from "../scripts/build/gen-docs.js";
import { typesPath, typesSource } from "../scripts/build/gen-types.js";
import { validatorPath, validatorSource } from "../scripts/build/gen-validator.js";
import { felixRows, terwayTplPath, terwayVersionTable } from "../scripts/felix-table.js";
import { valuesYamlPath, valuesYamlSource } from "../scripts/build/gen-values-yaml.js";
import { loadHelmYaml } from "../scripts/helm-yaml.js";
import { defaultsOf, type ValuesSchema } from "../scripts/schema.js";

const read = (p: string) => readFileSync(p, "utf8");
const hint = "out of date: run `npm run gen` and commit the result";

describe("generated files match values.schema.json", () => {
  it("chart/values.schema.json is byte-identical to the root schema", () => {
    expect(read(chartSchemaPath), hint).toBe(read(rootSchemaPath));
  });
  it("the precompiled validator", () => {
    expect(read(validatorPath), hint).toBe(validatorSource());
  });
  it("the validator loads as plain ESM under Node, outside any bundler", async () => {
    const r = await execa("node", [
      "--input-type=module",
      "-e",
      `import { validate } from ${JSON.stringify(validatorPath)}; console.log(validate({}))`,
    ]);
    expect(r.stdout).toBe("false");
  });
  it("the Values types", async () => {
    expect(read(typesPath), hint).toBe(await typesSource());
  });
  it("chart/values.yaml: each key's description and default", () => {
    expect(read(valuesYamlPath), hint).toBe(valuesYamlSource());
  });
  it.each(generatedPages())("the generated blocks of %s", (page) => {
    const current = read(docPath(page));
    expect(current, hint).toBe(docSource(page, current));
  });
});

/** A _terway.tpl with these felixVersions lines. */
const tplWith = (...lines: string[]) =>
  `{{- define "terway-relay.felixVersions" -}}\n${lines.join("\n")}\n{{- end }}\n`;
const block = (text: string, name: string) =>
  text.slice(
    text.indexOf(`<!-- ${name}:start -->\n`) + `<!-- ${name}:start -->\n`.length,
    text.indexOf(`\n<!-- ${name}:end -->`),
  );

describe("docs/versions.md's Terway version table is the chart's (chart/templates/_terway.tpl, terway-relay.felixVersions)", () => {
  it("docs/versions.md shows the table as generated from the template's rows", () => {
    expect(block(read(docPath("docs/versions.md")), "terway-versions"), hint).toBe(
      terwayVersionTable(felixRows(read(terwayTplPath))),
    );
  });
  it("has one line per row of the chart's table, with its Felix and Typha", () => {
    const rows = felixRows();
    expect(rows.length).toBeGreaterThan(0);
    const lines = terwayVersionTable(rows).split("\n");
    for (const r of rows)
      expect(
        lines.some((l) => l.includes(` | ${r.felix} | \`${r.typha}\``)),
        JSON.stringify(r),
      ).toBe(true);
  });
  it("follows the rows it is given: a new row, a gap and an open end show up, spelled as image tags", () => {
    const table = terwayVersionTable(felixRows(tplWith("1.0.0.0 1.2.0.7 v3.5.2 v3.5.8", "1.3.0.0 - v3.26.1 v3.26.1")));
    expect(table.split("\n").slice(2)).toEqual([
      "| any older | v1.0.0 | none (no row places it) | refused, unless `typha.allowVersionSkew=true` |",
      "| v1.0.0 | v1.2.0.7 | v3.5.2 | `v3.5.8` (the same v3.5 line) |",
      "| v1.2.0.7 | v1.3.0 | none (no row places it) | refused, unless `typha.allowVersionSkew=true` |",
      "| v1.3.0 | every later version | v3.26.1 | `v3.26.1` |",
    ]);
  });
  it.each([
    ["a missing column", "1.0.0.0 - v3.5.2"],
    ["a version that is not A.B.C.D", "1.0.0 - v3.5.2 v3.5.8"],
    ["an extra column", "1.0.0.0 - v3.5.2 v3.5.8 x"],
  ])("refuses a template line with %s rather than guess", (_why, line) => {
    expect(() => felixRows(tplWith(line))).toThrow(/unreadable felixVersions row/);
  });
});

describe("chart/values.yaml's generator handles any schema, not just today's keys", () => {
  const schema: ValuesSchema = {
    properties: {
      name: { description: "A required string without a default.", type: "string", examples: ["x-1"] },
      bare: { type: "string" },
      gitops: {
        description: "A new section.",
        type: "object",
        properties: {
          enabled: { description: "A boolean.", type: "boolean", default: false },
          strategy: { description: "An enum.", type: "string", enum: ["sync", "apply"], default: "sync" },
          extra: { description: "No default here.", type: "object", properties: { inner: { type: "integer" } } },
        },
      },
      list: { description: "A list of maps.", type: "array", default: [{ key: "a", on: "yes" }] },
      tag: { type: "string", default: "1.10" },
      empty: { type: "array", default: [] },
    },
  };
  const text = valuesYamlSource(schema);

  it("writes descriptions as comments, defaults as values, and keys without a default commented out", () => {
    expect(text).toContain("# A required string without a default.\n# name: x-1\n");
    expect(text).toContain("\n# bare:\n");
    expect(text).toContain(
      "# A new section.\ngitops:\n  # A boolean.\n  enabled: false\n  # An enum.\n  strategy: sync\n",
    );
    expect(text).toContain("  # No default here.\n  extra: {}\n    # inner:\n");
    expect(text).toContain('list:\n  - key: a\n    "on": "yes"\n');
    expect(text).toContain('tag: "1.10"');
  });
  it("reads back, as Helm reads it, as the schema's defaults", () => {
    expect(loadHelmYaml(text)).toEqual(defaultsOf(schema));
  });
});
