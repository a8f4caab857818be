// Upgrades keep the user's values with --reset-then-reuse-values, not --reuse-values. Helm's upgrade (helm/helm
// v3.17.2 and v4.1.4, pkg/action/upgrade.go, reuseValues): --reuse-values replaces the new chart's defaults with the
// old release's coalesced values (chart.Values = oldVals), so a key the new chart added is missing and its schema
// refuses the upgrade; --reset-then-reuse-values (since v3.14.0, cmd/helm/upgrade.go) keeps the new chart's defaults
// and lays the old release's user values over them. Offline, a chart copy whose values.yaml holds the old defaults
// stands for the first, and the chart itself with the user's values for the second.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { chartCopy } from "./support/live-chart.js";
import { DOC_PAGES } from "./support/markdown.js";
import { BASE, HELM_MAJORS, renderError, renderObjects } from "./support/renders.js";

/** The user's values of a release installed before the alerts (chart/values.yaml at f912ea0). */
const USER_VALUES = [...BASE, "nodeCount=1000"];
/** The typha keys chart/values.yaml gained since f912ea0; the rest of that file differs only in comments. */
const ADDED_SINCE = ["prometheusRule", "grafanaDashboard"];

/** A copy of the chart whose defaults are the older chart's: what --reuse-values hands the new templates. */
function chartWithOldDefaults(): string {
  const dir = chartCopy("old-defaults-");
  const values = yaml.load(readFileSync(join(chartDir, "values.yaml"), "utf8")) as { typha: Record<string, unknown> };
  for (const key of ADDED_SINCE) {
    expect(values.typha, `typha.${key}`).toHaveProperty(key);
    delete values.typha[key];
  }
  writeFileSync(join(dir, "values.yaml"), yaml.dump(values));
  return dir;
}

describe.each(HELM_MAJORS)("upgrading a release made before typha.prometheusRule (helm %i)", (helm) => {
  it("as --reuse-values merges the values, the schema refuses the keys added since", async () => {
    const error = await renderError({ helm, chart: chartWithOldDefaults(), sets: USER_VALUES });
    for (const key of ADDED_SINCE) expect(error).toContain(key);
  });

  it("as --reset-then-reuse-values merges them (new defaults, then the user's values), it renders", async () => {
    const objects = await renderObjects({ helm, sets: USER_VALUES });
    expect(objects.find((o) => o.kind === "Deployment")?.spec).toMatchObject({ replicas: 5 });
  });
});

it("every helm upgrade shown to users, and the end-to-end run's, passes --reset-then-reuse-values", () => {
  const texts = [...DOC_PAGES, "chart/README.md", "scripts/build/e2e.ts"].map((p) =>
    readFileSync(join(repoRoot, p), "utf8"),
  );
  const upgrades = texts.flatMap((t) => t.split("\n").filter((l) => /helm upgrade \S|"upgrade", o\.release/.test(l)));
  expect(upgrades.length).toBeGreaterThan(4);
  for (const line of upgrades) expect(line, line).toContain("--reset-then-reuse-values");
});
