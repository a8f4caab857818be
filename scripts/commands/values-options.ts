// The values flags render, validate and adopt share, spelled as `helm template` spells them.
import { text } from "node:stream/consumers";
import { RELEASE_NAMESPACE } from "../release.js";
import type { TerwayRelayValues } from "../generated/values.js";
import type { ValuesInput } from "../values.js";
import { type CliIo, Failure, type OptionSpec, type ParsedArgs, UsageError, line, str, strings } from "./spec.js";

export const valuesOptions: Record<string, OptionSpec> = {
  values: {
    type: "string",
    short: "f",
    multiple: true,
    arg: "FILE",
    help: "values file, as helm -f (repeatable; - reads standard input)",
  },
  set: {
    type: "string",
    multiple: true,
    arg: "K=V",
    help: "set a value, as helm --set (repeatable; a.b[0]=x, list={a,b})",
  },
  "set-string": {
    type: "string",
    multiple: true,
    arg: "K=V",
    help: "set a value that stays a string, as helm --set-string",
  },
  "set-json": { type: "string", multiple: true, arg: "K=JSON", help: "set a JSON value, as helm --set-json" },
  "set-file": {
    type: "string",
    multiple: true,
    arg: "K=FILE",
    help: "set a value to a file's text, as helm --set-file",
  },
};

/** The values input of parsed arguments (plus extra files, e.g. validate's positionals); reads standard input
 * once when a file or --set-file path is "-". */
export async function valuesInput(a: ParsedArgs, io: CliIo, extraFiles: string[] = []): Promise<ValuesInput> {
  const input: ValuesInput = {
    files: [...extraFiles, ...strings(a, "values")],
    sets: strings(a, "set"),
    setStrings: strings(a, "set-string"),
    setJsons: strings(a, "set-json"),
    setFiles: strings(a, "set-file"),
  };
  const { stdinReads } = await import("../values.js");
  const reads = stdinReads(input);
  if (reads > 1) throw new UsageError("standard input (-) can be read only once: give it to one -f or --set-file");
  if (reads === 1) input.stdin = await text(io.stdin);
  return input;
}

export const namespaceOption: OptionSpec = {
  type: "string",
  short: "n",
  arg: "NS",
  help: `release namespace; the chart allows only ${RELEASE_NAMESPACE}`,
};

export const terwayOption: OptionSpec = {
  type: "string",
  arg: "VERSION",
  help: "the cluster's Terway version or policy image (e.g. v1.9.0): refuse a typha.image.tag its Felix cannot use, as the chart does at install",
};

/** --terway-version when it is a Terway version the chart's table reads; a usage error otherwise. */
export async function terwayArg(a: ParsedArgs): Promise<string | undefined> {
  const terway = str(a, "terway-version");
  if (terway === undefined) return undefined;
  const { terwayVersion } = await import("../felix-table.js");
  if (terwayVersion(terway) === undefined)
    throw new UsageError(
      `--terway-version must be a Terway version or image tag such as v1.9.0 or v1.0.10.333-gfd2b7b8-aliyun, got ${JSON.stringify(terway)}`,
    );
  return terway;
}

/** The merged values once every check the chart makes passes (warnings go to stderr); otherwise a Failure listing
 * every problem. `terway`: the cluster's Terway (--terway-version), for the Typha/Felix pairing. */
export async function checkedValues(
  input: ValuesInput,
  io: CliIo,
  namespace?: string,
  terway?: string,
): Promise<TerwayRelayValues> {
  const [{ mergeValues }, { checkValues, formatProblems }] = await Promise.all([
    import("../values.js"),
    import("../validate.js"),
  ]);
  const verdict = checkValues(mergeValues(input), { namespace, terway });
  if (!verdict.values)
    throw new Failure(
      `invalid values (${verdict.problems.length} ${verdict.problems.length === 1 ? "problem" : "problems"}):`,
      formatProblems(verdict.problems).split("\n"),
    );
  for (const w of verdict.warnings) line(io.stderr, `warning: ${w.path}: ${w.message}`);
  return verdict.values;
}
