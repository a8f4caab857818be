// The hook as Argo CD renders and reads it: `helm template` with --kube-version and --api-versions and no cluster
// (Argo CD's repo-server), under Helm 3 and Helm 4. Argo CD's reading of hook annotations is replayed from its
// source (argoproj/argo-cd v3.4.7):
// - an object with argocd.argoproj.io/hook has its helm.sh/hook ignored for the sync phases
//   (gitops-engine/pkg/sync/hook/hook.go Types), but not for PreDelete: either annotation makes it a PreDelete
//   hook (controller/hook.go isHookOfType, comma lists split from v3.3.3), and v3.3.3-v3.3.4 leave every PreDelete
//   hook out of the sync (v3.3.4 controller/state.go; v3.3.5 keeps those with a sync phase too);
// - helm.sh/hook maps pre-install and pre-upgrade to PreSync, post-install and post-upgrade to PostSync
//   (gitops-engine/pkg/sync/hook/helm/type.go); pre-delete to PreDelete (controller/hook.go hookTypeAnnotations);
//   any other Helm hook (pre-rollback, post-rollback, test) is a hook of no phase: never applied;
// - a hook without a delete policy gets BeforeHookCreation (gitops-engine/pkg/sync/hook/delete_policy.go);
// - PreDelete hooks are created all at once, without waves (controller/hook.go executeHooks).
import { describe, expect, test } from "vitest";
import type { KubeObject } from "../scripts/render.js";
import { containerEnv, HELM_MAJORS, renderObjects } from "./support/renders.js";

const ARGO = {
  kubeVersion: "1.30.0",
  apiVersions: ["apps/v1", "batch/v1", "policy/v1", "rbac.authorization.k8s.io/v1"],
};
const GITOPS = ["region=cn-hangzhou", "nodeCount=1200", "typha.image.tag=v3.24.5", "gitops.enabled=true"];
const DISABLE = ["mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"];

const HELM_TO_ARGO: Record<string, string> = {
  "pre-install": "PreSync",
  "pre-upgrade": "PreSync",
  "post-install": "PostSync",
  "post-upgrade": "PostSync",
  "pre-delete": "PreDelete",
};
const csv = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** The Argo CD hook types of an object, as Argo CD reads them. */
function argoTypes(o: KubeObject): string[] {
  const a = o.metadata.annotations ?? {};
  const helmTypes = csv(a["helm.sh/hook"]).flatMap((h) => (HELM_TO_ARGO[h] ? [HELM_TO_ARGO[h]] : []));
  if (!a["argocd.argoproj.io/hook"]) return [...new Set(helmTypes)];
  const types = csv(a["argocd.argoproj.io/hook"]);
  return helmTypes.includes("PreDelete") && !types.includes("PreDelete") ? [...types, "PreDelete"] : types;
}
const hookObjects = (objects: KubeObject[]) =>
  objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "eni-config-hook");
type Job = KubeObject & { spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } };
const phaseOf = (j: Job) => containerEnv(j).PHASE;
const wave = (o: KubeObject) => Number(o.metadata.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0);

describe.each(HELM_MAJORS)("Helm %i, rendered as Argo CD does", (helm) => {
  for (const mode of ["relay", "disable-network-policy"]) {
    test(`${mode}, gitops.enabled: one PreSync, one PostSync and one PreDelete Job, each what Helm's hooks would run`, async () => {
      const objects = await renderObjects({ sets: mode === "relay" ? GITOPS : [...GITOPS, ...DISABLE], helm, ...ARGO });
      const jobs = hookObjects(objects).filter((o): o is Job => o.kind === "Job");
      expect(jobs.map((j) => [argoTypes(j), phaseOf(j)])).toEqual([
        [["PreSync"], "pre-upgrade"],
        [["PostSync"], "post-upgrade"],
        [["PreDelete"], "pre-delete"],
      ]);
      for (const j of jobs) {
        const a = j.metadata.annotations!;
        // The Helm annotations name the same phase, so the manifests still run as hooks under helm or Flux.
        expect(new Set(csv(a["helm.sh/hook"]).map((h) => HELM_TO_ARGO[h]))).toEqual(new Set(argoTypes(j)));
        // A failed Job stays for its logs; a succeeded one goes, and the next sync makes a new one.
        expect(csv(a["argocd.argoproj.io/hook-delete-policy"]).sort()).toEqual(["BeforeHookCreation", "HookSucceeded"]);
      }
      // Nothing Argo CD would keep as a hook of no phase (pre-rollback, post-rollback).
      for (const o of hookObjects(objects))
        expect(argoTypes(o).length, `${o.kind}/${o.metadata.name}`).toBeGreaterThan(0);
    });

    test(`${mode}, gitops.enabled: ServiceAccount, Role, RoleBinding and script exist for every Job, PreDelete included`, async () => {
      const objects = await renderObjects({ sets: mode === "relay" ? GITOPS : [...GITOPS, ...DISABLE], helm, ...ARGO });
      const hooks = hookObjects(objects);
      const support = hooks.filter((o) => o.kind !== "Job");
      expect(support.map((o) => o.kind).sort()).toEqual(["ConfigMap", "Role", "RoleBinding", "ServiceAccount"]);
      const jobs = hooks.filter((o) => o.kind === "Job");
      for (const o of support) {
        // Created by the first phase of every sync, a wave before its Job, and no PreDelete hook (which Argo CD
        // v3.3.3-v3.3.4 would leave out of the sync)...
        expect(argoTypes(o)).toEqual(["PreSync"]);
        expect(o.metadata.annotations!["helm.sh/hook-delete-policy"]).toBe("before-hook-creation");
        expect(wave(o)).toBeLessThan(Math.min(...jobs.map(wave)));
        // ...and never deleted after it succeeds, so the PostSync Job and the PreDelete Job (created without waves,
        // at Application deletion) find them.
        expect(csv(o.metadata.annotations!["argocd.argoproj.io/hook-delete-policy"])).toEqual(["BeforeHookCreation"]);
      }
    });

    test(`${mode}, gitops.restoreOnSync: the sync restores (PostSync, the pre-delete phase) and nothing sets the key`, async () => {
      const objects = await renderObjects({
        sets: [...(mode === "relay" ? GITOPS : [...GITOPS, ...DISABLE]), "gitops.restoreOnSync=true"],
        helm,
        ...ARGO,
      });
      const jobs = hookObjects(objects).filter((o): o is Job => o.kind === "Job");
      expect(jobs.map((j) => [j.metadata.name, argoTypes(j), phaseOf(j)])).toEqual([
        ["terway-relay-eni-config-restore", ["PostSync"], "pre-delete"],
        ["terway-relay-eni-config-pre-delete", ["PreDelete"], "pre-delete"],
      ]);
      // Typha stays in the release until the Application is deleted: the restore rolls Felix off it first.
      if (mode === "relay")
        expect(objects.some((o) => o.kind === "Deployment" && o.metadata.name === "calico-typha")).toBe(true);
    });
  }

  test("without gitops.enabled: Helm's annotations only, one Job per Helm phase (Argo CD maps or drops them)", async () => {
    const objects = await renderObjects({
      sets: ["region=cn-hangzhou", "nodeCount=1200", "typha.image.tag=v3.24.5"],
      helm,
      ...ARGO,
    });
    for (const o of objects)
      expect(
        Object.keys(o.metadata.annotations ?? {}).filter((k) => k.startsWith("argocd.argoproj.io/")),
        `${o.kind}/${o.metadata.name}`,
      ).toEqual([]);
    const jobs = hookObjects(objects).filter((o): o is Job => o.kind === "Job");
    // pre-rollback and post-rollback are Helm-only: under Argo CD they are hooks of no phase.
    expect(
      jobs
        .filter((j) => argoTypes(j).length === 0)
        .map(phaseOf)
        .sort(),
    ).toEqual(["post-rollback", "pre-rollback"]);
  });
});
