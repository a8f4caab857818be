import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // helm and kubectl are child processes: give slow machines room, but no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Counters (helm renders, property cases, corpus files) summed over all files and printed at the end.
    globalSetup: ["test/support/stats-global.ts"],
    setupFiles: ["test/support/stats-setup.ts", "test/support/invariants-setup.ts"],
  },
});
