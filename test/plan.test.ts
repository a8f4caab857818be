// The capacity planner against hand-computed figures. For N nodes and R replicas:
// steady ceil(N/R), one lost ceil(N/(R-1)), Typha's target 1 + floor(floor(N*120/(R-1))/100) clamped to
// [100, 10000] for Typha v3.5 (the lower limit and a syncer multiplier grow in later releases), watches N -> R.
// API-server load from Nodes (scripts/api-load.ts's model, U = 300 s between a Node's updates): node watches carry
// N*N/U Node objects/s without the relay and R*N/U with it; Typha v3.5 adds R*(1/5 + 1/30) node LISTs/s of N Nodes
// each, which cost more than the relay saves when R*70 > N - R.
import { describe, expect, it } from "vitest";
import { NODE_LIST_PERIODS, apiLoad, lineOf } from "../scripts/api-load.js";
import { apiLoadTable } from "../scripts/build/api-load-table.js";
import { tableTyphaVersions } from "../scripts/felix-table.js";
import { connectionLowerLimit, formatPlan, plan, rebalanceTarget, syncerMultiplier } from "../scripts/plan.js";

describe("plan (hand-computed, chart defaults)", () => {
  it.each([
    // nodes, replicas, steady, afterLoss, target, reduction
    [100, 3, 34, 50, 100, 33.3], // 1 + 6000/100 = 61 < lower limit 100
    [200, 3, 67, 100, 121, 66.7], // 1 + 200*120/2/100 = 121
    [500, 3, 167, 250, 301, 166.7],
    [1000, 5, 200, 250, 301, 200], // 1 + 120000/4/100 = 301
    [1001, 6, 167, 201, 241, 166.8], // 1 + floor(120120/5 = 24024 / 100) = 241
    [2000, 10, 200, 223, 267, 200], // 1 + floor(240000/9 = 26666 / 100) = 267
    [5000, 25, 200, 209, 251, 200], // 1 + 600000/24/100 = 251
  ])(
    "%i nodes -> %i replicas, %i/%i per Typha, target %i, %sx fewer watches",
    (nodes, replicas, steady, afterLoss, target, reduction) => {
      const p = plan({ nodeCount: nodes });
      expect(p.error).toBeUndefined();
      expect(p.replicas).toBe(replicas);
      expect(p.connections).toMatchObject({
        steadyPerTypha: steady,
        afterLossPerTypha: afterLoss,
        rebalanceTarget: target,
        limits: { lower: 100, upper: 10000 },
      });
      expect(p.watches).toEqual({ withoutRelay: nodes, withRelay: replicas, reduction });
    },
  );

  it("1001 nodes: 6 replicas, the rule's reasoning, no warnings", () => {
    const p = plan({ nodeCount: 1001 });
    expect(p.reasoning).toEqual(["rule: max(3, ceil(1001 / 200)) = 6", "replicas = 6 (the rule)"]);
    expect(p.connections.rebalanceReason).toBe("fraction+20%");
    expect(p.warnings).toEqual([]);
  });
});

describe("plan warnings (where Calico advises against the shape)", () => {
  it("more than 20 replicas", () => {
    expect(plan({ nodeCount: 5000 }).warnings.join()).toContain("Calico advises no more than 20 Typhas");
    expect(plan({ nodeCount: 4000 }).warnings).toEqual([]);
    expect(plan({ nodeCount: 5000, maxReplicas: 20 }).warnings).toEqual([]);
  });
  it("replicas not below the node count (and the plan is refused)", () => {
    const p = plan({ nodeCount: 3 });
    expect(p.error).toContain("node count 3 must be larger than the Typha replica count 3");
    expect(p.warnings.join()).toContain("Calico requires fewer Typhas than nodes");
  });
  it("a single replica: lone Typha takes the upper limit, nothing to fail over to", () => {
    const p = plan({ nodeCount: 50, minReplicas: 1 });
    expect(p.replicas).toBe(1);
    expect(p.connections).toMatchObject({
      steadyPerTypha: 50,
      afterLossPerTypha: null,
      rebalanceTarget: 10000,
      rebalanceReason: "lone typha",
    });
    expect(p.warnings.join()).toContain("a single Typha");
  });
  it("two replicas: below Calico's production minimum", () => {
    expect(plan({ nodeCount: 300, minReplicas: 2, nodesPerReplica: 1000 }).warnings.join()).toContain(
      "at least 3 in production",
    );
  });
  it("after losing one Typha the survivors would exceed Typha's upper limit", () => {
    const p = plan({ nodeCount: 30000, replicas: 3, nodesPerReplica: 20000 });
    expect(p.connections).toMatchObject({
      steadyPerTypha: 10000,
      afterLossPerTypha: 15000,
      rebalanceTarget: 10000,
      rebalanceReason: "configured upper limit",
    });
    expect(p.warnings.join()).toContain("above Typha's limit of 10000");
  });
});

describe("Typha's connection limit", () => {
  it("lower limit by version (typha pkg/config at each v3.x.0 tag): 100 to v3.11, 200 v3.12-14, 300 v3.15-20, 400 from v3.21", () => {
    expect(
      ["v3.5.8", "v3.11.0", "v3.12.0", "v3.13.2", "v3.14.0", "v3.15.0", "v3.16.0", "v3.20.2", "v3.21.0", "v3.24.5"].map(
        connectionLowerLimit,
      ),
    ).toEqual([100, 100, 200, 200, 200, 300, 300, 300, 400, 400]);
    expect(plan({ nodeCount: 100, typhaVersion: "v3.24.5" }).connections).toMatchObject({
      rebalanceTarget: 400,
      rebalanceReason: "configured lower limit",
    });
    expect(plan({ nodeCount: 100, typhaVersion: "v3.20.2" }).connections).toMatchObject({
      rebalanceTarget: 300,
      limits: { lower: 300 },
    });
  });
  it("syncer multiplier by version (pkg/k8s/rebalance.go): 1 to v3.11, 2 v3.12-14, 3 v3.15-22, 4 syncer types at v3.23-24", () => {
    expect(["v3.5.8", "v3.12.0", "v3.15.0", "v3.20.2", "v3.22.0", "v3.23.0", "v3.24.5"].map(syncerMultiplier)).toEqual([
      1, 2, 3, 3, 3, 4, 4,
    ]);
    // 1000 nodes, 5 Typhas: 1 + 120000/4/100 = 301, times 3 at v3.20.2.
    expect(plan({ nodeCount: 1000, typhaVersion: "v3.20.2" }).connections).toMatchObject({
      rebalanceTarget: 903,
      rebalanceReason: "fraction+20%",
    });
    expect(plan({ nodeCount: 1000, typhaVersion: "v3.24.5" }).connections.rebalanceTarget).toBe(1204);
  });
  it("mirrors CalculateMaxConnLimit's integer arithmetic", () => {
    expect(rebalanceTarget(1001, 6, 100)).toEqual({ rebalanceTarget: 241, rebalanceReason: "fraction+20%" });
    expect(rebalanceTarget(1000, 1, 100)).toEqual({ rebalanceTarget: 10000, rebalanceReason: "lone typha" });
    expect(rebalanceTarget(20000, 3, 400, 10000, 4)).toEqual({
      rebalanceTarget: 10000,
      rebalanceReason: "configured upper limit",
    });
  });
});

describe("API-server load per Typha line", () => {
  it("places a Typha version on its line by major.minor alone, with or without a patch or a v", () => {
    expect(["v3.5", "3.5.1", "v3.5.8", "v3.5.8-aliyun"].map(lineOf)).toEqual(["v3.5.8", "v3.5.8", "v3.5.8", "v3.5.8"]);
    expect(["v3.24", "v3.20.1"].map(lineOf)).toEqual(["v3.24.5", "v3.20.2"]);
    expect(["v3.50.0", "latest", "v3"].map(lineOf)).toEqual([undefined, undefined, undefined]);
  });
  it("1000 nodes, 5 replicas: hand-computed Node objects per second", () => {
    expect(plan({ nodeCount: 1000 }).apiLoad).toEqual({
      nodeUpdateSeconds: 300,
      // 1000*1000/300 = 3333.3, 5*1000/300 = 16.7, 995*1000/300 = 3316.7
      nodeWatchObjectsPerSecond: { withoutRelay: 3333, withRelay: 17, saved: 3317 },
      lines: [
        // 5 * (1/5 + 1/30) = 1.1667 LISTs/s of 1000 Nodes each
        { typha: "v3.5.8", nodeListsPerSecond: 1.17, nodeObjectsListedPerSecond: 1167, listsCostMore: false },
        { typha: "v3.20.2", nodeListsPerSecond: 0, nodeObjectsListedPerSecond: 0, listsCostMore: false },
        { typha: "v3.24.5", nodeListsPerSecond: 0, nodeObjectsListedPerSecond: 0, listsCostMore: false },
      ],
    });
  });

  it("plan --nodes 1000 states v3.5's node-list load, and that later lines list none", () => {
    const text = formatPlan(plan({ nodeCount: 1000 }));
    expect(text).toContain("node watches: 3333 Node objects/s without the relay, 17 with it (3317 saved)");
    expect(text).toContain(
      "Typha v3.5.8 node lists: 1.17 LISTs/s, 1167 Node objects/s (each of 5 replicas lists 1000 nodes every 5 s and every 30 s)\n",
    );
    expect(text).toContain("Typha v3.20.2 node lists: none");
    expect(text).toContain("Typha v3.24.5 node lists: none");
  });

  it("the lists cost more exactly when the watches removed are fewer than 70 per replica (N - R < 70 R)", () => {
    const v35 = (nodes: number, replicas: number) => apiLoad(nodes, replicas).lines[0];
    expect(v35(213, 3)).toMatchObject({ nodeObjectsListedPerSecond: 149, listsCostMore: false }); // 210 = 210
    expect(v35(212, 3).listsCostMore).toBe(true); // 210 > 209
    expect(v35(0, 3).listsCostMore).toBe(false);
    expect(
      apiLoad(212, 3)
        .lines.slice(1)
        .map((l) => l.listsCostMore),
    ).toEqual([false, false]);
  });

  it("warns when the planned Typha is v3.5 and its lists cost more; not for v3.20 or v3.24, not above the break-even", () => {
    // 200 nodes, 3 replicas: lists 3*200*7/30 = 140 Node objects/s, watches save 197*200/300 = 131.
    const warning = plan({ nodeCount: 200 }).warnings.find((w) => w.includes("lists all"));
    expect(warning).toBe(
      "Typha v3.5.8 lists all 200 nodes from each of its 3 replicas every 5 s and every 30 s: 140 Node objects/s, " +
        "more than the 131 the relay saves on Felix's node watches (a Node update every 300 s); " +
        "Typha from v3.20 (Terway with Felix v3.20 or later) watches instead",
    );
    expect(formatPlan(plan({ nodeCount: 200 }))).toContain(
      "140 Node objects/s (each of 3 replicas lists 200 nodes every 5 s and every 30 s), more than the relay saves",
    );
    for (const typhaVersion of ["v3.20.2", "v3.24.5"])
      expect(plan({ nodeCount: 200, typhaVersion }).warnings).toEqual([]);
    expect(plan({ nodeCount: 500 }).warnings).toEqual([]);
  });

  it("covers exactly the Typha lines the chart deploys (the Typha column of _terway.tpl's table)", () => {
    expect(Object.keys(NODE_LIST_PERIODS)).toEqual(tableTyphaVersions());
  });

  it("docs/capacity.md's table: 100 to 5,000 nodes, one column per Typha line", () => {
    const rows = apiLoadTable().split("\n");
    expect(rows[0]).toContain("| Typha v3.5.8 node lists | Typha v3.20.2 node lists | Typha v3.24.5 node lists |");
    expect(rows.filter((r) => /^\| [0-9]/.test(r)).map((r) => r.split(" | ")[0])).toEqual([
      "| 100",
      "| 200",
      "| 500",
      "| 1000",
      "| 2000",
      "| 5000",
    ]);
    expect(rows).toContain(
      "| 200 | 3 | 200 → 3 | 133 → 2 | 0.7 LISTs/s, 140 Node objects/s: more than the relay saves | none | none |",
    );
    // 25 replicas * 7/30 = 5.83 LISTs/s of 5000 Nodes = 29167 objects/s; watches 5000*5000/300 -> 25*5000/300.
    expect(rows).toContain(
      "| 5000 | 25 | 5000 → 25 | 83333 → 417 | 5.83 LISTs/s, 29167 Node objects/s | none | none |",
    );
  });
});
