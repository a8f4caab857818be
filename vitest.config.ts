import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // helm and kubectl are child processes: give slow (or shared) machines room, but no test asserts on time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // vitest 4 defaults to cores - 1 workers (one on a 2-core machine): the files spend most of their time waiting
    // on helm and kubectl children, so one worker per core keeps both cores busy.
    maxWorkers: Math.max(2, availableParallelism()),
    // A worker runs its files one after another in one module graph: the support modules load once, and the shared
    // render cache (test/support/renders.ts) serves every file of that worker. The setup file is written for it:
    // it wraps the helm call once and hands each file's counters over only once.
    isolate: false,
    // Concurrent tests (the hook scenarios) at once per worker, each spawning kubectl processes one after another.
    maxConcurrency: 4,
    // helm and kubectl are Go programs that live for a fraction of a second: garbage collection only costs them time.
    env: { GOGC: "off" },
    // Counters (helm renders, property cases, corpus files) summed over all files and printed at the end.
    globalSetup: ["test/support/stats-global.ts"],
    setupFiles: ["test/support/stats-setup.ts"],
  },
});
