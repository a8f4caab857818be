// Debian packages the suite runs for real (shellcheck, promtool from prometheus): .ci/run installs them and sets CI.
// Without one a test must fail under CI and skip, saying so, elsewhere (a fresh machine's `npm test` passes; CI
// never passes without checking).
import { execa } from "execa";

/** The subset of vitest's test context this needs. */
export interface Skippable {
  skip(note?: string): void;
}

/** A command, the arguments that make it print its version, and the Debian package that installs it. */
export interface DebianTool {
  command: string;
  versionArgs: string[];
  pkg: string;
}

/** True when the tool runs; otherwise throws under CI, or skips the test with a note. */
export async function debianToolAvailable(
  tool: DebianTool,
  ctx: Skippable,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const r = await execa(tool.command, tool.versionArgs, { reject: false, env, extendEnv: false });
  if (r.exitCode === 0) return true;
  if (env.CI)
    throw new Error(`${tool.command} is required under CI (.ci/run installs it: apt-get install -y ${tool.pkg})`);
  ctx.skip(`${tool.command} is not installed (apt-get install -y ${tool.pkg})`);
  return false;
}
