// typha.replicaRule.formula=operator everywhere the rule lives: the chart's count and notes, the harness, the
// planner and its CLI flag; and the one place it cannot go, the autoscaler's linear mode.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { describe, expect, it } from "vitest";
import { plan } from "../scripts/plan.js";
import { chartDir } from "../scripts/tools.js";
import { validateValues } from "../scripts/validate.js";
import { mergeValues } from "../scripts/values.js";
import { runCli } from "./support/cli-io.js";
import { renderNotes } from "./support/notes.js";
import { BASE, HELM_MAJORS, one, renderError, renderObjects } from "./support/renders.js";

const OPERATOR = "typha.replicaRule.formula=operator";
const REFUSAL = "typha.replicaRule.formula=operator cannot be used with typha.autoscaler.enabled";

describe.each(HELM_MAJORS)("formula operator in the chart (helm %i)", (helm) => {
  it.each([
    [1000, 7],
    [1001, 7],
    [399, 3],
    [400, 4],
    [4, 2],
  ])("%i nodes -> %i replicas (tigera/operator's GetExpectedTyphaScale)", async (nodes, replicas) => {
    const objs = await renderObjects({ helm, sets: [...BASE, `nodeCount=${nodes}`, OPERATOR] });
    expect(one<Deployment>(objs, "Deployment", "calico-typha").spec!.replicas).toBe(replicas);
  });

  it("the notes name the operator's formula", async () => {
    expect(await renderNotes({ helm, sets: [...BASE, "nodeCount=1000", OPERATOR] })).toContain(
      "Replicas: 7, the rule max(3, floor(nodes / 200) + 2), tigera/operator's (1 up to 2 nodes, 2 up to 4), for nodeCount=1000 (values).",
    );
  });

  it("is refused with the autoscaler, on the schema, naming the field", async () => {
    const msg = await renderError({
      helm,
      sets: [...BASE, "nodeCount=1000", OPERATOR, "typha.autoscaler.enabled=true"],
    });
    expect(msg).toMatch(/replicaRule\/formula|replicaRule\.formula/);
  });

  it("is refused with the autoscaler by the template too (schema skipped)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "no-schema-"));
    try {
      cpSync(chartDir, dir, { recursive: true, dereference: true });
      rmSync(join(dir, "values.schema.json"));
      const err = await renderError({
        helm,
        chart: dir,
        sets: [...BASE, "nodeCount=1000", OPERATOR, "typha.autoscaler.enabled=true"],
      });
      expect(err).toContain(REFUSAL);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("formula operator in the harness and the planner", () => {
  it("the harness refuses it with the autoscaler in one sentence naming the field", () => {
    const problems = validateValues(mergeValues({ sets: [...BASE, OPERATOR, "typha.autoscaler.enabled=true"] }));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe("typha.replicaRule.formula");
    expect(problems[0].message).toContain(REFUSAL);
  });

  it("plan() and `plan --formula operator` use it", async () => {
    expect(plan({ nodeCount: 1000, formula: "operator" }).replicas).toBe(7);
    expect(plan({ nodeCount: 1000 }).replicas).toBe(5);
    const r = await runCli(["plan", "--nodes", "1000", "--formula", "operator", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ replicas: 7, parameters: { formula: "operator" } });
    const bad = await runCli(["plan", "--nodes", "1000", "--formula", "calico"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--formula must be guide or operator, got "calico"');
  });
});
