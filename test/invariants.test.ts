// The coherence invariants can fail: each is fed a hand-broken copy of a real render and must name the break.
// (On real renders they run automatically: every test renders through test/support/renders.ts, whose render() holds
// each render of chart/ to them and whose renderObjects() also checks the copies it renders.)
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../scripts/render.js";
import { repoRoot } from "../scripts/tools.js";
import {
  INVARIANTS,
  type Obj,
  assertInvariants,
  invariantViolations,
  relayValuesWritten,
} from "./support/invariants.js";
import { runCli } from "./support/cli-io.js";
import { BASE, HELM_MAJORS, checkRender, renderObjects } from "./support/renders.js";
import { counters } from "./support/stats.js";

const ctx = { namespace: "kube-system" };

const good = async (helm: 3 | 4, ...sets: string[]) =>
  structuredClone(
    await renderObjects({
      helm,
      sets: [...BASE, "nodeCount=1000", "typha.serviceAccount.create=true", "typha.image.tag=v3.24.5", ...sets],
    }),
  ) as (KubeObject & Obj)[];
const get = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind)!;
const typha = (objs: Obj[]) =>
  get(objs, "Deployment").spec.template.spec.containers.find((c: Obj) => c.name === "calico-typha");

/** A Job like the eni-config hook (chart/files/relay-hook.sh takes OWNED_KEY/OWNED_VALUE), writing the given value. */
const hookJob = (value: string, key = "felix_relay_service"): Obj => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "relay-hook", namespace: "kube-system", annotations: { "helm.sh/hook": "post-install" } },
  spec: {
    template: {
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "hook",
            image: "kubectl",
            env: [
              { name: "OWNED_KEY", value: key },
              { name: "OWNED_VALUE", value },
            ],
          },
        ],
      },
    },
  },
});
/** The env of the chart's own hook Job writing felix_relay_service, or of an added stand-in when the chart has none. */
const hookEnv = (objs: Obj[], name: string): Obj => {
  let job = objs.find(
    (o) =>
      o.kind === "Job" &&
      o.spec.template.spec.containers.some((c: Obj) => (c.env ?? []).some((e: Obj) => e.name === "OWNED_KEY")),
  );
  if (!job) objs.push((job = hookJob("calico-typha")));
  const env: Obj[] = job.spec.template.spec.containers[0].env;
  let e = env.find((x) => x.name === name);
  if (!e) env.push((e = { name, value: "" }));
  return e;
};

const BREAKS: [keyof typeof INVARIANTS, string, (objs: Obj[]) => void, RegExp][] = [
  [
    "selectorsMatch",
    "Service selector typo",
    (o) => (get(o, "Service").spec.selector = { "k8s-app": "calico-tyhpa" }),
    /Service\/calico-typha: spec.selector .* selects no pod/,
  ],
  [
    "selectorsMatch",
    "PDB selector typo",
    (o) => (get(o, "PodDisruptionBudget").spec.selector.matchLabels = { "k8s-app": "typha" }),
    /PodDisruptionBudget\/calico-typha: spec.selector/,
  ],
  [
    "selectorsMatch",
    "Deployment selector not matching its template",
    (o) => (get(o, "Deployment").spec.selector.matchLabels = { app: "x" }),
    /Deployment\/calico-typha: spec.selector .* does not match its pod labels/,
  ],
  [
    "selectorsMatch",
    "Service targetPort the pods do not declare",
    (o) => (get(o, "Service").spec.ports[0].targetPort = "typha"),
    /targets "typha"/,
  ],
  [
    "felixFindsTypha",
    "Service port renamed",
    (o) => (get(o, "Service").spec.ports[0].name = "typha"),
    /no port named calico-typha/,
  ],
  [
    "felixFindsTypha",
    "container sync port renamed",
    (o) => (typha(o).ports[0].name = "sync"),
    /named "sync", not calico-typha/,
  ],
  [
    "felixFindsTypha",
    "hook writes another Service name",
    (o) => (hookEnv(o, "OWNED_VALUE").value = "calico-typha-x"),
    /writes felix_relay_service="calico-typha-x"/,
  ],
  [
    "felixFindsTypha",
    "the chart's relay key is not the one Terway reads",
    (o) => (hookEnv(o, "RELAY_KEY").value = "felix_relay"),
    /takes RELAY_KEY=felix_relay, but Terway reads felix_relay_service/,
  ],
  [
    "felixFindsTypha",
    "the chart's disable key is not the one Terway reads",
    (o) => (hookEnv(o, "DISABLE_KEY").value = "disable_policy"),
    /takes DISABLE_KEY=disable_policy, but Terway reads disable_network_policy/,
  ],
  [
    "felixFindsTypha",
    "hook waits on another Service",
    (o) => (hookEnv(o, "SERVICE_NAME").value = "typha"),
    /waits on Service typha/,
  ],
  [
    "felixFindsTypha",
    "hook waits on another Deployment",
    (o) => (hookEnv(o, "TYPHA_DEPLOYMENT").value = "typha"),
    /waits on Deployment typha, which does not run Typha/,
  ],
  [
    "felixFindsTypha",
    "hook reads another metrics port",
    (o) => (hookEnv(o, "METRICS_PORT").value = "9091"),
    /reads metrics on port 9091/,
  ],
  [
    "felixFindsTypha",
    "disable hook writes a value Terway reads as enabled",
    (o) => o.push(hookJob("false", "disable_network_policy")),
    /disable_network_policy="false"/,
  ],
  [
    "probesOnHealthPort",
    "liveness probe on the wrong port",
    (o) => (typha(o).livenessProbe.httpGet.port = 9099),
    /livenessProbe port 9099 is not a port the container declares/,
  ],
  [
    "probesOnHealthPort",
    "readiness probe on the metrics port",
    (o) => (typha(o).readinessProbe.httpGet.port = 9093),
    /readinessProbe uses port 9093, not the health port 9098/,
  ],
  [
    "probesOnHealthPort",
    "TYPHA_HEALTHPORT not the declared health port",
    (o) => (typha(o).env.find((e: Obj) => e.name === "TYPHA_HEALTHPORT").value = "9097"),
    /TYPHA_HEALTHPORT=9097 but the port named health is 9098/,
  ],
  [
    "shutdownMatchesGrace",
    "drain timeout longer than the grace period",
    (o) => typha(o).env.push({ name: "TYPHA_SHUTDOWNTIMEOUTSECS", value: "300" }),
    /TYPHA_SHUTDOWNTIMEOUTSECS=300 but terminationGracePeriodSeconds=30/,
  ],
  [
    "namesValid",
    "object name with capitals",
    (o) => (get(o, "PodDisruptionBudget").metadata.name = "Calico_Typha"),
    /"Calico_Typha" is not a valid name/,
  ],
  [
    "namesValid",
    "Service name starting with a digit",
    (o) => (get(o, "Service").metadata.name = "5473-typha"),
    /not a valid Service name/,
  ],
  [
    "namesValid",
    "port name over 15 characters",
    (o) => (typha(o).ports[1].name = "health-port-of-typha"),
    /not a valid port name/,
  ],
  [
    "namesValid",
    "label value with a space",
    (o) => (get(o, "Deployment").metadata.labels.x = "a b"),
    /label x: "a b" is not a valid label value/,
  ],
  [
    "inReleaseNamespace",
    "namespace hard-coded",
    (o) => (get(o, "PodDisruptionBudget").metadata.namespace = "default"),
    /namespace "default", not the release namespace/,
  ],
  [
    "inReleaseNamespace",
    "namespace missing",
    (o) => delete get(o, "Service").metadata.namespace,
    /Service\/calico-typha: namespace undefined/,
  ],
  [
    "inReleaseNamespace",
    "cluster-scoped object with a namespace",
    (o) => (get(o, "ClusterRole").metadata.namespace = "kube-system"),
    /cluster-scoped but has namespace/,
  ],
  [
    "referencesResolve",
    "pod runs as an account nobody renders",
    (o) => (get(o, "Deployment").spec.template.spec.serviceAccountName = "typha"),
    /runs as ServiceAccount typha/,
  ],
  [
    "referencesResolve",
    "binding to a missing ClusterRole",
    (o) => (get(o, "ClusterRoleBinding").roleRef.name = "calico-typha-x"),
    /roleRef ClusterRole\/calico-typha-x/,
  ],
];

describe.each(HELM_MAJORS)("helm %i", (helm) => {
  it("a real render satisfies every invariant", async () => {
    expect(invariantViolations(await good(helm), ctx)).toEqual([]);
  });

  it.each(BREAKS)("%s catches: %s", async (name, _what, breakIt, message) => {
    const objs = await good(helm);
    breakIt(objs);
    const found = INVARIANTS[name](objs, ctx);
    expect(found.join("\n")).toMatch(message);
    expect(() => assertInvariants(objs, ctx)).toThrow(new RegExp(`\\[${name}\\]`));
  });
});

describe("the hook's relay value", () => {
  it("is read from env or from a literal key=value in the command", () => {
    const job = hookJob("calico-typha");
    expect(relayValuesWritten([job as KubeObject]).map((w) => w.value)).toEqual(["calico-typha"]);
    job.spec.template.spec.containers[0] = {
      name: "hook",
      image: "k",
      command: ["sh", "-c", 'kubectl patch cm eni-config -p \'{"data":{"felix_relay_service":"typha2"}}\''],
    };
    expect(relayValuesWritten([job as KubeObject]).map((w) => w.value)).toEqual(["typha2"]);
  });
  it("a hook writing the Typha Service's name passes", async () => {
    const objs = await good(4);
    objs.push(hookJob("calico-typha") as KubeObject);
    expect(INVARIANTS.felixFindsTypha(objs, ctx)).toEqual([]);
  });
  it("the chart's own hook Jobs write the Typha Service's name, when the chart has them", async () => {
    const objs = await good(4);
    const writes = relayValuesWritten(objs);
    expect(writes).not.toEqual([]);
    for (const w of writes) expect(w.value, w.owner).toBe("calico-typha");
    const renamedWrites = relayValuesWritten(await good(4, "typha.serviceName=typha-relay"));
    expect(renamedWrites.map((w) => w.owner)).toEqual(writes.map((w) => w.owner));
    for (const w of renamedWrites) expect(w.value, w.owner).toBe("typha-relay");
  });
});

// Kubernetes reads manifests with go-yaml v2 scalars (like Helm reads values): an unquoted `name: on` is the boolean
// true and `instance: 017` the number 15, which the API server refuses. renderObjects parses the same way, so the
// namesValid invariant sees what the API server would.
describe.each(HELM_MAJORS)("names YAML 1.1 reads as booleans or numbers stay strings (helm %i)", (helm) => {
  it.each([
    ["yes", "on"],
    ["017", "y"],
    ["1e3", "no"],
  ])("release %s, Service %s", async (releaseName, serviceName) => {
    const objs = (await renderObjects({
      helm,
      releaseName,
      sets: [...BASE, `typha.serviceName=${serviceName}`],
    })) as (KubeObject & Obj)[];
    expect(get(objs, "Service").metadata.name).toBe(serviceName);
    for (const o of objs)
      if (o.metadata.labels?.["app.kubernetes.io/instance"] !== undefined)
        expect(o.metadata.labels["app.kubernetes.io/instance"], `${o.kind}/${o.metadata.name}`).toBe(releaseName);
    for (const w of relayValuesWritten(objs)) expect(w.value, w.owner).toBe(serviceName);
  });
});

describe("renders that bypass renderObjects", () => {
  it("are checked too: test/support/renders.ts's render() hands every render of chart/ to the invariants", async () => {
    const objs = await good(4);
    get(objs, "Service").spec.selector = { "k8s-app": "calico-tyhpa" };
    expect(() => checkRender(objs, { sets: BASE })).toThrow(/\[selectorsMatch\]/);
    expect(() => checkRender(objs, { sets: BASE, chart: "/tmp/some-other-chart" })).not.toThrow();
  });

  it("are counted: every helm template scripts/render.ts runs, the CLI's in-process ones too, adds to helmTemplateCalls", async () => {
    const before = counters.helmTemplateCalls ?? 0;
    expect((await runCli(["render", "--set", "region=cn-hangzhou"])).code).toBe(0);
    expect(counters.helmTemplateCalls).toBe(before + 1);
  });

  it("do not exist: only test/support/renders.ts imports scripts/render.ts's render()", () => {
    const files = readdirSync(join(repoRoot, "test"), { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".ts"),
    );
    const direct = files.filter(
      (f) =>
        f !== join("support", "renders.ts") &&
        /import \{[^}]*\brender\b[^}]*\} from "[./]*scripts\/render\.js"/.test(
          readFileSync(join(repoRoot, "test", f), "utf8"),
        ),
    );
    expect(direct).toEqual([]);
  });
});
