// setupFiles entry: after each test file, write its counters where the global teardown can add them up.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import { counters } from "./stats.js";

afterAll(() => {
  const dir = inject("statsDir");
  if (!dir || Object.keys(counters).length === 0) return;
  writeFileSync(join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(counters));
});

declare module "vitest" {
  export interface ProvidedContext {
    statsDir: string;
  }
}
