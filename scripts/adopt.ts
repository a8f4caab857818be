// Migration from the ACK guide: a relay applied by hand (kubectl apply of the guide's YAML) becomes part of the
// Helm release. Helm 3 and 4 adopt an existing object when it carries the release's ownership metadata:
// label app.kubernetes.io/managed-by=Helm and annotations meta.helm.sh/release-name/-namespace (helm v3.17.2
// pkg/action/validate.go, existingResourceConflict and checkOwnership). Without it,
// `helm install` stops with "exists and cannot be imported into the current release".
// The guide's Typha objects keep their names and the selector k8s-app: calico-typha (Deployment selectors are
// immutable), which is why the chart uses exactly those. Its bgppeers CRD needs nothing: Helm installs crds/ only
// when absent and never manages them.
import { _child_process } from "./_child_process.js";
import { DEFAULT_RELEASE_NAME, RELEASE_NAMESPACE } from "./release.js";
import { kubectlBin } from "./tools.js";

export interface AdoptOptions {
  /** Helm release name (default DEFAULT_RELEASE_NAME). */
  release?: string;
  /** typha.serviceName of the values the release will use (default calico-typha, the guide's). */
  serviceName?: string;
}

/** The guide's Service name; Felix finds Typha by it (eni-config felix_relay_service). */
export const GUIDE_SERVICE = "calico-typha";

/** The objects the guide creates that the release will render, as kubectl resource/name. With another
 * typha.serviceName the release makes a new Service and the guide's one is left out (see serviceNote). */
export function guideObjects(o: AdoptOptions = {}): { resource: string; name: string }[] {
  return [
    ...((o.serviceName ?? GUIDE_SERVICE) === GUIDE_SERVICE ? [{ resource: "service", name: GUIDE_SERVICE }] : []),
    { resource: "deployment", name: "calico-typha" },
    { resource: "poddisruptionbudget", name: "calico-typha" },
  ];
}

/** What to do about the guide's Service when the release uses another name, or undefined. */
export function serviceNote(o: AdoptOptions): string | undefined {
  const name = o.serviceName ?? GUIDE_SERVICE;
  if (name === GUIDE_SERVICE) return undefined;
  return `typha.serviceName is ${name}, not the guide's ${GUIDE_SERVICE}: the release creates Service ${name} and leaves the guide's Service ${GUIDE_SERVICE} alone; delete it once eni-config points at ${name}`;
}

/** kubectl argument lists, two per object: the ownership label, then the release annotations. */
export function adoptCommands(o: AdoptOptions = {}): string[][] {
  const release = o.release ?? DEFAULT_RELEASE_NAME;
  return guideObjects(o).flatMap(({ resource, name }) => [
    ["-n", RELEASE_NAMESPACE, "label", resource, name, "app.kubernetes.io/managed-by=Helm", "--overwrite"],
    [
      "-n",
      RELEASE_NAMESPACE,
      "annotate",
      resource,
      name,
      `meta.helm.sh/release-name=${release}`,
      `meta.helm.sh/release-namespace=${RELEASE_NAMESPACE}`,
      "--overwrite",
    ],
  ]);
}

/** One argument as a POSIX shell reads it back: bare when it holds only safe characters, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The commands as a user would type them, every argument shell-quoted. */
export function formatCommands(cmds: string[][]): string {
  return cmds.map((c) => ["kubectl", ...c].map(shellQuote).join(" ")).join("\n");
}

/**
 * Runs the commands with kubectl (KUBECTL_BIN or the provisioned one) against the current kube context. An object
 * the guide would have created but that is absent is skipped and reported (e.g. its policy/v1beta1 PDB on
 * Kubernetes 1.25+, where the guide's YAML fails): Helm then simply creates it.
 */
export async function runAdopt(o: AdoptOptions, log: (line: string) => void): Promise<boolean> {
  const kubectl = kubectlBin();
  let ok = true;
  for (const { resource, name } of guideObjects(o)) {
    const get = await _child_process.execa(kubectl, ["-n", RELEASE_NAMESPACE, "get", resource, name, "-o", "name"], {
      reject: false,
    });
    if (get.exitCode === undefined) {
      // No exit code: kubectl did not start (missing or not executable), so every later call would fail the same way.
      log(
        `error: could not run kubectl ${kubectl}: ${get.originalMessage ?? get.message}; set KUBECTL_BIN to a kubectl binary`,
      );
      return false;
    }
    if (get.exitCode !== 0) {
      if (/NotFound|not found/.test(get.stderr)) {
        log(`skip ${resource}/${name}: not found (helm install will create it)`);
        continue;
      }
      log(`error: kubectl get ${resource}/${name}: ${get.stderr.trim()}`);
      ok = false;
      continue;
    }
    for (const cmd of adoptCommands(o).filter((c) => c[3] === resource && c[4] === name)) {
      const r = await _child_process.execa(kubectl, cmd, { reject: false });
      log(r.exitCode === 0 ? `ok   ${formatCommands([cmd])}` : `error: ${formatCommands([cmd])}: ${r.stderr.trim()}`);
      if (r.exitCode !== 0) ok = false;
    }
  }
  return ok;
}
