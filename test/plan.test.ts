// The capacity planner against hand-computed figures. For N nodes and R replicas:
// steady ceil(N/R), one lost ceil(N/(R-1)), Typha's target 1 + floor(floor(N*120/(R-1))/100) clamped to
// [100, 10000] for Typha v3.5 (the lower limit and a syncer multiplier grow in later releases), watches N -> R.
import { describe, expect, it } from "vitest";
import { connectionLowerLimit, plan, rebalanceTarget, syncerMultiplier } from "../scripts/plan.js";

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
