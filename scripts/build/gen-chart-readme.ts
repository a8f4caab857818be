// Writes the generated part of chart/README.md (what `helm show readme` prints): the values table from
// values.schema.json, between `<!-- values:start -->` and `<!-- values:end -->`. The rest of the file is written
// by hand. test/chart-readme.test.ts fails on drift.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { replaceBlock, valuesTable } from "./gen-readme.js";
import { chartDir } from "../tools.js";
import { isMain } from "./is-main.js";

export const chartReadmePath = join(chartDir, "README.md");

/** chart/README.md as the generator wants it, from the file as it is. */
export function chartReadmeSource(current = readFileSync(chartReadmePath, "utf8")): string {
  return replaceBlock(current, "values", valuesTable());
}

if (isMain(import.meta.url)) {
  writeFileSync(chartReadmePath, chartReadmeSource());
  console.log(`wrote ${chartReadmePath}`);
}
