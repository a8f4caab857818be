// gitops.restoreOnSync is a step for Argo CD before v3.3.5 (a PostSync Job that restores eni-config). It only makes
// sense with gitops.enabled: without it the chart would still look the cluster up (Argo CD sees every lookup
// empty) yet hang Argo CD hook annotations on the hook objects. Schema, chart (without the schema) and CLI refuse
// it in one sentence naming the field.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { chartDir, helmBin } from "../scripts/tools.js";
import { runCli } from "./support/cli-io.js";
import { helmNamesPath } from "./support/helm-paths.js";
import { BASE, HELM_MAJORS, renderError } from "./support/renders.js";

const ALONE = [...BASE, "gitops.restoreOnSync=true"];
const SENTENCE =
  "gitops.restoreOnSync is a step for Argo CD, which renders without lookup: set gitops.enabled=true with it";

describe.each(HELM_MAJORS)("gitops.restoreOnSync without gitops.enabled (helm %i)", (helm) => {
  it("is refused by the schema, naming gitops.enabled, and by the chart without the schema", async () => {
    expect(helmNamesPath(helm, await renderError({ helm, sets: ALONE }), "gitops.enabled")).toBe(true);
    const unchecked = await execa(
      helmBin(helm),
      [
        "template",
        "terway-relay",
        chartDir,
        "-n",
        "kube-system",
        "--skip-schema-validation",
        ...ALONE.flatMap((s) => ["--set", s]),
      ],
      { reject: false },
    );
    expect(unchecked.exitCode).toBe(1);
    expect(unchecked.stderr).toContain(`gitops.enabled=false: ${SENTENCE}`);
  });
});

describe("gitops.restoreOnSync in the CLI", () => {
  it("validate refuses it without gitops.enabled, naming the field and saying why", async () => {
    const r = await runCli(["validate", ...ALONE.flatMap((s) => ["--set", s])]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`- gitops.enabled: must be true: ${SENTENCE}`);
    expect(r.stderr).toContain("(1 problem)");
  });

  it("validate accepts it with gitops.enabled and the values that mode needs", async () => {
    const r = await runCli([
      "validate",
      ...[...ALONE, "gitops.enabled=true", "nodeCount=2000", "typha.image.tag=v3.24.5"].flatMap((s) => ["--set", s]),
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});
