// helm lint --strict under both majors, with the values a user would give.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { chartDir, helmBin } from "../scripts/tools.js";
import { HELM_MAJORS } from "./support/renders.js";

describe.each(HELM_MAJORS)("helm %i lint --strict", (helm) => {
  it("passes with a region", async () => {
    const r = await execa(helmBin(helm), ["lint", "--strict", chartDir, "--namespace", "kube-system", "--set", "region=cn-hangzhou", "--set", "nodeCount=1000"], { reject: false });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("0 chart(s) failed");
  });
  // The chart says "region is required" with `fail`, which Helm's lint mode only logs ("In LintMode, some
  // 'required' template values may be missing, so don't fail": helm pkg/engine/engine.go, v3.17.2 and v4.1.4);
  // install and template refuse (test/cli-answers.test.ts, values corpus cross-field/region-missing.yaml).
  it("fails without a region, saying it is required", async () => {
    const r = await execa(helmBin(helm), ["lint", "--strict", chartDir, "--namespace", "kube-system"], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toMatch(helm === 3 ? /- \(root\): region is required/ : /- at '': missing property 'region'/);
  });
});
