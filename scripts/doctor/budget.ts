// The hook's time budget, TypeScript side, at the chart's default hook values: the twin of
// "terway-relay.hookBudget" (chart/templates/_hook.tpl). test/doctor.test.ts proves both agree. doctor reads
// neither the release's values nor its Jobs, so it judges a roll or a pending release by the defaults.
import { schemaDefault } from "../schema.js";

export interface HookBudget {
  /** A Terway roll: ceil(nodes / batch) batches of hook.secondsPerRollBatch. */
  rollSeconds: number;
  /** A hook Job's activeDeadlineSeconds in relay mode: the roll, a minute of kubectl calls, the Typha and
   * Felix waits. */
  deadlineSeconds: number;
}

/** nodes: the DaemonSet's desired pods; maxUnavailable: its rollingUpdate.maxUnavailable (a count or "N%"). */
export function hookBudget(nodes: number, maxUnavailable: string | number | undefined): HookBudget {
  const mu = String(maxUnavailable ?? schemaDefault("hook.terwayMaxUnavailable"));
  // A DaemonSet rounds a percentage up (kubernetes/api v0.33.0 apps/v1/types.go RollingUpdateDaemonSet.MaxUnavailable:
  // "calculated from percentage by rounding up").
  const batch = Math.max(
    1,
    mu.endsWith("%") ? Math.floor((nodes * Number(mu.slice(0, -1)) + 99) / 100) : Number.parseInt(mu, 10) || 1,
  );
  const rollSeconds = Math.floor((nodes + batch - 1) / batch) * (schemaDefault("hook.secondsPerRollBatch") as number);
  const waits =
    (schemaDefault("hook.typhaReadyTimeoutSeconds") as number) +
    (schemaDefault("hook.verifyFelixConnections") ? (schemaDefault("hook.felixConnectTimeoutSeconds") as number) : 0);
  return { rollSeconds, deadlineSeconds: rollSeconds + 60 + waits };
}
