// shellcheck on the hook script. Under CI (.ci/run installs shellcheck from Debian and sets CI) a missing
// shellcheck fails; elsewhere the test reports itself skipped, never passed (support/shellcheck.ts).
import { execa } from "execa";
import { join } from "node:path";
import { expect, test } from "vitest";
import { repoRoot } from "../scripts/tools.js";
import { shellcheckAvailable } from "./support/shellcheck.js";

const script = join(repoRoot, "chart/files/relay-hook.sh");

test("chart/files/relay-hook.sh passes shellcheck as POSIX sh, every severity", async (ctx) => {
  if (!(await shellcheckAvailable(ctx))) return;
  const r = await execa("shellcheck", ["--shell=sh", "--severity=style", "--external-sources", script], {
    reject: false,
  });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
});
