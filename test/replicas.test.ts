// The replica rule: a hand-computed table pins it down, and the chart's helper and the TypeScript function
// are proved equal for every node count from 1 to 10000 (and a spread of caps and fixed counts).
import { copyFileSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { helmTemplate } from "../scripts/render.js";
import { typhaReplicas } from "../scripts/replicas.js";
import { chartDir } from "../scripts/tools.js";
import { HELM_MAJORS } from "./support/renders.js";

describe("typhaReplicas (hand-computed)", () => {
  it.each([
    // nodes, replicas, maxReplicas -> expected
    [4, 0, 0, 3],
    [100, 0, 0, 3],
    [600, 0, 0, 3],
    [601, 0, 0, 4],
    [1000, 0, 0, 5],
    [1001, 0, 0, 6],
    [5000, 0, 0, 25],
    [5000, 0, 20, 20],
    [10000, 0, 0, 50],
    [1000, 7, 0, 7],
    [0, 0, 0, 3],
    [0, 1, 0, 1],
  ])("%i nodes, replicas=%i, maxReplicas=%i -> %i", (nodeCount, replicas, maxReplicas, expected) => {
    const plan = typhaReplicas({ nodeCount, replicas, maxReplicas });
    expect(plan.error).toBeUndefined();
    expect(plan.replicas).toBe(expected);
  });

  it.each([
    [1, 0, 0, /node count 1 must be larger than the Typha replica count 3/],
    [3, 0, 0, /node count 3 must be larger than the Typha replica count 3/],
    [1000, 4, 0, /typha\.replicas=4 is below the rule's 5 replicas for 1000 nodes/],
    [10, 10, 0, /node count 10 must be larger than the Typha replica count 10/],
  ])("refuses %i nodes with replicas=%i, maxReplicas=%i", (nodeCount, replicas, maxReplicas, message) => {
    expect(typhaReplicas({ nodeCount, replicas, maxReplicas }).error).toMatch(message);
  });

  it.each([
    // nodes, nodesPerReplica, minReplicas, maxReplicas -> expected
    [1000, 100, 3, 0, 10],
    [1001, 100, 3, 0, 11],
    [50, 100, 1, 0, 1],
    [1000, 500, 5, 0, 5],
    [4000, 100, 3, 20, 20],
  ])("%i nodes with nodesPerReplica=%i, minReplicas=%i, maxReplicas=%i -> %i", (nodeCount, nodesPerReplica, minReplicas, maxReplicas, expected) => {
    const plan = typhaReplicas({ nodeCount, nodesPerReplica, minReplicas, maxReplicas });
    expect(plan.error).toBeUndefined();
    expect(plan.replicas).toBe(expected);
  });

  it("names the parameters in its refusals", () => {
    expect(typhaReplicas({ nodeCount: 1000, replicas: 5, nodesPerReplica: 100 }).error).toContain("(one per 100 nodes, at least 3)");
    expect(typhaReplicas({ nodeCount: 1000, maxReplicas: 3, minReplicas: 5 }).error).toBe(
      "typha.maxReplicas=3 is below typha.replicaRule.minReplicas=5: raise it or set it to 0 (no cap)",
    );
  });
});

type Case = { replicas: number; maxReplicas: number; nodesPerReplica: number; minReplicas: number };

/** A throwaway chart holding the real _helpers.tpl and one template that tabulates the chart's replica plan. */
function tableChart(cases: Case[], maxNodes: number): string {
  const dir = mkdtempSync(join(tmpdir(), "replica-table-"));
  mkdirSync(join(dir, "templates"));
  writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: replica-table\nversion: 0.0.0\n");
  copyFileSync(join(chartDir, "templates/_helpers.tpl"), join(dir, "templates/_helpers.tpl"));
  const loops = cases
    .map(
      (c) => `{{- range $n := untilStep 1 ${maxNodes + 1} 1 }}
{{ include "terway-relay.replicaPlan" (dict "nodeCount" $n "replicas" ${c.replicas} "maxReplicas" ${c.maxReplicas} "nodesPerReplica" ${c.nodesPerReplica} "minReplicas" ${c.minReplicas}) | fromYaml | toJson }}
{{- end }}`,
    )
    .join("\n");
  writeFileSync(join(dir, "templates/table.yaml"), `# table\n${loops}\n`);
  return dir;
}

describe.each(HELM_MAJORS)("chart rule = TypeScript rule (helm %i)", (helm) => {
  it("agrees for every node count 1..10000 under each replicas/maxReplicas/replicaRule setting", async () => {
    const d = { nodesPerReplica: 200, minReplicas: 3 };
    const cases: Case[] = [
      { replicas: 0, maxReplicas: 0, ...d },
      { replicas: 0, maxReplicas: 3, ...d },
      { replicas: 0, maxReplicas: 20, ...d },
      { replicas: 5, maxReplicas: 0, ...d },
      { replicas: 30, maxReplicas: 20, ...d },
      { replicas: 0, maxReplicas: 0, nodesPerReplica: 150, minReplicas: 1 },
      { replicas: 0, maxReplicas: 12, nodesPerReplica: 97, minReplicas: 4 },
      { replicas: 7, maxReplicas: 0, nodesPerReplica: 1000, minReplicas: 2 },
      { replicas: 0, maxReplicas: 3, nodesPerReplica: 200, minReplicas: 5 },
    ];
    const maxNodes = 10000;
    const { manifest } = await helmTemplate({ helm, chart: tableChart(cases, maxNodes) });
    const rows = manifest
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { replicas: number; rule: number; source: string; error: string });
    expect(rows).toHaveLength(cases.length * maxNodes);
    let refusals = 0;
    cases.forEach((c, ci) => {
      for (let n = 1; n <= maxNodes; n++) {
        const chart = rows[ci * maxNodes + n - 1];
        const ts = typhaReplicas({ nodeCount: n, ...c });
        const got = { replicas: chart.replicas, rule: chart.rule, source: chart.source, error: chart.error };
        const want = { replicas: ts.replicas, rule: ts.rule, source: ts.source, error: ts.error ?? "" };
        if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `nodes=${n} ${JSON.stringify(c)}`).toEqual(want);
        if (ts.error) refusals++;
      }
    });
    // Both sides refuse the same cases, and there are such cases in every setting (tiny clusters at least).
    expect(refusals).toBeGreaterThan(cases.length);
  });
});
