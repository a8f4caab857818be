// docs/capacity.md's table of what the relay saves and costs the API server, per Typha line (scripts/api-load.ts's
// model, through plan()), for the chart's default replica rule. Written between <!-- api-load:start --> and
// <!-- api-load:end -->; a drift test keeps the page equal to it.
import { NODE_LIST_PERIODS, NODE_UPDATE_SECONDS, listPeriodsWords } from "../api-load.js";
import { plan } from "../plan.js";

/** Node counts of the table: 100 to 5,000, as the plan table (its v3.5.8 warning is only here). */
export const API_LOAD_NODE_COUNTS = [100, 200, 500, 1000, 2000, 5000];

export function apiLoadTable(nodeCounts: number[] = API_LOAD_NODE_COUNTS): string {
  const lines = Object.keys(NODE_LIST_PERIODS);
  const rows = [
    `| nodes | replicas | watches per resource type, without → with relay | Node objects/s on node watches, without → with relay | ${lines.map((t) => `Typha ${t} node lists`).join(" | ")} |`,
    `| ---: | ---: | --- | --- | ${lines.map(() => "---").join(" | ")} |`,
  ];
  for (const n of nodeCounts) {
    const p = plan({ nodeCount: n });
    const w = p.apiLoad.nodeWatchObjectsPerSecond;
    const cells = p.apiLoad.lines.map((l) =>
      l.nodeListsPerSecond === 0
        ? "none"
        : `${l.nodeListsPerSecond} LISTs/s, ${l.nodeObjectsListedPerSecond} Node objects/s${l.listsCostMore ? ": more than the relay saves" : ""}`,
    );
    rows.push(
      `| ${n} | ${p.replicas} | ${p.watches.withoutRelay} → ${p.watches.withRelay} | ${w.withoutRelay} → ${w.withRelay} | ${cells.join(" | ")} |`,
    );
  }
  const polling = lines.filter((t) => NODE_LIST_PERIODS[t].length > 0);
  return [
    ...rows,
    "",
    `Each replica lists every Node ${polling.map((t) => `${listPeriodsWords(t)} at ${t}`).join("; ")}. A Node is counted as updated every ${NODE_UPDATE_SECONDS} s, kubelet's floor.`,
  ].join("\n");
}
