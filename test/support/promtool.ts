// promtool (Debian's prometheus package) on rule files and rule unit tests, written to a temporary directory.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { debianToolAvailable, type Skippable } from "./debian-tool.js";

/** True when promtool runs; otherwise throws under CI, or skips the test with a note. */
export function promtoolAvailable(ctx: Skippable, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return debianToolAvailable({ command: "promtool", versionArgs: ["--version"], pkg: "prometheus" }, ctx, env);
}

/** A Prometheus rule file's groups (a PrometheusRule's spec has the same shape). */
export interface RuleFile {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}

/** Writes each file (name -> YAML-able content) into a fresh temporary directory; returns the directory. */
export function writeFiles(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "terway-relay-promtool-"));
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), yaml.dump(content, { lineWidth: -1, noRefs: true }));
  return dir;
}

/** Runs `promtool <args>` in dir; resolves to its exit code and combined output. */
export async function promtool(dir: string, args: string[]): Promise<{ exitCode: number; output: string }> {
  const r = await execa("promtool", args, { cwd: dir, reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: r.all ?? "" };
}
