// `npm run package`: the release artifact, chart/ as a versioned archive built by `helm package`
// (dist/chart/terway-relay-<version>.tgz). test/release.test.ts checks that the versions agree and that the
// archive renders exactly like the folder.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { chartDir, helmBin, isMain, repoRoot, type HelmMajor } from "./tools.js";

export const packageDir = join(repoRoot, "dist/chart");

/** Runs `helm package` into `destination` and returns the archive's path (Helm prints it). */
export async function packageChart(destination = packageDir, helm?: HelmMajor): Promise<string> {
  mkdirSync(destination, { recursive: true });
  const r = await execa(helmBin(helm), ["package", chartDir, "--destination", destination], { reject: false });
  if (r.exitCode !== 0) throw new Error(`helm package failed: ${r.stderr.trim() || r.stdout.trim()}`);
  const m = /saved it to: (.+\.tgz)\s*$/m.exec(r.stdout);
  if (!m) throw new Error(`helm package did not say where it saved the chart:\n${r.stdout}`);
  return m[1].trim();
}

if (isMain(import.meta.url)) {
  console.log(await packageChart());
}
