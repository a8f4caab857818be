// The hook's safety properties, each pinned by a scenario (test/support/hook-safety.ts) that passes with the chart's
// script and fails once the one line holding the property is changed: proof that each test can fail.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot } from "../scripts/tools.js";
import { relaySuite } from "./support/hook-harness.js";
import { SAFETY, type SafetyProperty, without } from "./support/hook-safety.js";

const suite = relaySuite();

// A scenario is a few phases of a dozen kubectl processes each: a safety net for a loaded machine, not a time limit.
const SCENARIO_TIMEOUT = 180_000;

// Properties that share a scenario (1 and 6: the concurrent writer) share its run with the chart's script: the same
// scenario on the same script proves the same thing twice. Each mutated run stays its own.
const realRuns = new Map<SafetyProperty["scenario"], Promise<void>>();
function realRun(p: SafetyProperty): Promise<void> {
  let run = realRuns.get(p.scenario);
  if (!run) realRuns.set(p.scenario, (run = p.scenario(suite.server, suite.relay, suite.relay)));
  return run;
}

describe("the hook keeps its safety properties", () => {
  for (const p of SAFETY) test.concurrent(p.name, () => realRun(p), SCENARIO_TIMEOUT);
});

describe("each property's scenario fails once the property is removed from relay-hook.sh", () => {
  test("the chart ships relay-hook.sh as it is in chart/files", () => {
    expect(suite.relay.script).toBe(readFileSync(join(repoRoot, "chart/files/relay-hook.sh"), "utf8"));
  });
  for (const p of SAFETY) {
    test.concurrent(
      `${p.name}: fails without the line marked \`# safety: ${p.mutation.marker}\``,
      async () => {
        const mutated = { ...suite.relay, script: without(suite.relay.script, p) };
        // An assertion of the scenario fails (not a missing line or a crashed harness).
        await expect(p.scenario(suite.server, mutated, suite.relay)).rejects.toThrow(/expected/);
      },
      SCENARIO_TIMEOUT,
    );
  }
});
