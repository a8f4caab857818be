// Typha's alerts (PrometheusRule) and dashboard (ConfigMap), for every Typha line the chart deploys, on both Helm
// majors: they render only where they can work, validate against the prometheus-operator model, read only metrics the
// line exports (support/typha-metrics.ts), use the connection figures plan uses, and behave under the real promtool:
// `promtool check rules` parses every rule and dashboard expression, and `promtool test rules` shows each alert firing
// on failing series and silent on a healthy 1,000-node relay over six hours, and on 1,000 Felix spread on 5 Typhas as
// unevenly as Typha allows below its rebalance target.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tableTyphaVersions } from "../scripts/felix-table.js";
import {
  CONNECTION_UPPER_LIMIT,
  connectionLowerLimit,
  syncerMultiplier,
  typhaRebalanceTarget,
} from "../scripts/plan.js";
import { helmTemplate, type KubeObject } from "../scripts/render.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { validateWithKubernetesModels } from "./support/kube-models.js";
import { helmNamesPath } from "./support/helm-paths.js";
import { validateValues } from "../scripts/validate.js";
import { mergeValues } from "../scripts/values.js";
import { anchors, githubSlug } from "./support/markdown.js";
import { renderNotes } from "./support/notes.js";
import { tableChart } from "./support/table-chart.js";
import { promtool, promtoolAvailable, type RuleFile, writeFiles } from "./support/promtool.js";
import { BASE, HELM_MAJORS, one, renderError, renderObjects } from "./support/renders.js";
import { metricNames, seriesNames, TYPHA_METRICS } from "./support/typha-metrics.js";
import { alertTests } from "./support/alert-series.js";

const SM = "monitoring.coreos.com/v1/ServiceMonitor";
const PR = "monitoring.coreos.com/v1/PrometheusRule";
const LINES = tableTyphaVersions();
const ON = [
  ...BASE,
  "nodeCount=1000",
  "typha.serviceMonitor.enabled=true",
  "typha.prometheusRule.enabled=true",
  "typha.grafanaDashboard.enabled=true",
];
const ALERTS = [
  "TerwayRelayTyphaDown",
  "TerwayRelayTyphaDegraded",
  "TerwayRelayTyphaNearConnectionLimit",
  "TerwayRelayFelixNotConnected",
  "TerwayRelayConnectionsImbalanced",
];

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: Record<string, string>;
}
interface Dashboard {
  templating: { list: { type: string; name: string; query: string }[] };
  panels: { title: string; targets: { expr: string; legendFormat: string }[] }[];
}

const RUNBOOKS = "https://example.com/terway-relay/docs/alerts.md";
/** Each line's render, shared by most tests: non-default labels and runbook URL, to see that values reach them. */
const renderLine = (helm: 3 | 4, tag: string) =>
  renderObjects({
    helm,
    sets: [
      ...ON,
      `typha.image.tag=${tag}`,
      "typha.prometheusRule.labels.release=prometheus",
      "typha.grafanaDashboard.labelName=example.com/dashboard",
      "typha.grafanaDashboard.labelValue=typha",
      `typha.prometheusRule.runbookUrl=${RUNBOOKS}`,
    ],
    apiVersions: [SM, PR],
  });
/** The defaults' render. */
const renderDefault = () => renderObjects({ helm: 4, sets: ON, apiVersions: [SM, PR] });
const rulesOf = (objs: KubeObject[]) =>
  (one(objs, "PrometheusRule") as unknown as { spec: RuleFile }).spec.groups.flatMap(
    (g) => g.rules,
  ) as unknown as Rule[];
const ruleFor = (rules: Rule[], alert: string) => rules.find((r) => r.alert === alert)!;
const dashboardOf = (objs: KubeObject[]) =>
  JSON.parse(
    (one(objs, "ConfigMap", "calico-typha-dashboard") as { data: Record<string, string> }).data["typha-dashboard.json"],
  ) as Dashboard;
const constants = (d: Dashboard) =>
  Object.fromEntries(d.templating.list.filter((v) => v.type === "constant").map((v) => [v.name, v.query]));
/** A dashboard expression as Prometheus gets it: Grafana's variables replaced (the rate interval by 5m). */
const substituted = (expr: string, vars: Record<string, string>) =>
  expr.replace(/\$(__rate_interval|\w+)/g, (_m, name: string) => (name === "__rate_interval" ? "5m" : vars[name]));
const panelExprs = (d: Dashboard) => d.panels.flatMap((p) => p.targets.map((t) => t.expr));
const repoDashboard = () => JSON.parse(readFileSync(join(chartDir, "files/typha-dashboard.json"), "utf8")) as Dashboard;

/** Typha's rebalance target and the factor of the Imbalanced alert, read back from its expression. */
function imbalanceFigures(expr: string) {
  const m = /> 1\.5 \* scalar\((clamp_max\(clamp_min\((\d+) \* .*, (\d+)\), (\d+)\))\)$/.exec(expr);
  if (!m) throw new Error(`unexpected TerwayRelayConnectionsImbalanced expression: ${expr}`);
  return { target: m[1], syncerTypes: Number(m[2]), lower: Number(m[3]), upper: Number(m[4]) };
}

describe("a metric list for each Typha line", () => {
  it("covers exactly the Typha tags the chart deploys (its Felix table)", () => {
    expect(Object.keys(TYPHA_METRICS).sort()).toEqual([...LINES].sort());
  });
});

describe.each(HELM_MAJORS)("alerts and dashboard (helm %i)", (helm) => {
  beforeAll(() => {
    for (const tag of LINES) renderLine(helm, tag).catch(() => undefined);
  });

  it.each(LINES)("Typha %s: the PrometheusRule validates and has every alert, annotated", async (tag) => {
    const objs = await renderLine(helm, tag);
    const pr = one(objs, "PrometheusRule");
    await validateWithKubernetesModels(pr);
    expect(pr.metadata.namespace).toBe("kube-system");
    expect(pr.metadata.labels?.release).toBe("prometheus");
    const rules = rulesOf(objs);
    expect(rules.map((r) => r.alert)).toEqual(ALERTS);
    expect(Object.fromEntries(rules.map((r) => [r.alert, [r.labels.severity, r.for]]))).toEqual({
      TerwayRelayTyphaDown: ["critical", "2m"],
      TerwayRelayTyphaDegraded: ["warning", "10m"],
      TerwayRelayTyphaNearConnectionLimit: ["warning", "15m"],
      TerwayRelayFelixNotConnected: ["warning", "15m"],
      TerwayRelayConnectionsImbalanced: ["info", "30m"],
    });
    for (const r of rules) expect(Object.keys(r.annotations).sort()).toEqual(["description", "runbook_url", "summary"]);
  });

  it.each(LINES)("Typha %s: every rule and panel reads only series the line exports", async (tag) => {
    const objs = await renderLine(helm, tag);
    const allowed = seriesNames(tag);
    const d = dashboardOf(objs);
    const exprs = [...rulesOf(objs).map((r) => r.expr), ...panelExprs(d).map((e) => substituted(e, constants(d)))];
    for (const e of exprs)
      expect(
        metricNames(e).filter((n) => !allowed.has(n)),
        e,
      ).toEqual([]);
    // Every rule selects Typha by the job and namespace the ServiceMonitor's targets get.
    for (const r of rulesOf(objs).filter((r) => r.expr.includes("typha_") || r.expr.includes("up{")))
      expect(r.expr).toContain('{job="calico-typha-metrics",namespace="kube-system"}');
  });

  it.each(LINES)("Typha %s: limit and rebalance target are plan's, in the rules and the dashboard", async (tag) => {
    const objs = await renderLine(helm, tag);
    const rules = rulesOf(objs);
    const fig = imbalanceFigures(ruleFor(rules, "TerwayRelayConnectionsImbalanced").expr);
    expect(fig).toMatchObject({
      syncerTypes: syncerMultiplier(tag),
      lower: connectionLowerLimit(tag),
      upper: CONNECTION_UPPER_LIMIT,
    });
    expect(ruleFor(rules, "TerwayRelayTyphaNearConnectionLimit").expr).toMatch(
      new RegExp(`>= 0\\.9 \\* ${CONNECTION_UPPER_LIMIT}$`),
    );
    const d = dashboardOf(objs);
    const vars = constants(d);
    expect(vars).toMatchObject({
      job: "calico-typha-metrics",
      namespace: "kube-system",
      connection_limit: String(CONNECTION_UPPER_LIMIT),
      lower_limit: String(connectionLowerLimit(tag)),
      syncer_types: String(syncerMultiplier(tag)),
    });
    // The dashboard draws the alert's target and expected-Felix expressions, not copies that could drift.
    const exprs = panelExprs(d).map((e) => substituted(e, vars));
    expect(exprs).toContain(fig.target);
    expect(ruleFor(rules, "TerwayRelayFelixNotConnected").expr).toContain(`< 0.9 * sum(${vars.expected_felix})`);
  });

  it("the dashboard is the repository's JSON, labelled for Grafana's sidecar, with a datasource variable", async () => {
    const objs = await renderLine(helm, LINES[0]);
    const cm = one(objs, "ConfigMap", "calico-typha-dashboard");
    expect(cm.metadata.labels?.["example.com/dashboard"]).toBe("typha");
    expect(one(await renderDefault(), "ConfigMap", "calico-typha-dashboard").metadata.labels?.grafana_dashboard).toBe(
      "1",
    );
    const d = dashboardOf(objs);
    const repo = repoDashboard();
    const generic = (x: Dashboard) => ({
      ...x,
      templating: { list: x.templating.list.map((v) => (v.type === "constant" ? { ...v, query: "" } : v)) },
    });
    expect(generic(d)).toEqual(generic(repo));
    expect(d.templating.list.find((v) => v.name === "datasource")).toMatchObject({
      type: "datasource",
      query: "prometheus",
    });
    // No datasource UID is hard-coded: every datasource reference is the variable.
    const refs: unknown[] = [];
    JSON.stringify(d, (key, value) => {
      if (key === "datasource" && typeof value === "object") refs.push(value);
      return value;
    });
    expect(refs.length).toBeGreaterThan(d.panels.length);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
    for (const ref of refs) expect(ref).toEqual({ type: "prometheus", uid: "${datasource}" });
  });
});

describe("where the alerts and the dashboard render", () => {
  const objsOf = (sets: string[], apiVersions: string[]) =>
    renderObjects({ helm: 4, sets: [...ON, ...sets], apiVersions }).then((objs) =>
      objs
        .filter((o) => o.kind === "PrometheusRule" || o.metadata.name === "calico-typha-dashboard")
        .map((o) => o.kind),
    );

  it("the PrometheusRule only where the cluster serves PrometheusRule and the ServiceMonitor renders", async () => {
    expect(await objsOf([], [SM, PR])).toEqual(["ConfigMap", "PrometheusRule"]);
    expect(await objsOf([], [SM])).toEqual(["ConfigMap"]);
    expect(await objsOf([], [PR])).toEqual(["ConfigMap"]);
    expect(
      await objsOf(["typha.grafanaDashboard.enabled=false", "typha.prometheusRule.enabled=false"], [SM, PR]),
    ).toEqual([]);
    expect(await objsOf(["mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"], [SM, PR])).toEqual([]);
  });

  it("NOTES says when the PrometheusRule was skipped for want of its CRD, and not otherwise", async () => {
    expect(await renderNotes({ helm: 4, sets: ON, apiVersions: [SM] })).toContain(
      "PrometheusRule: skipped, this cluster does not serve monitoring.coreos.com/v1 PrometheusRule",
    );
    expect(await renderNotes({ helm: 4, sets: ON, apiVersions: [SM, PR] })).not.toContain("PrometheusRule: skipped");
    expect(await renderNotes({ helm: 4, sets: ON, apiVersions: [PR] })).toContain(
      "the PrometheusRule, whose rules select its job, is skipped with it",
    );
  });

  it("refuses the PrometheusRule without the ServiceMonitor whose job its rules select", async () => {
    const sets = [...ON, "typha.serviceMonitor.enabled=false"];
    expect(validateValues(mergeValues({ sets }))).toEqual([
      {
        path: "typha.serviceMonitor.enabled",
        message:
          "must be true: typha.prometheusRule.enabled selects Typha's series by the job the chart's ServiceMonitor gives them: set typha.serviceMonitor.enabled=true with it",
      },
    ]);
    for (const helm of HELM_MAJORS) {
      const msg = await renderError({ helm, sets });
      expect(helmNamesPath(helm, msg, "typha.serviceMonitor.enabled"), msg).toBe(true);
    }
  });

  // YAML would read ": " as a mapping and " #" as a comment if the rule did not quote the user's expression.
  const EXPECTED = 'count(kube_node_info{node!~"virtual-kubelet: .*"}) #';
  it("takes its expected-Felix expression from values, in the rule and the dashboard", async () => {
    const objs = await renderObjects({
      helm: 4,
      sets: [...ON, `typha.prometheusRule.expectedFelix=${EXPECTED}`],
      apiVersions: [SM, PR],
    });
    expect(ruleFor(rulesOf(objs), "TerwayRelayFelixNotConnected").expr.endsWith(`< 0.9 * sum(${EXPECTED})`)).toBe(true);
    expect(constants(dashboardOf(objs)).expected_felix).toBe(EXPECTED);
  });
});

describe("the chart's connection figures equal plan's", () => {
  /** A throwaway chart holding the real _typha-monitoring.tpl and one template that tabulates its figures per tag. */
  const figuresChart = (tags: string[]) =>
    tableChart(
      "typha-figures",
      ["_typha-monitoring.tpl", "_helpers.tpl"],
      `# table\n{{- range list ${tags.map((t) => JSON.stringify(t)).join(" ")} }}\n#R {{ . }} {{ include "terway-relay.typhaConnectionLimits" . | fromYaml | toJson }}\n{{- end }}\n`,
    );
  const TAGS = [...Array.from({ length: 31 }, (_, minor) => `v3.${minor}.0`), "v3.11.9", "3.24.5", "latest", ""];

  it.each(HELM_MAJORS)("for every minor from v3.0 to v3.30 and tags that are not versions (helm %i)", async (helm) => {
    const chart = figuresChart(TAGS);
    const { manifest } = await helmTemplate({ helm, chart });
    rmSync(chart, { recursive: true });
    const rows = manifest
      .split("\n")
      .filter((l) => l.startsWith("#R "))
      .map((l) => {
        const [, tag, json] = /^#R (\S*) (.*)$/.exec(l)!;
        return [tag, JSON.parse(json)];
      });
    expect(rows).toEqual(
      TAGS.map((tag) => [
        tag,
        { upper: CONNECTION_UPPER_LIMIT, lower: connectionLowerLimit(tag), syncerTypes: syncerMultiplier(tag) },
      ]),
    );
  });
});

describe("runbooks", () => {
  const docs = readFileSync(join(repoRoot, "docs/alerts.md"), "utf8");
  const headings = anchors(docs);

  it("each alert's runbook_url is typha.prometheusRule.runbookUrl plus an anchor of docs/alerts.md", async () => {
    for (const r of rulesOf(await renderLine(4, LINES[0]))) {
      const [url, anchor] = r.annotations.runbook_url.split("#");
      expect(url).toBe(RUNBOOKS);
      expect(anchor).toBe(githubSlug(r.alert));
      expect(headings, `docs/alerts.md has no heading for ${r.alert}`).toContain(anchor);
    }
  });

  it("docs/capacity.md, which alerts.md links to, tabulates each line's lower limit and syncer types as plan has them", () => {
    const capacity = readFileSync(join(repoRoot, "docs/capacity.md"), "utf8");
    const rows = [...capacity.matchAll(/^\| (v3\.[0-9.]+) \| (\d+) \| (\d+) \|/gm)].map((m) => [
      m[1],
      Number(m[2]),
      Number(m[3]),
    ]);
    expect(rows).toEqual(LINES.map((tag) => [tag, connectionLowerLimit(tag), syncerMultiplier(tag)]));
  });

  it("the default runbookUrl is docs/alerts.md, the file the anchors are in", async () => {
    for (const r of rulesOf(await renderDefault()))
      expect(r.annotations.runbook_url.split("#")[0]).toBe("docs/alerts.md");
  });
});

describe.concurrent("promtool", () => {
  it("promtool is required under CI, where .ci/run installs it (support/debian-tool.ts skips outside CI)", async () => {
    await expect(promtoolAvailable({ skip: () => undefined }, { PATH: "/nonexistent", CI: "true" })).rejects.toThrow(
      "promtool is required under CI (.ci/run installs it: apt-get install -y prometheus)",
    );
    expect(readFileSync(join(repoRoot, ".ci/run"), "utf8")).toContain(
      "command -v promtool >/dev/null 2>&1 || missing+=(prometheus)",
    );
  });

  it.for(LINES)(
    "Typha %s: rules and dashboard expressions parse, and each alert fires on failure and stays silent on a healthy relay",
    async (tag, ctx) => {
      if (!(await promtoolAvailable(ctx))) return;
      const objs = await renderLine(4, tag);
      // Both Helm majors render the same rules.
      expect(rulesOf(await renderLine(3, tag))).toEqual(rulesOf(objs));
      const rules = (one(objs, "PrometheusRule") as unknown as { spec: RuleFile }).spec;
      const d = dashboardOf(objs);
      const vars = constants(d);
      const dashboardRules: RuleFile = {
        groups: [
          {
            name: "dashboard",
            rules: panelExprs(d).map((e, i) => ({
              record: `terway_relay:dashboard_expr_${i}`,
              expr: substituted(e, vars),
            })),
          },
        ],
      };
      const dir = writeFiles({
        "rules.yaml": rules,
        "dashboard.yaml": dashboardRules,
        "tests.yaml": alertTests("rules.yaml", rulesOf(objs), typhaRebalanceTarget(1000, 5, tag).rebalanceTarget),
      });
      const check = await promtool(dir, ["check", "rules", "rules.yaml", "dashboard.yaml"]);
      const test = await promtool(dir, ["test", "rules", "tests.yaml"]);
      rmSync(dir, { recursive: true });
      expect(check.exitCode, check.output).toBe(0);
      expect(check.output).toContain(`SUCCESS: ${ALERTS.length} rules found`);
      // promtool names each failing alert, evaluation time, and the alerts expected and got.
      expect(test.exitCode, test.output).toBe(0);
    },
  );
});
