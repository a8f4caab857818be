// Everything derived from values.schema.json must be regenerated when the schema changes (`npm run gen`).
import { readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { chartSchemaPath, rootSchemaPath } from "../scripts/build/gen-chart-schema.js";
import { readmePath, readmeSource } from "../scripts/build/gen-readme.js";
import { typesPath, typesSource } from "../scripts/build/gen-types.js";
import { validatorPath, validatorSource } from "../scripts/build/gen-validator.js";

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
    const r = await execa("node", ["--input-type=module", "-e", `import { validate } from ${JSON.stringify(validatorPath)}; console.log(validate({}))`]);
    expect(r.stdout).toBe("false");
  });
  it("the Values types", async () => {
    expect(read(typesPath), hint).toBe(await typesSource());
  });
  it("the README's generated blocks", () => {
    const current = read(readmePath);
    expect(current, hint).toBe(readmeSource(current));
  });
});
