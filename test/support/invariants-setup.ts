// setupFiles entry: the coherence invariants on every render of the real chart/, whichever way a test renders it
// (renderObjects, or scripts/render.ts directly as the hook harness does). Copies of the chart rendered through
// renderObjects are checked there; copies made to be broken (test/chart-mutations.test.ts) or to stub lookup, and the
// preview charts for NOTES and the replica table, are other charts and are left to their own tests.
import { renderObservers } from "../../scripts/render.js";
import { assertInvariants, contextFor, isProjectChart } from "./invariants.js";
import { bump } from "./stats.js";

renderObservers.push((objects, o) => {
  if (!isProjectChart(o)) return;
  bump("invariantCheckedRenders");
  assertInvariants(objects, contextFor(o));
});
