// shellcheck is a Debian package: .ci/run installs it and sets CI (support/debian-tool.ts).
import { debianToolAvailable, type Skippable } from "./debian-tool.js";

/** True when shellcheck runs; otherwise throws under CI, or skips the test with a note. */
export function shellcheckAvailable(ctx: Skippable, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return debianToolAvailable({ command: "shellcheck", versionArgs: ["--version"], pkg: "shellcheck" }, ctx, env);
}
