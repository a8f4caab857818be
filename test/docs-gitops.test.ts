// docs/gitops.md: every manifest in it is parsed here, its fields checked against what the chart needs
// and against the controllers' APIs (fluxcd/helm-controller v1.6.3 api/v2/helmrelease_types.go; argoproj/argo-cd
// v3.4.7 pkg/apis/application/v1alpha1), and its values rendered through the chart under Helm 3 and Helm 4. A
// manifest added to the page without a check here fails the first test.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, test } from "vitest";
import type { KubeObject } from "../scripts/render.js";
import { defaultValues } from "../scripts/schema.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import type { Obj } from "./support/invariants.js";
import { renderNotes } from "./support/notes.js";
import { HELM_MAJORS, renderObjects } from "./support/renders.js";

const page = readFileSync(join(repoRoot, "docs", "gitops.md"), "utf8");
const docs: Obj[] = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) => yaml.loadAll(m[1]) as Obj[]);
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const one = (kind: string) => {
  const found = byKind(kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};
const chartVersion = (yaml.load(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { version: string }).version;
/** A version range like "0.1.x" that the chart's own version satisfies. */
const coversChart = (range: string) =>
  new RegExp(`^${range.replace(/\./g, "\\.").replace(/x/g, "[0-9]+")}$`).test(chartVersion);

const dir = mkdtempSync(join(tmpdir(), "docs-gitops-"));
const written = new Map<string, string>();
/** The manifest's values as a file, written once per distinct values: the same path each time, so the render cache
 * (keyed on the options) serves every test that renders them. */
function valuesFile(values: Obj): string {
  const text = yaml.dump(values);
  let path = written.get(text);
  if (!path) {
    written.set(text, (path = join(dir, `values-${written.size + 1}.yaml`)));
    writeFileSync(path, text);
  }
  return path;
}

test("the page's manifests are exactly the ones checked here", () => {
  expect(docs.map((d) => `${d.apiVersion} ${d.kind}`).sort()).toEqual(
    [
      "source.toolkit.fluxcd.io/v1 HelmRepository",
      "helm.toolkit.fluxcd.io/v2 HelmRelease",
      "rbac.authorization.k8s.io/v1 ClusterRole",
      "rbac.authorization.k8s.io/v1 ClusterRoleBinding",
      "rbac.authorization.k8s.io/v1 Role",
      "rbac.authorization.k8s.io/v1 RoleBinding",
      "argoproj.io/v1alpha1 ApplicationSet",
      "v1 Secret",
    ].sort(),
  );
});

describe("Flux HelmRelease", () => {
  const hr = () => one("HelmRelease");

  test("release in kube-system, record in kube-system, the chart from the HelmRepository above", () => {
    const { spec } = hr();
    expect(spec.targetNamespace).toBe("kube-system");
    expect(spec.storageNamespace).toBe("kube-system");
    const repo = one("HelmRepository");
    expect(spec.chart.spec.sourceRef).toEqual({ kind: "HelmRepository", name: repo.metadata.name });
    expect(repo.metadata.namespace).toBe(hr().metadata.namespace);
    expect(spec.chart.spec.chart).toBe("terway-relay");
    expect(coversChart(spec.chart.spec.version), `${spec.chart.spec.version} vs ${chartVersion}`).toBe(true);
  });

  test("install and upgrade retry instead of remediating: no uninstall or rollback between attempts", () => {
    const { spec } = hr();
    for (const action of ["install", "upgrade"]) {
      expect(spec[action].strategy.name, action).toBe("RetryOnFailure");
      expect(spec[action].remediation, action).toBeUndefined();
    }
  });

  test("drift detection leaves the Typha Deployment's replicas to the autoscaler when it is on", async () => {
    const { spec } = hr();
    expect(spec.values.typha.autoscaler.enabled).toBe(true);
    expect(spec.driftDetection.mode).toBe("enabled");
    const objects = await renderObjects({ files: [valuesFile(spec.values)], helm: 4 });
    const typha = objects.find(
      (o) =>
        o.kind === "Deployment" &&
        o.metadata.labels?.["app.kubernetes.io/component"] !== "autoscaler" &&
        o.metadata.name === spec.driftDetection.ignore[0].target.name,
    );
    expect(typha, "the ignore rule names the rendered Typha Deployment").toBeDefined();
    expect(spec.driftDetection.ignore).toEqual([
      { paths: ["/spec/replicas"], target: { kind: "Deployment", name: typha!.metadata.name } },
    ]);
  });

  test.each(HELM_MAJORS)(
    "its values render through the chart, and its timeout is the one NOTES prints (Helm %i)",
    async (helm) => {
      const { spec } = hr();
      const files = [valuesFile(spec.values)];
      const objects = await renderObjects({ files, helm, namespace: spec.targetNamespace });
      expect(objects.some((o) => o.kind === "Deployment")).toBe(true);
      const notes = await renderNotes({ files, helm, namespace: spec.targetNamespace });
      expect(notes).toContain(`pass --timeout ${spec.timeout} (or more)`);
    },
  );

  test("the lookup rules cover every lookup the chart's templates make", () => {
    // Every lookup is in _cluster-facts.tpl (test/lookup-requests.test.ts pins that): its calls are all of them.
    const templates = readFileSync(join(chartDir, "templates/_cluster-facts.tpl"), "utf8");
    const calls = [...templates.matchAll(/lookup "([^"]+)" "([^"]+)" (\S+) (\S+)/g)].map(
      (m) => `${m[1]} ${m[2]} ${m[3] === '""' ? "cluster" : "namespace"} ${m[4].startsWith('""') ? "list" : "get"}`,
    );
    expect(new Set(calls)).toEqual(
      new Set(["v1 Node cluster list", "apps/v1 DaemonSet namespace get", "apps/v1 Deployment namespace get"]),
    );
    const clusterRole = one("ClusterRole");
    const role = one("Role");
    expect(role.metadata.namespace).toBe(hr().spec.targetNamespace);
    expect(clusterRole.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }]);
    const rule = (resource: string) => role.rules.find((r: Obj) => r.resources.includes(resource));
    expect(rule("daemonsets")).toMatchObject({ apiGroups: ["apps"], verbs: ["get"] });
    // The DaemonSets the chart looks up are hook.terwayDaemonSets (its default), the Deployment the Typha one.
    expect(rule("daemonsets").resourceNames).toEqual((defaultValues().hook as Obj).terwayDaemonSets);
    expect(rule("deployments")).toMatchObject({ apiGroups: ["apps"], verbs: ["get"], resourceNames: ["calico-typha"] });
    // Both bindings bind the rules to one account, the one the text says to put in spec.serviceAccountName.
    for (const b of [one("ClusterRoleBinding"), one("RoleBinding")]) {
      expect(b.roleRef.name).toBe(b.kind === "ClusterRoleBinding" ? clusterRole.metadata.name : role.metadata.name);
      expect(b.subjects).toEqual([
        { kind: "ServiceAccount", name: "terway-relay-deployer", namespace: hr().metadata.namespace },
      ]);
    }
  });
});

describe("Argo CD ApplicationSet (ACK One fleets)", () => {
  const appSet = () => one("ApplicationSet");

  /** The Application's Helm inputs for one cluster Secret: the generator's Go template, resolved by hand. */
  function forCluster(secret: Obj): { sets: string[]; values: Obj; name: string } {
    const helm = appSet().spec.template.spec.source.helm;
    const resolve = (v: string) =>
      v.replace(/\{\{index \.metadata\.annotations "([^"]+)"\}\}/g, (_, k: string) => {
        if (!(k in secret.metadata.annotations)) throw new Error(`cluster Secret has no annotation ${k}`);
        return secret.metadata.annotations[k];
      });
    return {
      sets: helm.parameters.map((p: { name: string; value: string }) => `${p.name}=${resolve(p.value)}`),
      values: helm.valuesObject,
      name: resolve(appSet().spec.template.metadata.name),
    };
  }

  test("selects the cluster Secret shown, and gives it its own nodeCount, tag and region", () => {
    const secret = one("Secret");
    expect(secret.metadata.labels["argocd.argoproj.io/secret-type"]).toBe("cluster");
    for (const [k, v] of Object.entries(appSet().spec.generators[0].clusters.selector.matchLabels))
      expect(secret.metadata.labels[k]).toBe(v);
    expect(appSet().spec.goTemplate).toBe(true);
    const { sets } = forCluster(secret);
    expect(sets).toEqual(["nodeCount=1200", "typha.image.tag=v3.24.5", "region=cn-hangzhou"]);
  });

  test("GitOps mode, skipTests, kube-system, a cascading delete (PreDelete runs), the chart's release name", () => {
    const spec = appSet().spec.template.spec;
    expect(spec.source.helm.valuesObject.gitops.enabled).toBe(true);
    expect(spec.source.helm.skipTests).toBe(true);
    expect(spec.source.helm.releaseName).toBe("terway-relay");
    expect(spec.source.chart).toBe("terway-relay");
    expect(coversChart(spec.source.targetRevision)).toBe(true);
    expect(spec.destination.namespace).toBe("kube-system");
    expect(appSet().spec.template.metadata.finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
  });

  test("with the autoscaler on, /spec/replicas of the rendered Typha Deployment is ignored, also while syncing", async () => {
    const spec = appSet().spec.template.spec;
    expect(spec.source.helm.valuesObject.typha.autoscaler.enabled).toBe(true);
    expect(spec.syncPolicy.syncOptions).toContain("RespectIgnoreDifferences=true");
    const { sets, values } = forCluster(one("Secret"));
    const objects = await renderObjects({ files: [valuesFile(values)], sets, helm: 4, kubeVersion: "1.30.0" });
    const typha = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "calico-typha") as KubeObject;
    expect(typha).toBeDefined();
    expect(spec.ignoreDifferences).toEqual([
      {
        group: "apps",
        kind: "Deployment",
        name: typha.metadata.name,
        namespace: "kube-system",
        jsonPointers: ["/spec/replicas"],
      },
    ]);
  });

  test.each(HELM_MAJORS)(
    "renders as Argo CD does (helm template --kube-version --api-versions), with Argo CD hook Jobs (Helm %i)",
    async (helm) => {
      const { sets, values } = forCluster(one("Secret"));
      const objects = await renderObjects({
        files: [valuesFile(values)],
        sets,
        helm,
        kubeVersion: "1.30.0",
        apiVersions: ["apps/v1", "batch/v1", "policy/v1"],
      });
      const hooks = objects.filter((o) => o.kind === "Job" && o.metadata.annotations?.["argocd.argoproj.io/hook"]);
      expect(hooks.map((j) => j.metadata.annotations!["argocd.argoproj.io/hook"])).toEqual([
        "PreSync",
        "PostSync",
        "PreDelete",
      ]);
    },
  );
});
