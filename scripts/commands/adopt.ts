// terway-relay adopt: the kubectl commands that let the release adopt a relay applied by hand from the guide.
import { DEFAULT_RELEASE_NAME } from "../release.js";
import { type Command, UsageError, flag, line, str } from "./spec.js";
import { checkedValues, valuesInput, valuesOptions } from "./values-options.js";

/**
 * Helm's release name rule (helm v3.17.2 pkg/chartutil/validate_name.go, the same in v4.1.4
 * pkg/chart/v2/util/validate_name.go): validName and maxReleaseNameLen = 53, refused in Helm's words.
 */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_RELEASE_NAME_LENGTH = 53;

function releaseNameProblem(name: string): string | undefined {
  if (name === "") return "no name provided";
  if (name.length > MAX_RELEASE_NAME_LENGTH || !RELEASE_NAME.test(name))
    return `invalid release name, must match regex ${RELEASE_NAME.source} and the length must not be longer than ${MAX_RELEASE_NAME_LENGTH}`;
  return undefined;
}

export const adopt: Command = {
  name: "adopt",
  summary: "print (or with --run, run) the kubectl commands that let the release adopt a relay applied from the guide",
  options: {
    ...valuesOptions,
    release: { type: "string", arg: "NAME", help: `Helm release name (default ${DEFAULT_RELEASE_NAME})` },
    run: {
      type: "boolean",
      help: "run the commands with kubectl against the current context instead of printing them",
    },
  },
  async run(a, io) {
    const release = str(a, "release");
    if (release !== undefined) {
      const problem = releaseNameProblem(release);
      if (problem) throw new UsageError(`--release ${JSON.stringify(release)}: ${problem}`);
    }
    const values = await checkedValues(await valuesInput(a, io), io);
    const { adoptCommands, formatCommands, runAdopt, serviceNote } = await import("../adopt.js");
    const opts = { release, serviceName: values.typha.serviceName };
    const note = serviceNote(opts);
    if (note) line(io.stderr, `note: ${note}`);
    if (!flag(a, "run")) {
      line(io.stdout, formatCommands(adoptCommands(opts)));
      return 0;
    }
    return (await runAdopt(opts, (l) => line(io.stdout, l))) ? 0 : 1;
  },
};
