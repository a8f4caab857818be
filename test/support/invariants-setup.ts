// setupFiles entry: the coherence invariants on every render of the real chart/, whichever way a test renders it
// (renderObjects, or scripts/render.ts directly as the hook harness does). Copies of the chart rendered through
// renderObjects are checked there; copies made to be broken (test/chart-mutations.test.ts) or to stub lookup, and the
// preview charts for NOTES and the replica table, are other charts and are left to their own tests.
import { renderObservers } from "../../scripts/render.js";
import { assertInvariants, contextFor, isProjectChart } from "./invariants.js";
import { bump } from "./stats.js";

function checkInvariants(...[objects, o]: Parameters<(typeof renderObservers)[number]>): void {
  if (!isProjectChart(o)) return;
  bump("invariantCheckedRenders");
  assertInvariants(objects, contextFor(o));
}

// With isolate: false (vitest.config.ts) this file runs before every test file of a worker, but scripts/render.js
// is loaded once per worker: register the observer once, not once per file.
if (!renderObservers.some((f) => f.name === checkInvariants.name)) renderObservers.push(checkInvariants);
