// Copies the root values.schema.json into chart/ byte for byte: Helm validates with the chart's copy, the harness
// with the root one. test/generated.test.ts fails when they differ.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { chartDir, repoRoot } from "../tools.js";
import { isMain } from "./is-main.js";

export const rootSchemaPath = join(repoRoot, "values.schema.json");
export const chartSchemaPath = join(chartDir, "values.schema.json");

if (isMain(import.meta.url)) {
  copyFileSync(rootSchemaPath, chartSchemaPath);
  console.log(`wrote ${chartSchemaPath}`);
}
