// doctor --watch: follows an install, upgrade or uninstall from a second terminal. On a TTY one block, redrawn in
// place, with progress bars (Terway pods updated per DaemonSet, Typha ready, Felix connected) above the checks;
// off a TTY one line per check whose status or summary changed.
import { type CheckResult, terwayDaemonSets } from "./checks.js";
import type { ClusterFacts } from "./cluster.js";
import { textReport } from "./report.js";

export interface Progress {
  label: string;
  done: number;
  total: number;
}

/** What moves during a roll, from the facts already read (no extra request). */
export function progress(f: ClusterFacts): Progress[] {
  // The same Linux Terway DaemonSets the checks judge: their pods are the Felix agents expected.
  const terway = terwayDaemonSets(f);
  const out: Progress[] = terway.map((d) => ({
    label: `Terway ${d.metadata.name} pods updated`,
    done: d.status?.updatedNumberScheduled ?? 0,
    total: d.status?.desiredNumberScheduled ?? 0,
  }));
  if (f.typha.ok)
    out.push({
      label: "Typha ready",
      done: f.typha.value.status?.readyReplicas ?? 0,
      total: f.typha.value.spec.replicas ?? 0,
    });
  const felix = terway.reduce((s, d) => s + (d.status?.desiredNumberScheduled ?? 0), 0);
  if (f.metrics.length && f.metrics.every((m) => m.read.ok))
    out.push({
      label: "Felix connected",
      done: f.metrics.reduce((s, m) => s + (m.read.ok ? m.read.value : 0), 0),
      total: felix,
    });
  return out;
}

/** The checks that must stop being warn before a watch is done: those that move while helm and its hook work. */
const MOVING = new Set(["terway", "typha", "connections", "release"]);

/** A watch is done when no check fails and nothing is still moving. */
export const settled = (checks: CheckResult[]): boolean =>
  checks.every((c) => c.status !== "fail" && !(c.status === "warn" && MOVING.has(c.id)));

function bar(p: Progress, width = 30): string {
  const filled = p.total > 0 ? Math.min(width, Math.round((p.done / p.total) * width)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} ${p.label}`;
}

/** The TTY block: progress bars, then the checks. */
export const block = (f: ClusterFacts, checks: CheckResult[]): string[] => [
  ...progress(f).map((p) => bar(p)),
  "",
  ...textReport(checks),
];

/** Off a TTY: the checks that changed since the previous round, one line each. */
export function changes(previous: CheckResult[] | undefined, checks: CheckResult[]): string[] {
  return checks
    .filter((c) => {
      const before = previous?.find((p) => p.id === c.id);
      return !before || before.status !== c.status || before.summary !== c.summary;
    })
    .map((c) => `${c.status.toUpperCase()} ${c.id}: ${c.summary}`);
}
