// setupFiles entry: the coherence invariants on every render of the real chart, whichever way a test renders it.
// Renders through support/renders.ts (renderObjects) are checked there, chart copies included; this also covers
// the tests that call scripts/render.ts directly on chart/ (the hook harness, for one). Copies made to be broken
// (test/chart-mutations.test.ts) or to stub lookup, and the preview charts for NOTES and the replica table, are
// other charts and are left to their own tests.
import { resolve } from "node:path";
import { renderObservers } from "../../scripts/render.js";
import { chartDir } from "../../scripts/tools.js";
import { assertInvariants, contextFor } from "./invariants.js";
import { bump } from "./stats.js";

renderObservers.push((objects, o) => {
  if (o.chart !== undefined && resolve(o.chart) !== chartDir) return;
  bump("invariantCheckedRenders");
  assertInvariants(objects, contextFor(o));
});
