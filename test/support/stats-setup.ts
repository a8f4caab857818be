// setupFiles entry: after each test file, write its counters where the global teardown can add them up.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import { _child_process } from "../../scripts/_child_process.js";
import { bump, counters } from "./stats.js";

// Every `helm template` of the chart (or a mutated copy) that scripts/render.ts runs, cached renders or not, the
// CLI's in-process ones included; the "renders" counter is the subset that went through the shared cache
// (support/renders.ts). With isolate: false (vitest.config.ts) this file runs before every test file of a worker,
// but scripts/_child_process.js is loaded once per worker: wrap it once.
const COUNTED = Symbol.for("terway-relay.countsHelmTemplate");
if (!(COUNTED in _child_process.execa)) {
  const execa = _child_process.execa as unknown as (
    file: string,
    args?: readonly string[],
    options?: object,
  ) => unknown;
  const counting = (file: string, args?: readonly string[], options?: object) => {
    if (args?.[0] === "template") bump("helmTemplateCalls");
    return execa(file, args, options);
  };
  _child_process.execa = Object.assign(counting, { [COUNTED]: true }) as unknown as typeof _child_process.execa;
}

afterAll(() => {
  const dir = inject("statsDir");
  const counted = { ...counters };
  // With isolate: false (vitest.config.ts) the next file of this worker shares these modules: hand each count over once.
  for (const k of Object.keys(counters)) delete counters[k];
  if (!dir || Object.keys(counted).length === 0) return;
  writeFileSync(
    join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`),
    JSON.stringify(counted),
  );
});

declare module "vitest" {
  export interface ProvidedContext {
    statsDir: string;
  }
}
