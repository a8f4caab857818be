// The replica rule, both formulas: hand-computed tables pin them down, and the chart's helper and the TypeScript
// function are proved equal for every node count from 1 to 10000 (and a spread of caps and fixed counts).
import { beforeAll, describe, expect, it } from "vitest";
import { helmTemplate } from "../scripts/render.js";
import { typhaReplicas, type Formula } from "../scripts/replicas.js";
import { HELM_MAJORS } from "./support/renders.js";
import { tableChart } from "./support/table-chart.js";

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
  ])(
    "%i nodes with nodesPerReplica=%i, minReplicas=%i, maxReplicas=%i -> %i",
    (nodeCount, nodesPerReplica, minReplicas, maxReplicas, expected) => {
      const plan = typhaReplicas({ nodeCount, nodesPerReplica, minReplicas, maxReplicas });
      expect(plan.error).toBeUndefined();
      expect(plan.replicas).toBe(expected);
    },
  );

  it.each([
    // tigera/operator GetExpectedTyphaScale (pkg/common/autoscale.go): nodes -> expected
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 3],
    [399, 3],
    [400, 4],
    [1000, 7],
    [1001, 7],
    [5000, 27],
    [10000, 52],
  ])("formula operator: %i nodes -> %i (tigera/operator's rule)", (nodeCount, expected) => {
    const plan = typhaReplicas({ nodeCount, formula: "operator" });
    expect(plan.error).toBeUndefined();
    expect(plan.replicas).toBe(expected);
  });

  it("formula operator: unknown node count gets minReplicas, one node is refused (fewer Typhas than nodes)", () => {
    expect(typhaReplicas({ nodeCount: 0, formula: "operator" }).replicas).toBe(3);
    expect(typhaReplicas({ nodeCount: 1, formula: "operator" }).error).toMatch(
      /node count 1 must be larger than the Typha replica count 1/,
    );
    expect(typhaReplicas({ nodeCount: 1000, replicas: 6, formula: "operator" }).error).toContain(
      "(tigera/operator's rule: floor(nodes / 200) + 2, at least 3)",
    );
  });

  it("names the parameters in its refusals", () => {
    expect(typhaReplicas({ nodeCount: 1000, replicas: 5, nodesPerReplica: 100 }).error).toContain(
      "(one per 100 nodes, at least 3)",
    );
    expect(typhaReplicas({ nodeCount: 1000, maxReplicas: 3, minReplicas: 5 }).error).toBe(
      "typha.maxReplicas=3 is below typha.replicaRule.minReplicas=5: raise it or set it to 0 (no cap)",
    );
  });
});

type Case = { replicas: number; maxReplicas: number; formula: Formula; nodesPerReplica: number; minReplicas: number };

const MAX_NODES = 10000;
const d = { formula: "guide" as Formula, nodesPerReplica: 200, minReplicas: 3 };
const o = { ...d, formula: "operator" as Formula };
const CASES: Case[] = [
  { replicas: 0, maxReplicas: 0, ...d },
  { replicas: 0, maxReplicas: 3, ...d },
  { replicas: 0, maxReplicas: 20, ...d },
  { replicas: 5, maxReplicas: 0, ...d },
  { replicas: 30, maxReplicas: 20, ...d },
  { replicas: 0, maxReplicas: 0, ...d, nodesPerReplica: 150, minReplicas: 1 },
  { replicas: 0, maxReplicas: 12, ...d, nodesPerReplica: 97, minReplicas: 4 },
  { replicas: 7, maxReplicas: 0, ...d, nodesPerReplica: 1000, minReplicas: 2 },
  { replicas: 0, maxReplicas: 3, ...d, nodesPerReplica: 200, minReplicas: 5 },
  { replicas: 0, maxReplicas: 0, ...o },
  { replicas: 0, maxReplicas: 20, ...o },
  { replicas: 5, maxReplicas: 0, ...o },
  { replicas: 0, maxReplicas: 0, ...o, nodesPerReplica: 150, minReplicas: 1 },
  { replicas: 7, maxReplicas: 12, ...o, nodesPerReplica: 97, minReplicas: 4 },
];

let chartDirOnce: string | undefined;
/** A throwaway chart holding the real _helpers.tpl and one template that tabulates the chart's replica plan for
 * every parameter set given as values (cases[i]): one comment line per case and node count, its fields
 * tab-separated, so Helm has no YAML to build or parse per row. Each case starts from its own copy of its values. */
function replicaTableChart(): string {
  if (chartDirOnce) return chartDirOnce;
  const dir = tableChart(
    "replica-table",
    ["_helpers.tpl"],
    `# table
{{- range $i, $c := .Values.cases }}
{{- $in := deepCopy $c }}
{{- range $n := untilStep 1 (int (add1 $.Values.maxNodes)) 1 }}
#R{{ $i }} {{ include "terway-relay.replicaPlan" (set $in "nodeCount" $n) | replace "\\n" "\\t" }}
{{- end }}
{{- end }}
`,
  );
  return (chartDirOnce = dir);
}

type Row = { replicas: number; rule: number; source: string; error: string };
/** "replicas: 3<TAB>rule: 3<TAB>source: rule<TAB>error: \"...\"" -> Row. The error is Go-quoted (Sprig quote), which
 * JSON reads for the ASCII sentences the rule produces. */
function parseRow(line: string): Row {
  const f = Object.fromEntries(
    line.split("\t").map((kv) => [kv.slice(0, kv.indexOf(":")), kv.slice(kv.indexOf(":") + 2)]),
  );
  return { replicas: Number(f.replicas), rule: Number(f.rule), source: f.source, error: JSON.parse(f.error) as string };
}

/** The row parseRow reads as `want`, written as the chart writes it. Equal text implies an equal parse, so only rows
 * whose text differs need parsing (280,000 rows: parsing them all was most of this file's own CPU time). */
const rowText = (want: Row) =>
  `replicas: ${want.replicas}\trule: ${want.rule}\tsource: ${want.source}\terror: ${JSON.stringify(want.error)}`;

/** Every parameter set in one helm template call per Helm major (a helm process costs ~50 ms of CPU before it
 * renders anything): the rows of case i, node counts 1..MAX_NODES in order. */
const tables = new Map<3 | 4, Promise<string[][]>>();
function chartTables(helm: 3 | 4): Promise<string[][]> {
  if (!tables.has(helm)) {
    const sets = [
      ...CASES.flatMap((c, i) => Object.entries(c).map(([k, v]) => `cases[${i}].${k}=${v}`)),
      `maxNodes=${MAX_NODES}`,
    ];
    tables.set(
      helm,
      helmTemplate({ helm, chart: replicaTableChart(), sets }).then(({ manifest }) => {
        const rows: string[][] = CASES.map(() => []);
        for (const line of manifest.split("\n")) {
          const m = /^#R(\d+) /.exec(line);
          if (m) rows[Number(m[1])].push(line.slice(m[0].length));
        }
        return rows;
      }),
    );
  }
  return tables.get(helm)!;
}

describe.concurrent("chart rule = TypeScript rule, both formulas, every node count 1..10000", () => {
  beforeAll(() => {
    for (const helm of HELM_MAJORS) void chartTables(helm).catch(() => undefined);
  });

  it.each(HELM_MAJORS.flatMap((helm) => CASES.map((c, i) => [helm, c, i] as const)))(
    "helm %i, %o",
    async (helm, c, i) => {
      const rows = (await chartTables(helm))[i];
      expect(rows).toHaveLength(MAX_NODES);
      let refusals = 0;
      for (let n = 1; n <= MAX_NODES; n++) {
        const ts = typhaReplicas({ nodeCount: n, ...c });
        const want = { replicas: ts.replicas, rule: ts.rule, source: ts.source, error: ts.error ?? "" };
        if (rows[n - 1] !== rowText(want)) expect(parseRow(rows[n - 1]), `nodes=${n}`).toEqual(want);
        if (ts.error) refusals++;
      }
      // Both sides refuse the same cases, and every setting has some (tiny clusters at least).
      expect(refusals).toBeGreaterThan(0);
    },
  );
});
