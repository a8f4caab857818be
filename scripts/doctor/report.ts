// How doctor prints its checks: one line per check (status, id, summary) with its fix below, or the one JSON
// document {"healthy", "checks"} of --json.
import type { CheckResult } from "./checks.js";

export const healthy = (checks: CheckResult[]): boolean => checks.every((c) => c.status !== "fail");

export function textReport(checks: CheckResult[]): string[] {
  const width = Math.max(...checks.map((c) => c.id.length));
  return checks.flatMap((c) => [
    `${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(width)}  ${c.summary}`,
    ...(c.fix ? [`${" ".repeat(width + 8)}fix: ${c.fix}`] : []),
  ]);
}

export const jsonReport = (checks: CheckResult[]): string => JSON.stringify({ healthy: healthy(checks), checks });
