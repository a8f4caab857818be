// The hook as rendered, under Helm 3 and Helm 4: one Job per phase running the chart's script, RBAC and script
// weighing less than the Jobs, the written value equal to the Typha Service's name, nothing of Typha in
// disable-network-policy mode, least-privilege RBAC, bounded Jobs, and a time budget that follows the cluster.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { HelmError, type KubeObject } from "../scripts/render.js";
import { repoRoot } from "../scripts/tools.js";
import { formatProblems, validateValues } from "../scripts/validate.js";
import { mergeValues } from "../scripts/values.js";
import { containerEnv, HELM_MAJORS, renderObjects } from "./support/renders.js";
import { DISABLE, PHASES } from "./support/hook-harness.js";

const BASE = ["region=cn-hangzhou", "nodeCount=320"];
/** Disable mode over BASE (the harness's DISABLE is the mode's values alone). */
const DISABLED = [...BASE, ...DISABLE];

type Job = KubeObject & {
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    ttlSecondsAfterFinished?: number;
    template: {
      spec: {
        serviceAccountName: string;
        securityContext: Record<string, unknown>;
        containers: {
          image: string;
          command: string[];
          env: { name: string; value: string }[];
          securityContext: Record<string, unknown>;
          volumeMounts: { name: string; mountPath: string }[];
        }[];
        volumes: { name: string; emptyDir?: object; configMap?: { name: string } }[];
      };
    };
  };
};
type Rule = { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] };

// The eni-config hook's objects (other hooks, such as helm test's, carry another component label).
const hooks = (objects: KubeObject[]) =>
  objects.filter(
    (o) =>
      o.metadata.annotations?.["helm.sh/hook"] &&
      o.metadata.labels?.["app.kubernetes.io/component"] === "eni-config-hook",
  );
const jobs = (objects: KubeObject[]) => hooks(objects).filter((o): o is Job => o.kind === "Job");
const weight = (o: KubeObject) => Number(o.metadata.annotations?.["helm.sh/hook-weight"] ?? 0);

describe.each(HELM_MAJORS)("Helm %i", (helm) => {
  test("one Job per phase, each running the chart's script byte for byte with its own PHASE", async () => {
    const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], helm });
    const js = jobs(objects);
    expect(js.map((j) => j.metadata.annotations!["helm.sh/hook"]).sort()).toEqual([...PHASES].sort());
    for (const j of js) {
      expect(containerEnv(j).PHASE).toBe(j.metadata.annotations!["helm.sh/hook"]);
      expect(j.spec.template.spec.containers[0].command).toEqual(["/bin/sh", "/hook/relay-hook.sh"]);
    }
    const script = hooks(objects).find((o) => o.kind === "ConfigMap") as KubeObject & { data: Record<string, string> };
    expect(script.data["relay-hook.sh"]).toBe(readFileSync(join(repoRoot, "chart/files/relay-hook.sh"), "utf8"));
  });

  test("ServiceAccount, Role, RoleBinding and script exist before any Job: lower weight, same phases, cleaned up", async () => {
    const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], helm });
    const support = hooks(objects).filter((o) => o.kind !== "Job");
    expect(support.map((o) => o.kind).sort()).toEqual(["ConfigMap", "Role", "RoleBinding", "ServiceAccount"]);
    const minJobWeight = Math.min(...jobs(objects).map(weight));
    for (const o of support) {
      expect(weight(o)).toBeLessThan(minJobWeight);
      expect(o.metadata.annotations!["helm.sh/hook"].split(",").sort()).toEqual([...PHASES].sort());
      expect(o.metadata.annotations!["helm.sh/hook-delete-policy"]).toBe("before-hook-creation,hook-succeeded");
    }
  });

  test("the value written is the Typha Service's name, also when renamed", async () => {
    for (const name of ["calico-typha", "typha-relay"]) {
      const objects = await renderObjects({
        sets: [...BASE, "typha.image.tag=v3.24.5", `typha.serviceName=${name}`],
        helm,
      });
      const services = objects.filter((o) => o.kind === "Service" && !o.metadata.annotations?.["helm.sh/hook"]);
      expect(services.map((s) => s.metadata.name)).toContain(name);
      for (const j of jobs(objects))
        expect(containerEnv(j)).toMatchObject({
          MODE: "relay",
          OWNED_KEY: "felix_relay_service",
          OWNED_VALUE: name,
          SERVICE_NAME: name,
        });
    }
  });

  test('disable-network-policy: no Typha at all, and a hook that writes disable_network_policy: "true"', async () => {
    const objects = await renderObjects({ sets: DISABLED, helm });
    const releaseObjects = objects.filter((o) => !o.metadata.annotations?.["helm.sh/hook"]);
    expect(releaseObjects.filter((o) => ["Deployment", "Service", "PodDisruptionBudget"].includes(o.kind))).toEqual([]);
    expect(JSON.stringify(releaseObjects)).not.toMatch(/typha/i);
    for (const j of jobs(objects))
      expect(containerEnv(j)).toMatchObject({
        MODE: "disable-network-policy",
        OWNED_KEY: "disable_network_policy",
        OWNED_VALUE: "true",
      });
    const role = hooks(objects).find((o) => o.kind === "Role") as KubeObject & { rules: Rule[] };
    expect(role.rules.flatMap((r) => r.resources)).not.toContain("deployments");
    expect(role.rules.flatMap((r) => r.resources)).not.toContain("endpoints");
  });

  test("disable-network-policy without the acknowledgement is refused, saying why", async () => {
    const sets = [...BASE, "mode=disable-network-policy"];
    await expect(renderObjects({ sets, helm })).rejects.toBeInstanceOf(HelmError);
    const problems = formatProblems(validateValues(mergeValues({ sets })));
    expect(problems).toBe(
      "- acknowledgeNetworkPolicyOff: must be true: mode disable-network-policy turns off NetworkPolicy enforcement in the whole cluster: set acknowledgeNetworkPolicyOff=true to confirm that is intended",
    );
    expect(
      validateValues(mergeValues({ sets: ["region=cn-hangzhou", "mode=disable-network-policy-please"] })).map(
        (p) => p.path,
      ),
    ).toContain("mode");
  });

  test("least privilege: a namespaced Role, named objects only (but Typha's pods), the verbs the script uses", async () => {
    const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], helm });
    expect(objects.filter((o) => o.kind === "ClusterRole" && o.metadata.annotations?.["helm.sh/hook"])).toEqual([]);
    const role = hooks(objects).find((o) => o.kind === "Role") as KubeObject & { rules: Rule[] };
    expect(role.metadata.namespace).toBe("kube-system");
    const grants = role.rules.flatMap((r) =>
      r.resources.flatMap((res) =>
        (r.resourceNames ?? ["*"]).map((n) => `${res}/${n}: ${[...r.verbs].sort().join(",")}`),
      ),
    );
    expect(grants.sort()).toEqual(
      [
        "configmaps/eni-config: get,patch",
        "daemonsets/terway-eniip: get,list,patch,watch",
        "daemonsets/terway: get,list,patch,watch",
        "daemonsets/terway-eni: get",
        "namespaces/kube-system: get",
        "deployments/calico-typha: get",
        "endpoints/calico-typha: get",
        // Typha's pods by the Deployment's selector, while the hook waits for Typha (names are not known).
        "pods/*: list",
      ].sort(),
    );
  });

  test("Jobs: bounded, no ttlSecondsAfterFinished, non-root, read-only root, no capabilities, RuntimeDefault, writable HOME", async () => {
    const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], helm });
    for (const j of jobs(objects)) {
      expect(j.metadata.annotations!["helm.sh/hook-delete-policy"]).toBe("before-hook-creation,hook-succeeded");
      expect(j.spec.ttlSecondsAfterFinished).toBeUndefined();
      expect(j.spec.backoffLimit).toBeGreaterThanOrEqual(0);
      expect(j.spec.backoffLimit).toBeLessThanOrEqual(2);
      expect(j.spec.activeDeadlineSeconds).toBeGreaterThan(0);
      const pod = j.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      const c = pod.containers[0];
      expect(c.image).toBe("registry-vpc.cn-hangzhou.aliyuncs.com/acs/kubectl:1.21.0");
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
      const home = c.volumeMounts.find((m) => m.mountPath === containerEnv(j).HOME);
      expect(pod.volumes.find((v) => v.name === home?.name)?.emptyDir).toBeDefined();
    }
  });

  test("the time budget follows the node count and the DaemonSet's maxUnavailable", async () => {
    // 10% (Terway's chart) of 1000 nodes: 10 batches of 100, 60 s each.
    const big = jobs(
      await renderObjects({ sets: ["region=cn-hangzhou", "nodeCount=1000", "typha.image.tag=v3.24.5"], helm }),
    );
    // 5 nodes: 10% rounds up to 1 pod, so 5 batches.
    const small = jobs(
      await renderObjects({
        sets: ["region=cn-hangzhou", "nodeCount=5", "typha.replicas=3", "typha.image.tag=v3.24.5"],
        helm,
      }),
    );
    expect(containerEnv(big[0]).ROLLOUT_TIMEOUT).toBe("600");
    expect(containerEnv(small[0]).ROLLOUT_TIMEOUT).toBe("300");
    // Typha wait 300 + roll + Felix check 180 + 60 s of kubectl calls.
    expect(big[0].spec.activeDeadlineSeconds).toBe(300 + 600 + 180 + 60);
    expect(small[0].spec.activeDeadlineSeconds).toBe(300 + 300 + 180 + 60);
    const slower = jobs(
      await renderObjects({
        sets: ["region=cn-hangzhou", "nodeCount=1000", "typha.image.tag=v3.24.5", "hook.secondsPerRollBatch=120"],
        helm,
      }),
    );
    expect(containerEnv(slower[0]).ROLLOUT_TIMEOUT).toBe("1200");
  });

  test("the Felix version table reaches the script, and an empty tag falls back to the chart's appVersion offline", async () => {
    const objects = await renderObjects({ sets: BASE, helm });
    const e = containerEnv(jobs(objects)[0]);
    expect(e.FELIX_VERSIONS.split("\n")).toEqual([
      "1.0.10.0 1.0.10.153 v3.5.2 v3.5.8",
      "1.0.10.153 1.0.10.456 v3.5.8 v3.5.8",
      "1.0.10.456 1.4.4.2 v3.20.2 v3.20.2",
      "1.4.4.2 1.5.0.0 v3.24.5 v3.24.5",
      "1.5.1.0 - v3.24.5 v3.24.5",
    ]);
    expect(e.TYPHA_VERSION).toBe("v3.5.8");
    const deployment = objects.find((o) => o.kind === "Deployment") as KubeObject & {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.5.8",
    );
  });
});

/** The inputs relay-hook.sh requires (`: "${X:?}"`), split by whether it requires them in every mode or in relay mode only. */
function requiredInputs(): { always: string[]; relay: string[] } {
  const script = readFileSync(join(repoRoot, "chart/files/relay-hook.sh"), "utf8");
  const names = (line: string) => [...line.matchAll(/"\$\{([A-Z_]+):\?\}"/g)].map((m) => m[1]);
  const lines = script.split("\n").filter((l) => l.includes(":?}"));
  return {
    always: lines.filter((l) => /^: /.test(l)).flatMap(names),
    relay: lines.filter((l) => l.includes('[ "$MODE" = relay ]')).flatMap(names),
  };
}

test("every input the hook script requires is rendered into every hook Job, in every mode and GitOps setting", async () => {
  const { always, relay } = requiredInputs();
  expect(always.length).toBeGreaterThan(15);
  expect(relay).toEqual(["TYPHA_MIN_READY", "TYPHA_VERSION"]);
  for (const sets of [
    [...BASE, "typha.image.tag=v3.24.5"],
    DISABLED,
    [...BASE, "typha.image.tag=v3.24.5", "gitops.enabled=true"],
    [...DISABLED, "gitops.enabled=true", "gitops.restoreOnSync=true"],
  ]) {
    const js = jobs(await renderObjects({ sets, helm: 4 }));
    expect(js.length).toBeGreaterThan(0);
    for (const j of js) {
      const e = containerEnv(j);
      const wanted = e.MODE === "relay" ? [...always, ...relay] : always;
      for (const name of wanted) expect(e[name], `${j.metadata.name} ${name} (${sets.join(" ")})`).toMatch(/./);
    }
  }
});

test("the script's and the helm test's shared facts have the same names", async () => {
  const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], helm: 4 });
  const testEnv = containerEnv(
    objects.find((o) => o.kind === "Pod" && o.metadata.annotations?.["helm.sh/hook"] === "test")!,
  );
  const hookEnv = containerEnv(jobs(objects)[0]);
  for (const name of ["NAMESPACE", "MODE", "CONFIGMAP", "OWNED_KEY", "OWNED_VALUE", "SERVICE_NAME"])
    expect(testEnv[name], name).toBe(hookEnv[name]);
  // The helm test asks for the rule's minimum (it may run while the autoscaler scales), the hook for the count.
  expect(Object.keys(testEnv).filter((k) => !["HOME", "TYPHA_MIN_READY"].includes(k) && !(k in hookEnv))).toEqual([]);
});

test("a Job missing a required input stops before reading or changing anything", async () => {
  const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], helm: 4 });
  const e = containerEnv(jobs(objects)[0]);
  for (const name of requiredInputs().always) {
    const { [name]: _, ...rest } = e;
    const r = await execa("/bin/sh", [join(repoRoot, "chart/files/relay-hook.sh")], {
      extendEnv: false,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...rest, KUBECTL: "/nonexistent/kubectl" },
      reject: false,
    });
    expect(r.exitCode, name).not.toBe(0);
    expect(r.stderr, name).toContain(name);
  }
});

test("a 53-character release name (Helm's limit) still gives Job names that fit the job-name label (63)", async () => {
  const releaseName = `${"r".repeat(30)}-${"x".repeat(22)}`;
  expect(releaseName).toHaveLength(53);
  const objects = await renderObjects({ sets: [...BASE, "typha.image.tag=v3.24.5"], releaseName });
  const names = hooks(objects).map((o) => o.metadata.name!);
  expect(names).toHaveLength(11);
  for (const n of names) expect(n.length, n).toBeLessThanOrEqual(63);
  expect(new Set(names).size).toBe(8); // ServiceAccount, Role, RoleBinding and ConfigMap share one name
});

test("Helm 3 and Helm 4 render the same hooks", async () => {
  for (const sets of [[...BASE, "typha.image.tag=v3.24.5"], DISABLED]) {
    const [h3, h4] = await Promise.all(HELM_MAJORS.map(async (helm) => hooks(await renderObjects({ sets, helm }))));
    expect(h3).toEqual(h4);
  }
});
