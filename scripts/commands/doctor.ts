// terway-relay doctor: reads a live cluster through the user's kubectl and prints one line per check with its
// status and fix; --json prints one document; --watch follows an install, upgrade or uninstall.
// Exit 0 when no check fails (warnings allowed), 1 when one fails or the cluster cannot be read, 2 for usage.
import { DEFAULT_RELEASE_NAME } from "../release.js";
import { setTimeout as sleep } from "node:timers/promises";
import { releaseName, releaseOption } from "./release-option.js";
import { type Command, Failure, type ParsedArgs, UsageError, flag, line, str } from "./spec.js";

/** A Go-style duration (1h30m, 20m, 90s, 500ms) in milliseconds. */
function duration(a: ParsedArgs, name: string, fallback: string): number {
  const raw = str(a, name) ?? fallback;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(raw);
  if (!m || raw === "")
    throw new UsageError(`--${name} must be a duration such as 500ms, 90s, 20m or 1h30m, got ${JSON.stringify(raw)}`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 + Number(m[4] ?? 0);
}

export const doctor: Command = {
  name: "doctor",
  summary: "check a live cluster's relay: eni-config, Terway, Typha, versions, sizing, connections, CRDs, release",
  options: {
    kubeconfig: { type: "string", arg: "FILE", help: "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)" },
    context: { type: "string", arg: "NAME", help: "kubeconfig context (default: the current one)" },
    ...releaseOption,
    "allow-version-skew": {
      type: "boolean",
      help: "the release sets typha.allowVersionSkew=true: report a version skew as a warning",
    },
    json: {
      type: "boolean",
      help: 'print one JSON document: {"healthy", "checks": [{"id","status","summary","fix"?}]}',
    },
    watch: { type: "boolean", help: "check again until every check passes (exit 0) or --timeout (exit 1)" },
    timeout: { type: "string", arg: "DURATION", help: "with --watch: how long to wait (default 30m)" },
    interval: { type: "string", arg: "DURATION", help: "with --watch: time between two rounds (default 2s)" },
  },
  async run(a, io) {
    const release = releaseName(a) ?? DEFAULT_RELEASE_NAME;
    const watch = flag(a, "watch");
    for (const o of ["timeout", "interval"])
      if (!watch && str(a, o) !== undefined) throw new UsageError(`--${o} needs --watch`);
    if (watch && flag(a, "json")) throw new UsageError("--json and --watch cannot be combined");
    const timeoutMs = watch ? duration(a, "timeout", "30m") : 0;
    const intervalMs = watch ? duration(a, "interval", "2s") : 0;
    const { userKubectl } = await import("../tools.js");
    let kubectl: string;
    try {
      kubectl = userKubectl(io.env);
    } catch (e) {
      throw new Failure((e as Error).message);
    }
    const { readCluster } = await import("../doctor/cluster.js");
    const { runChecks } = await import("../doctor/checks.js");
    const { healthy, jsonReport, textReport } = await import("../doctor/report.js");
    const { openSession, serverUrl } = await import("../doctor/kubectl.js");
    const target = { kubectl, kubeconfig: str(a, "kubeconfig"), context: str(a, "context"), env: io.env };
    const options = { allowVersionSkew: flag(a, "allow-version-skew") };
    let session: import("../doctor/kubectl.js").KubeSession;
    try {
      session = await openSession(target);
    } catch (e) {
      throw new Failure(`cannot read the cluster at ${await serverUrl(target)}: ${(e as Error).message}`);
    }

    /** One round: the checks, or the one line that says the cluster cannot be read. */
    const round = async () => {
      const facts = await readCluster(session, release);
      if (!facts.version.ok && facts.version.error.kind === "failed")
        return {
          facts,
          unreachable: `cannot read the cluster at ${await serverUrl(target)}: ${facts.version.error.message}`,
        };
      return { facts, checks: runChecks(facts, options) };
    };
    try {
      return await (watch ? follow() : once());
    } finally {
      await session.close();
    }

    async function once(): Promise<number> {
      const r = await round();
      if (r.unreachable) {
        if (flag(a, "json")) line(io.stdout, jsonReport([{ id: "api", status: "fail", summary: r.unreachable }]));
        line(io.stderr, `terway-relay: ${r.unreachable}`);
        return 1;
      }
      line(io.stdout, flag(a, "json") ? jsonReport(r.checks!) : textReport(r.checks!).join("\n"));
      return healthy(r.checks!) ? 0 : 1;
    }

    async function follow(): Promise<number> {
      const { block, changes, settled } = await import("../doctor/watch.js");
      const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
      const deadline = Date.now() + timeoutMs;
      let previous: import("../doctor/checks.js").CheckResult[] | undefined;
      let drawn = 0;
      for (;;) {
        const r = await round();
        if (r.unreachable) line(io.stderr, `terway-relay: ${r.unreachable}`);
        else if (tty) {
          const lines = block(r.facts, r.checks!);
          // Cursor up over the previous block, clear to the end of the screen, draw again.
          io.stdout.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ""}${lines.join("\n")}\n`);
          drawn = lines.length;
        } else for (const l of changes(previous, r.checks!)) line(io.stdout, l);
        if (r.checks && settled(r.checks)) {
          line(io.stdout, "every check passes");
          return 0;
        }
        previous = r.checks ?? previous;
        if (Date.now() >= deadline) {
          const failing = (r.checks ?? []).filter((c) => c.status === "fail" || c.status === "warn");
          line(
            io.stderr,
            `terway-relay: --timeout reached with ${r.unreachable ? "the cluster unreadable" : `checks not passing: ${failing.map((c) => `${c.id} (${c.status}: ${c.summary})`).join("; ")}`}`,
          );
          return 1;
        }
        await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
      }
    }
  },
};
