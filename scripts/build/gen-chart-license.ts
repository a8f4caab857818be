// Copies the root LICENSE (Apache-2.0) into chart/ byte for byte, so the packaged chart carries it
// (Artifact Hub and `helm pull` users read the chart's own LICENSE). test/chart-metadata.test.ts fails on drift.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { chartDir, repoRoot } from "../tools.js";
import { isMain } from "./is-main.js";

const rootLicensePath = join(repoRoot, "LICENSE");
const chartLicensePath = join(chartDir, "LICENSE");

if (isMain(import.meta.url)) {
  copyFileSync(rootLicensePath, chartLicensePath);
  console.log(`wrote ${chartLicensePath}`);
}
