// shellcheck on the hook script. Under CI (.ci/run installs shellcheck from Debian and sets CI) a missing
// shellcheck fails; elsewhere the test reports itself skipped, never passed.
import { execa } from "execa";
import { join } from "node:path";
import { expect, test } from "vitest";
import { repoRoot } from "../scripts/tools.js";

const script = join(repoRoot, "chart/files/relay-hook.sh");

async function shellcheckVersion(): Promise<string | undefined> {
  const r = await execa("shellcheck", ["--version"], { reject: false });
  return r.exitCode === 0 ? r.stdout : undefined;
}

test("chart/files/relay-hook.sh passes shellcheck as POSIX sh, every severity", async (ctx) => {
  const version = await shellcheckVersion();
  if (!version) {
    if (process.env.CI) throw new Error("shellcheck is required under CI (.ci/run installs it: apt-get install -y shellcheck)");
    ctx.skip("shellcheck is not installed (apt-get install -y shellcheck)");
    return;
  }
  const r = await execa("shellcheck", ["--shell=sh", "--severity=style", "--external-sources", script], { reject: false });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
});
