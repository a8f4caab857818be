// gitops.enabled: the deterministic mode for Argo CD (ACK One GitOps), which renders with `helm template`,
// --kube-version and --api-versions, and no cluster. No lookup at all: nodeCount and typha.image.tag are required,
// Terway's maxUnavailable comes from hook.terwayMaxUnavailable, and the same values give the same bytes every time.
// test/lookup-requests.test.ts shows the same render against a live (fake) cluster asks it nothing.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { helmTemplate, parseManifests, type KubeObject, type RenderOptions } from "../scripts/render.js";
import { RELEASE_NAMESPACE } from "../scripts/release.js";
import { chartDir, helmBin } from "../scripts/tools.js";
import { runCli } from "./support/cli-io.js";
import { helmNamesPath } from "./support/helm-paths.js";
import { chartWithLiveTerway, chartWithLiveTypha } from "./support/live-chart.js";
import { BASE, HELM_MAJORS, helmTemplateWith, jobEnv, renderError, renderObjects } from "./support/renders.js";

const GITOPS = [...BASE, "gitops.enabled=true", "nodeCount=2000", "typha.image.tag=v3.24.5"];
// As Argo CD calls it: `helm template` with the cluster's version and API groups as flags (argoproj/argo-cd v3.5.1,
// util/helm/cmd.go, template: --kube-version, --api-versions).
const ARGO: Pick<RenderOptions, "kubeVersion" | "apiVersions"> = {
  kubeVersion: "1.30.1",
  apiVersions: ["policy/v1", "monitoring.coreos.com/v1/ServiceMonitor"],
};

// A Terway v1.2.3 DaemonSet rolling one pod at a time, and a Typha the autoscaler grew to 9: what lookup would see.
const LIVE_TERWAY =
  '(dict "spec" (dict "updateStrategy" (dict "rollingUpdate" (dict "maxUnavailable" 1)) "template" (dict "spec" (dict "containers" (list (dict "name" "policy" "image" "registry.aliyuncs.com/acs/terway:v1.2.3"))))))';
const liveChart = chartWithLiveTerway(LIVE_TERWAY, chartWithLiveTypha('(dict "spec" (dict "replicas" 9))'));

describe.each(HELM_MAJORS)("gitops.enabled (helm %i)", (helm) => {
  it("renders byte-identical output twice, as Argo CD renders it", async () => {
    const [a, b] = [
      await helmTemplate({ helm, sets: GITOPS, ...ARGO }),
      await helmTemplate({ helm, sets: GITOPS, ...ARGO }),
    ];
    expect(a.manifest.length).toBeGreaterThan(0);
    expect(b.manifest).toBe(a.manifest);
  });

  it("depends on no lookup: a cluster's live Terway and Typha change nothing", async () => {
    const sets = [...GITOPS, "typha.autoscaler.enabled=true"];
    const plain = await helmTemplate({ helm, sets, ...ARGO });
    expect((await helmTemplate({ helm, sets, ...ARGO, chart: liveChart })).manifest).toBe(plain.manifest);
    // The stand-ins do answer without gitops.enabled: the live Typha count wins over the rule's 10.
    const live = parseManifests(
      (await helmTemplate({ helm, sets: sets.filter((s) => s !== "gitops.enabled=true"), ...ARGO, chart: liveChart }))
        .manifest,
    );
    expect(
      (
        live.find((o) => o.kind === "Deployment" && o.metadata.name === "calico-typha") as KubeObject & {
          spec: { replicas: number };
        }
      ).spec.replicas,
    ).toBe(9);
    expect(
      (
        parseManifests(plain.manifest).find(
          (o) => o.kind === "Deployment" && o.metadata.name === "calico-typha",
        ) as KubeObject & { spec: { replicas: number } }
      ).spec.replicas,
    ).toBe(10);
  });

  it("takes the hook's time budget from nodeCount and hook.terwayMaxUnavailable", async () => {
    // Terway's own 10% of 2000 nodes: 10 batches of 60 s; 5%: 20 batches.
    expect(jobEnv(await renderObjects({ helm, sets: GITOPS, ...ARGO }), "post-sync").ROLLOUT_TIMEOUT).toBe("600");
    const five = await renderObjects({ helm, sets: [...GITOPS, "hook.terwayMaxUnavailable=5%"], ...ARGO });
    expect(jobEnv(five, "post-sync").ROLLOUT_TIMEOUT).toBe("1200");
    expect(jobEnv(five, "post-sync").TYPHA_MIN_READY).toBe("10");
  });

  it.each([
    [
      "nodeCount",
      [...BASE, "gitops.enabled=true", "typha.image.tag=v3.24.5"],
      "nodeCount=0: gitops.enabled renders without lookup, so the chart cannot count the cluster's nodes",
    ],
    [
      "typha.image.tag",
      [...BASE, "gitops.enabled=true", "nodeCount=2000"],
      "typha.image.tag is empty: gitops.enabled renders without lookup, so the chart cannot read which Terway the cluster runs",
    ],
    // gitops.restoreOnSync (a PostSync restore for Argo CD before v3.3.5) without gitops.enabled would look the
    // cluster up yet hang Argo CD annotations on the hooks.
    [
      "gitops.enabled",
      [...BASE, "gitops.restoreOnSync=true"],
      "gitops.enabled=false: gitops.restoreOnSync is a step for Argo CD, which renders without lookup: set gitops.enabled=true with it",
    ],
  ])(
    "refuses without %s: the schema names it in template and lint --strict, the chart says why without the schema",
    async (field, sets, sentence) => {
      const refusal = await renderError({ helm, sets });
      expect(helmNamesPath(helm, refusal, field), refusal).toBe(true);
      const lint = await execa(
        helmBin(helm),
        ["lint", "--strict", chartDir, "--namespace", RELEASE_NAMESPACE, ...sets.flatMap((s) => ["--set", s])],
        { reject: false },
      );
      expect(lint.exitCode).not.toBe(0);
      expect(helmNamesPath(helm, lint.stdout + lint.stderr, field), lint.stdout + lint.stderr).toBe(true);
      const unchecked = await helmTemplateWith(helm, [
        "--skip-schema-validation",
        ...sets.flatMap((s: string) => ["--set", s]),
      ]);
      expect(unchecked.exitCode).toBe(1);
      expect(unchecked.stderr).toContain(sentence);
    },
  );
});

describe("gitops.enabled in the CLI", () => {
  it.each([
    [
      "nodeCount",
      [...BASE, "gitops.enabled=true", "typha.image.tag=v3.24.5"],
      "- nodeCount: must be >= 1: gitops.enabled renders without lookup, so the chart cannot count the cluster's nodes",
    ],
    [
      "typha.image.tag",
      [...BASE, "gitops.enabled=true", "nodeCount=2000"],
      '- typha.image.tag: "" does not match the pattern ^[A-Za-z0-9_]: gitops.enabled renders without lookup, so the chart cannot read which Terway the cluster runs',
    ],
    [
      "gitops.enabled",
      [...BASE, "gitops.restoreOnSync=true"],
      "- gitops.enabled: must be true: gitops.restoreOnSync is a step for Argo CD, which renders without lookup: set gitops.enabled=true with it",
    ],
  ])("validate refuses without %s, naming it and saying why", async (_field, sets, line) => {
    const r = await runCli(["validate", ...sets.flatMap((s) => ["--set", s])]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(line);
    expect(r.stderr).toContain("(1 problem)");
  });

  it.each([
    ["the mode with both values", GITOPS],
    ["gitops.restoreOnSync with the mode", [...GITOPS, "gitops.restoreOnSync=true"]],
  ])("validate accepts %s", async (_what, sets) => {
    const r = await runCli(["validate", ...sets.flatMap((s) => ["--set", s])]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("disable mode renders no Typha, so it needs nodeCount but no typha.image.tag (CLI, schema and chart agree)", async () => {
    const sets = [
      "region=cn-hangzhou",
      "mode=disable-network-policy",
      "acknowledgeNetworkPolicyOff=true",
      "gitops.enabled=true",
      "nodeCount=2000",
    ];
    expect((await runCli(["validate", ...sets.flatMap((s) => ["--set", s])])).code).toBe(0);
    for (const helm of HELM_MAJORS) {
      const r = await helmTemplateWith(
        helm,
        sets.flatMap((s) => ["--set", s]),
      );
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });
});
