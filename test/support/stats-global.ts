// globalSetup: a directory for the per-file counters, and at the end of the run one line with the totals.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "terway-relay-stats-"));
  project.provide("statsDir", dir);
  const started = Date.now();
  return () => {
    const total: Record<string, number> = {};
    for (const f of readdirSync(dir)) {
      for (const [k, v] of Object.entries(JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, number>))
        total[k] = (total[k] ?? 0) + v;
    }
    rmSync(dir, { recursive: true, force: true });
    const parts = Object.entries(total)
      .sort()
      .map(([k, v]) => `${k}=${v}`);
    console.log(
      `\nterway-relay suite counts: ${parts.join(", ") || "none"} (vitest wall ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  };
}
