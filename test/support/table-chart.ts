// A throwaway chart holding some of the chart's helper templates and one template of the test's own: a helper
// tabulated over many inputs in a single helm call, so Helm has no real objects to build per row.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chartDir } from "../../scripts/tools.js";

/** Writes the chart into a fresh temporary directory and returns it. helpers: file names under chart/templates. */
export function tableChart(name: string, helpers: string[], table: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  mkdirSync(join(dir, "templates"));
  writeFileSync(join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: 0.0.0\n`);
  for (const h of helpers) copyFileSync(join(chartDir, "templates", h), join(dir, "templates", h));
  writeFileSync(join(dir, "templates/table.yaml"), table);
  return dir;
}
