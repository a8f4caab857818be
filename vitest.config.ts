import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // helm and kubectl are child processes: give slow machines room, but no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
