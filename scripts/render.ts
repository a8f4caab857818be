// Renders the chart with `helm template` (execa) and parses the multi-document output into objects.
import yaml from "js-yaml";
import { _child_process } from "./_child_process.js";
import { HELM_YAML_SCHEMA } from "./helm-yaml.js";
import { DEFAULT_RELEASE_NAME, RELEASE_NAMESPACE } from "./release.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import { chartDir, helmBin, HelmNotFoundError, type HelmMajor } from "./tools.js";
import type { ValuesInput } from "./values.js";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface RenderOptions extends ValuesInput {
  helm?: HelmMajor;
  /** --kube-version, e.g. 1.26 or v1.26.3-aliyun.1. */
  kubeVersion?: string;
  /** --api-versions entries (group/version or group/version/Kind) the target cluster serves. */
  apiVersions?: string[];
  namespace?: string;
  releaseName?: string;
  includeCrds?: boolean;
  chart?: string;
  /** The environment helm is found in and runs with (HELM_BIN, PATH); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

export class HelmError extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode: number | undefined,
  ) {
    super(stderr.trim() || `helm exited with ${exitCode}`);
  }

  /** Helm's reason in one line: its `Error:` line without the prefix and the template location. */
  get reason(): string {
    const error = this.message.split("\n").find((l) => l.startsWith("Error: ")) ?? this.message.split("\n")[0];
    const details = this.message.split("\n").filter((l) => /^- /.test(l));
    return [error.replace(/^Error: /, "").replace(/^execution error at \([^)]*\): /, ""), ...details].join(" ");
  }
}

export function helmTemplateArgs(o: RenderOptions): string[] {
  const args = [
    "template",
    o.releaseName ?? DEFAULT_RELEASE_NAME,
    o.chart ?? chartDir,
    "--namespace",
    o.namespace ?? RELEASE_NAMESPACE,
  ];
  for (const f of o.files ?? []) args.push("--values", f);
  for (const s of o.setJsons ?? []) args.push("--set-json", s);
  for (const s of o.sets ?? []) args.push("--set", s);
  for (const s of o.setStrings ?? []) args.push("--set-string", s);
  for (const s of o.setFiles ?? []) args.push("--set-file", s);
  if (o.kubeVersion) args.push("--kube-version", o.kubeVersion);
  for (const a of o.apiVersions ?? []) args.push("--api-versions", a);
  if (o.includeCrds) args.push("--include-crds");
  return args;
}

/** Raw `helm template`; throws HelmError (Helm's own message) when Helm refuses. `signal` stops Helm early. */
export async function helmTemplate(
  o: RenderOptions,
  signal?: AbortSignal,
): Promise<{ manifest: string; stderr: string }> {
  const env = o.env ?? process.env;
  const bin = helmBin(o.helm, env);
  // Helm reads standard input only for "-" (a values file or --set-file path): it gets the text the harness read.
  const r = await _child_process.execa(bin, helmTemplateArgs(o), {
    reject: false,
    cancelSignal: signal,
    env,
    extendEnv: false,
    ...(o.stdin === undefined ? { stdin: "ignore" as const } : { input: o.stdin }),
  });
  if (r.isCanceled) throw new Error("helm template was cancelled");
  if (r.failed && r.exitCode === undefined)
    throw new HelmNotFoundError(`could not run ${bin}: ${r.originalMessage ?? r.message}`);
  if (r.exitCode !== 0) throw new HelmError(r.stderr, r.exitCode);
  return { manifest: r.stdout, stderr: r.stderr };
}

export function parseManifests(text: string): KubeObject[] {
  // Parsed as the API server's client (sigs.k8s.io/yaml, go-yaml v2 scalars) would: an unquoted `on` is a boolean.
  return yaml
    .loadAll(text, undefined, { schema: HELM_YAML_SCHEMA })
    .filter((d): d is KubeObject => typeof d === "object" && d !== null);
}

export async function render(
  o: RenderOptions,
  signal?: AbortSignal,
): Promise<{ objects: KubeObject[]; manifest: string; stderr: string }> {
  const { manifest, stderr } = await helmTemplate(o, signal);
  return { objects: parseManifests(manifest), manifest, stderr };
}

export function find<T = KubeObject>(objects: KubeObject[], kind: string, name?: string): T | undefined {
  return objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as T | undefined;
}

/** The chart's sizing note (the Deployment's terway-relay/sizing annotation), and whether it says no node count
 * was known. Read from the manifest text: the CLI needs this one annotation, so it does not parse the whole
 * manifest (about 70 KB). The chart writes it as one double-quoted scalar (`| quote`), which JSON reads. */
export function sizingNote(manifest: string): { note?: string; unknownNodes: boolean } {
  const m = /^ +terway-relay\/sizing: ("(?:[^"\\]|\\.)*")$/m.exec(manifest);
  const note = m ? (JSON.parse(m[1]) as string) : undefined;
  return { note, unknownNodes: note?.includes("node count unknown") ?? false };
}
