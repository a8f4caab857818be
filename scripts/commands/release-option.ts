// --release, as the commands that name a Helm release declare and check it (adopt, doctor).
import { DEFAULT_RELEASE_NAME } from "../release.js";
import { type OptionSpec, type ParsedArgs, UsageError, str } from "./spec.js";

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

export const releaseOption: Record<"release", OptionSpec> = {
  release: { type: "string", arg: "NAME", help: `Helm release name (default ${DEFAULT_RELEASE_NAME})` },
};

/** --release as given (undefined when not), refused as Helm refuses it. */
export function releaseName(a: ParsedArgs): string | undefined {
  const release = str(a, "release");
  if (release !== undefined) {
    const problem = releaseNameProblem(release);
    if (problem) throw new UsageError(`--release ${JSON.stringify(release)}: ${problem}`);
  }
  return release;
}
