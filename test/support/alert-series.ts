// promtool unit tests (`promtool test rules`) for the chart's alerts: for each alert, series on which it must fire
// and a healthy 1,000-node relay over six hours on which no alert may fire. Samples and evaluations every 5 minutes
// keep promtool fast (1,000 kube_node_info series); each alert's `for` is a multiple of 5 minutes or below it.

const STEP_MINUTES = 5;
const TYPHA = { job: "calico-typha-metrics", namespace: "kube-system" };
const NODES = 1000;

type Labels = Record<string, string>;
interface Series {
  series: string;
  values: string;
}
interface ExpAlert {
  exp_labels: Labels;
  exp_annotations: Record<string, string>;
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpAlert[];
}
interface Rule {
  alert: string;
  labels: Labels;
  annotations: Record<string, string>;
}

const selector = (name: string, labels: Labels) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",")}}`;
/** A value held for `minutes`, in promtool's expanding notation. */
const held = (value: number, minutes: number) => `${value}+0x${minutes / STEP_MINUTES}`;
const typhaTarget = (i: number): Labels => ({ ...TYPHA, instance: `10.0.0.${i + 1}:9093`, pod: `calico-typha-${i}` });

/** Typha targets, each up and holding the given connections for `minutes`. */
function typhas(connections: (number | null)[], minutes: number): Series[] {
  return connections.flatMap((c, i) => [
    { series: selector("up", typhaTarget(i)), values: held(c === null ? 0 : 1, minutes) },
    ...(c === null ? [] : [{ series: selector("typha_connections_active", typhaTarget(i)), values: held(c, minutes) }]),
  ]);
}

/** What kube-state-metrics exports for a cluster of `nodes` nodes running Typha with a PDB minimum. */
function cluster(nodes: number, pdbMinimum: number, minutes: number, nodeSeries: boolean): Series[] {
  return [
    {
      series: selector("kube_daemonset_status_number_ready", { namespace: "kube-system", daemonset: "terway-eniip" }),
      values: held(nodes, minutes),
    },
    {
      series: selector("kube_poddisruptionbudget_status_desired_healthy", {
        namespace: "kube-system",
        poddisruptionbudget: "calico-typha",
      }),
      values: held(pdbMinimum, minutes),
    },
    ...(nodeSeries
      ? Array.from({ length: nodes }, (_, i) => ({
          series: selector("kube_node_info", { node: `node-${String(i).padStart(4, "0")}` }),
          values: held(1, minutes),
        }))
      : []),
  ];
}

/** The alert as promtool must see it: its rule's labels and annotations, with $value and $labels.pod filled in. */
function firing(rule: Rule, labels: Labels, value: number): ExpAlert {
  const fill = (t: string) =>
    t.replaceAll("{{ $value }}", String(value)).replaceAll("{{ $labels.pod }}", labels.pod ?? "<no value>");
  return {
    exp_labels: { ...labels, ...rule.labels },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, fill(v)])),
  };
}

/** A failing scenario: the alert stays pending just before its `for` has passed, then fires. */
function fires(rule: Rule, forMinutes: number, input: Series[], alerts: [Labels, number][]) {
  const at = (m: number) => `${m}m`;
  const tests: AlertTest[] = [
    ...(forMinutes >= STEP_MINUTES
      ? [{ eval_time: at(forMinutes - STEP_MINUTES), alertname: rule.alert, exp_alerts: [] }]
      : []),
    {
      eval_time: at(Math.max(forMinutes, STEP_MINUTES)),
      alertname: rule.alert,
      exp_alerts: alerts.map(([labels, value]) => firing(rule, labels, value)),
    },
  ];
  return { interval: `${STEP_MINUTES}m`, input_series: input, alert_rule_test: tests };
}

/** `total` connections spread as unevenly as Typha allows: each Typha in turn filled up to `target`, the rest on
 * the next. Below its target a Typha sheds nothing (CalculateMaxConnLimit and governNumberOfConnections,
 * projectcalico/calico v3.24.5 typha/pkg/k8s/rebalance.go and typha/pkg/syncserver/sync_server.go). */
function skewedBelowTarget(total: number, typhaCount: number, target: number): number[] {
  return Array.from({ length: typhaCount }, (_, i) => Math.max(0, Math.min(target, total - i * target)));
}

/** The promtool test file for the rules in ruleFile (rules: the same rules, for their labels and annotations);
 * target5: Typha's rebalance target at 1,000 nodes and 5 Typhas for the line (plan's rebalanceTarget). */
export function alertTests(ruleFile: string, rules: Rule[], target5: number) {
  const rule = (name: string) => {
    const r = rules.find((x) => x.alert === name);
    if (!r) throw new Error(`no rule ${name}`);
    return r;
  };
  const hours6 = 6 * 60;
  // Healthy: 1,000 nodes, the rule's 5 Typhas (one per 200 nodes), every Felix connected, spread unevenly. At 3h a
  // rolling update takes Typha 4 away for 5 minutes (the PDB allows one): its Felix reconnect to the others.
  const around3h = (before: number, at3h: string, after: number) =>
    `${held(before, 175)} ${at3h} ${held(after, hours6 - 185)}`;
  const healthyTyphas = [190, 195, 200, 205, 210].flatMap((c, i) => [
    { series: selector("up", typhaTarget(i)), values: around3h(1, i === 4 ? "0" : "1", 1) },
    {
      series: selector("typha_connections_active", typhaTarget(i)),
      values: around3h(c, i === 4 ? "_" : `${c + 50}`, c),
    },
  ]);
  const healthy = {
    interval: `${STEP_MINUTES}m`,
    input_series: [...healthyTyphas, ...cluster(NODES, 4, hours6, true)],
    alert_rule_test: rules.flatMap((r) =>
      ["1h", "3h", "3h5m", "3h15m", "6h"].map((t) => ({ eval_time: t, alertname: r.alert, exp_alerts: [] })),
    ),
  };
  const down = rule("TerwayRelayTyphaDown");
  const degraded = rule("TerwayRelayTyphaDegraded");
  const near = rule("TerwayRelayTyphaNearConnectionLimit");
  const notConnected = rule("TerwayRelayFelixNotConnected");
  const imbalanced = rule("TerwayRelayConnectionsImbalanced");
  // 1,000 nodes on 5 Typhas, spread as unevenly as Typha allows below its target (v3.24.5: all 1,000 on one, whose
  // target is 1204): TerwayRelayConnectionsImbalanced must stay silent, since no Typha is above 1.5 times its target.
  const belowTarget = {
    interval: `${STEP_MINUTES}m`,
    // At 30m the rule's `for` has passed: it would fire there (as `fires` checks), so one evaluation suffices.
    input_series: [...typhas(skewedBelowTarget(NODES, 5, target5), 30), ...cluster(NODES, 4, 30, true)],
    alert_rule_test: [{ eval_time: "30m", alertname: imbalanced.alert, exp_alerts: [] }],
  };
  return {
    rule_files: [ruleFile],
    evaluation_interval: `${STEP_MINUTES}m`,
    tests: [
      healthy,
      belowTarget,
      // Every Typha target down.
      fires(down, 2, [...typhas([null, null, null, null, null], 60), ...cluster(NODES, 4, 60, false)], [[{}, 0]]),
      // No Typha target at all (the Deployment is gone): absent(up) carries the selector's labels.
      fires(down, 2, cluster(NODES, 4, 60, false), [[TYPHA, 1]]),
      // 2 of 5 up, the PDB wants 4.
      fires(degraded, 10, [...typhas([500, 500, null, null, null], 60), ...cluster(NODES, 4, 60, false)], [[{}, 2]]),
      // 20,000 nodes on 3 Typhas: two at 9,500 and 9,400 of Typha's 10,000.
      fires(
        near,
        15,
        [...typhas([9500, 9400, 1100], 60), ...cluster(20000, 2, 60, false)],
        [
          [typhaTarget(0), 9500],
          [typhaTarget(1), 9400],
        ],
      ),
      // 600 of 1,000 Felix connected.
      fires(notConnected, 15, [...typhas([120, 120, 120, 120, 120], 60), ...cluster(NODES, 4, 60, false)], [[{}, 600]]),
      // 10 Typhas for 1,000 nodes, one holding 900: above 1.5 times Typha's target at every line (201 at v3.5,
      // 603 at v3.20, 804 at v3.24).
      fires(
        imbalanced,
        30,
        [...typhas([900, 11, 11, 11, 11, 11, 11, 11, 11, 11], 60), ...cluster(NODES, 9, 60, true)],
        [[typhaTarget(0), 900]],
      ),
    ],
  };
}
