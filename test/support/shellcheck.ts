// shellcheck is a Debian package: .ci/run installs it and sets CI. Without it a test must fail under CI and skip,
// saying so, elsewhere (a fresh machine's `npm test` passes; CI never passes without checking).
import { execa } from "execa";

/** The subset of vitest's test context this needs. */
interface Skippable {
  skip(note?: string): void;
}

/** True when shellcheck runs; otherwise throws under CI, or skips the test with a note. */
export async function shellcheckAvailable(ctx: Skippable, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const r = await execa("shellcheck", ["--version"], { reject: false, env, extendEnv: false });
  if (r.exitCode === 0) return true;
  if (env.CI) throw new Error("shellcheck is required under CI (.ci/run installs it: apt-get install -y shellcheck)");
  ctx.skip("shellcheck is not installed (apt-get install -y shellcheck)");
  return false;
}
