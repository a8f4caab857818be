// What render and check-image share: the `helm template` options and the render after every check the chart makes.
import type { HelmMajor } from "../tools.js";
import { type CliIo, Failure, type OptionSpec, type ParsedArgs, UsageError, flag, line, str, strings } from "./spec.js";
import {
  checkedValues,
  namespaceOption,
  terwayArg,
  terwayOption,
  valuesInput,
  valuesOptions,
} from "./values-options.js";

function helmMajor(raw: string | undefined): HelmMajor | undefined {
  if (raw === undefined) return undefined;
  if (raw !== "3" && raw !== "4") throw new UsageError(`--helm must be 3 or 4, got ${JSON.stringify(raw)}`);
  return Number(raw) as HelmMajor;
}

export const renderOptions: Record<string, OptionSpec> = {
  ...valuesOptions,
  namespace: namespaceOption,
  "terway-version": terwayOption,
  "kube-version": {
    type: "string",
    arg: "V",
    help: "Kubernetes version to render for, e.g. 1.26 or v1.26.3-aliyun.1",
  },
  "api-versions": {
    type: "string",
    multiple: true,
    arg: "G/V[/K]",
    help: "API version the cluster serves (repeatable, or comma-separated)",
  },
  "include-crds": { type: "boolean", help: "include the chart's CRDs (crds/) in the manifest" },
  helm: {
    type: "string",
    arg: "3|4",
    help: "use this repository's provisioned Helm major (.tools/helm3 or .tools/helm4) instead of HELM_BIN or PATH",
  },
};

/** The manifest `helm template` prints for the parsed render options, once the values pass every check the chart
 * makes (a Failure listing the problems otherwise); the sizing warning goes to stderr. */
export async function checkedManifest(a: ParsedArgs, io: CliIo): Promise<string> {
  const helm = helmMajor(str(a, "helm"));
  const terway = await terwayArg(a);
  const input = await valuesInput(a, io);
  const { helmTemplate, sizingNote, HelmError } = await import("../render.js");
  // `helm template` changes nothing, so it runs while the values are checked (the two together cost about what
  // Helm alone does); its output is used only once the values pass, and Helm is stopped whenever they do not.
  const cancel = new AbortController();
  const rendering = helmTemplate(
    {
      ...input,
      helm,
      env: io.env,
      namespace: str(a, "namespace"),
      kubeVersion: str(a, "kube-version"),
      apiVersions: strings(a, "api-versions").flatMap((v) => v.split(",")),
      includeCrds: flag(a, "include-crds"),
    },
    cancel.signal,
  );
  rendering.catch(() => undefined); // awaited below, or abandoned with the refused values
  try {
    await checkedValues(input, io, str(a, "namespace"), terway);
  } catch (e) {
    cancel.abort();
    throw e;
  }
  let manifest: string;
  try {
    manifest = (await rendering).manifest;
  } catch (e) {
    if (e instanceof HelmError) throw new Failure(`helm template refused the values: ${e.reason}`);
    throw e;
  }
  const sizing = sizingNote(manifest);
  if (sizing.unknownNodes) line(io.stderr, `warning: ${sizing.note}`);
  return manifest;
}
