// The metrics each Typha line the chart deploys exports, read where each is registered (prometheus.New*/cprometheus.
// New* in package-level vars, MustRegister'd in init) at the tag; plus the series from elsewhere that the alerts and
// the dashboard use. The one list the alert and dashboard tests check every PromQL expression against.
// Sources (no other Typha metric is registered in non-test code at these tags):
// - v3.5.8: projectcalico/typha v3.5.8, pkg/syncserver/sync_server.go, pkg/snapcache/cache.go, pkg/logutils/logutils.go.
// - v3.20.2: projectcalico/typha v3.20.2, the same files; typha_connections_grace_used is new in sync_server.go.
// - v3.24.5: projectcalico/calico v3.24.5, typha/pkg/syncserver/sync_server.go, typha/pkg/snapcache/cache.go,
//   typha/pkg/logutils/logutils.go: the same names as v3.20.2, each one series for all syncer types (no labels).

export type MetricType = "counter" | "gauge" | "summary";

const v3_5_8: Record<string, MetricType> = {
  // sync_server.go
  typha_connections_accepted: "counter",
  typha_connections_dropped: "counter",
  typha_connections_active: "gauge",
  typha_client_snapshot_send_secs: "summary",
  typha_client_latency_secs: "summary",
  typha_client_write_latency_secs: "summary",
  typha_next_breadcrumb_latency_secs: "summary",
  typha_ping_latency: "summary",
  typha_kvs_per_msg: "summary",
  // cache.go
  typha_breadcrumb_size: "summary",
  typha_breadcrumb_seq_number: "gauge",
  typha_breadcrumb_non_block: "counter",
  typha_breadcrumb_block: "counter",
  typha_updates_total: "counter",
  typha_updates_skipped: "counter",
  // logutils.go
  typha_logs_dropped: "counter",
  typha_log_errors: "counter",
};

const v3_20_2: Record<string, MetricType> = { ...v3_5_8, typha_connections_grace_used: "counter" };

/** Typha's own metrics per Typha tag the chart deploys (scripts/felix-table.ts tableTyphaVersions). */
export const TYPHA_METRICS: Record<string, Record<string, MetricType>> = {
  "v3.5.8": v3_5_8,
  "v3.20.2": v3_20_2,
  "v3.24.5": v3_20_2,
};

/** Series the rules and dashboard read from other sources, at every Typha line. */
export const OTHER_METRICS: Record<string, string> = {
  // Prometheus itself, per scrape target (prometheus/prometheus v2.42.0 scrape/scrape.go, scrapeHealthMetricName).
  up: "prometheus",
  // kube-state-metrics v2.20.0: internal/store/daemonset.go, node.go, poddisruptionbudget.go.
  kube_daemonset_status_number_ready: "kube-state-metrics",
  kube_node_info: "kube-state-metrics",
  kube_poddisruptionbudget_status_desired_healthy: "kube-state-metrics",
};

/** The series names a line's metrics expose: a summary also has _sum and _count (client_golang). */
export function seriesNames(typhaVersion: string): Set<string> {
  const metrics = TYPHA_METRICS[typhaVersion];
  if (!metrics) throw new Error(`no metric list for Typha ${typhaVersion}`);
  const names = Object.entries(metrics).flatMap(([name, type]) =>
    type === "summary" ? [name, `${name}_sum`, `${name}_count`] : [name],
  );
  return new Set([...names, ...Object.keys(OTHER_METRICS)]);
}

/** PromQL keywords and functions that look like metric names in an expression. */
const PROMQL_WORDS = new Set(
  "sum min max avg count by without on ignoring group_left group_right and or unless bool offset rate irate increase floor ceil abs clamp clamp_min clamp_max scalar vector absent absent_over_time histogram_quantile label_replace topk bottomk time".split(
    " ",
  ),
);

/** The metric names an expression reads: identifiers that are neither PromQL words, label names in braces or
 * by/on lists, string contents, durations nor Grafana variables. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1()")
    .replace(/\[[^\]]*\]/g, "[]")
    .replace(/\$\w+/g, "0");
  const names = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n)))];
}
