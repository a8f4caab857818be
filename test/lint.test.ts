// helm lint --strict under both majors, with the values a user would give.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { chartDir, helmBin } from "../scripts/tools.js";
import { HELM_MAJORS } from "./support/renders.js";

describe.each(HELM_MAJORS)("helm %i lint --strict", (helm) => {
  it("passes with a region", async () => {
    const r = await execa(
      helmBin(helm),
      [
        "lint",
        "--strict",
        chartDir,
        "--namespace",
        "kube-system",
        "--set",
        "region=cn-hangzhou",
        "--set",
        "nodeCount=1000",
      ],
      { reject: false },
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("0 chart(s) failed");
  });
  // Without a region the schema refuses (region has no default: Helm's lint mode only logs a template's fail,
  // helm pkg/engine/engine.go, v3.17.2 and v4.1.4): test/chart-ci.test.ts, "the chart alone fails, on region".
});
