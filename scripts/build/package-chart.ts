// `npm run package`: the release artifacts in dist/chart/, a folder any static web server can serve as a Helm
// chart repository: chart/ as a versioned archive built by `helm package` (terway-relay-<version>.tgz), its
// `index.yaml` (`helm repo index`, relative URLs, so the folder works wherever it is served) and a checksum
// (terway-relay-<version>.tgz.sha256, in `sha256sum -c` format). The same archive is what `helm push` sends to an
// OCI registry. test/release.test.ts checks that the archive renders exactly like the folder;
// test/chart-repo.test.ts serves the folder over HTTP and installs from it, test/oci-registry.test.ts pushes it.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { execa } from "execa";
import { chartDir, helmBin, repoRoot, type HelmMajor } from "../tools.js";
import { isMain } from "./is-main.js";

export const packageDir = join(repoRoot, "dist/chart");

async function helm(args: string[], major?: HelmMajor): Promise<string> {
  const r = await execa(helmBin(major), args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`helm ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Runs `helm package` into `destination` and returns the archive's path (Helm prints it). */
export async function packageChart(destination = packageDir, major?: HelmMajor): Promise<string> {
  mkdirSync(destination, { recursive: true });
  const out = await helm(["package", chartDir, "--destination", destination], major);
  const m = /saved it to: (.+\.tgz)\s*$/m.exec(out);
  if (!m) throw new Error(`helm package did not say where it saved the chart:\n${out}`);
  return m[1].trim();
}

export interface Release {
  archive: string;
  index: string;
  checksum: string;
}

/** The archive's `sha256sum` line: "<hex>  <file name>". */
function checksumLine(archive: string): string {
  return `${createHash("sha256").update(readFileSync(archive)).digest("hex")}  ${basename(archive)}\n`;
}

/** `helm package`, then `helm repo index` over `destination` (every archive in it), then the checksum file. */
export async function packageRelease(destination = packageDir, major?: HelmMajor): Promise<Release> {
  const archive = await packageChart(destination, major);
  await helm(["repo", "index", destination], major);
  const checksum = `${archive}.sha256`;
  writeFileSync(checksum, checksumLine(archive));
  return { archive, index: join(destination, "index.yaml"), checksum };
}

if (isMain(import.meta.url)) {
  const r = await packageRelease();
  console.log([r.archive, r.index, r.checksum].join("\n"));
}
