// setupFiles entry: after each test file, write its counters where the global teardown can add them up.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import { helmTemplateCalls } from "../../scripts/render.js";
import { counters } from "./stats.js";

afterAll(() => {
  // Every `helm template` of the chart (or a mutated copy) through scripts/render.ts, cached renders or not; the
  // "renders" counter is the subset that went through the shared cache and the invariants (support/renders.ts).
  if (helmTemplateCalls.count) counters.helmTemplateCalls = (counters.helmTemplateCalls ?? 0) + helmTemplateCalls.count;
  helmTemplateCalls.count = 0;
  const dir = inject("statsDir");
  const counted = { ...counters };
  // With isolate: false (vitest.config.ts) the next file of this worker shares these modules: hand each count over once.
  for (const k of Object.keys(counters)) delete counters[k];
  if (!dir || Object.keys(counted).length === 0) return;
  writeFileSync(join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(counted));
});

declare module "vitest" {
  export interface ProvidedContext {
    statsDir: string;
  }
}
