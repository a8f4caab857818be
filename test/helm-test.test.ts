// `helm test terway-relay`: the test pod and its RBAC as both Helm majors render them, and the script it runs
// (files/typha-test.sh) against a stub kubectl, passing and failing.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Role } from "kubernetes-types/rbac/v1.js";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../scripts/render.js";
import { chartDir } from "../scripts/tools.js";
import { validateWithKubernetesModels } from "./support/kube-models.js";
import { shellcheckAvailable } from "./support/shellcheck.js";
import { BASE, HELM_MAJORS, one, renderObjects } from "./support/renders.js";
import { unknownFields } from "./support/strict-fields.js";

const SCRIPT = join(chartDir, "files/typha-test.sh");
const testHooks = (objs: KubeObject[]) => objs.filter((o) => o.metadata.annotations?.["helm.sh/hook"] === "test");
const envOf = (p: Pod) => Object.fromEntries(p.spec!.containers[0].env!.map((e) => [e.name, e.value]));

describe.each(HELM_MAJORS)("helm test pod (helm %i)", (helm) => {
  it("renders a test pod whose RBAC hooks come strictly before it and go away once it succeeds", async () => {
    const hooks = testHooks(await renderObjects({ helm, sets: [...BASE, "nodeCount=1001"] }));
    expect(hooks.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        "Pod/terway-relay-test",
        "Role/terway-relay-test",
        "RoleBinding/terway-relay-test",
        "ServiceAccount/terway-relay-test",
      ].sort(),
    );
    const weight = (o: KubeObject) => Number(o.metadata.annotations!["helm.sh/hook-weight"]);
    const pod = hooks.find((o) => o.kind === "Pod")!;
    for (const o of hooks.filter((h) => h !== pod)) {
      expect(weight(o), o.kind).toBeLessThan(weight(pod));
      expect(o.metadata.annotations!["helm.sh/hook-delete-policy"]).toBe("before-hook-creation,hook-succeeded");
    }
    expect(new Set(hooks.filter((h) => h !== pod).map(weight)).size).toBe(3);
    expect(pod.metadata.annotations!["helm.sh/hook-delete-policy"]).toBe("before-hook-creation");
    for (const o of hooks) {
      await validateWithKubernetesModels(o);
      expect(unknownFields(o), o.kind).toEqual([]);
    }
  });

  it("reads only the Typha Service's endpoints and Terway's ConfigMap, by name", async () => {
    const role = one<Role>(testHooks(await renderObjects({ helm, sets: [...BASE, "nodeCount=1001"] })), "Role");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["endpoints"], resourceNames: ["calico-typha"], verbs: ["get"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["eni-config"], verbs: ["get"] },
    ]);
  });

  it("relay mode: checks the minimum ready endpoints and eni-config's relay key", async () => {
    const objs = await renderObjects({ helm, sets: [...BASE, "nodeCount=1001", "typha.serviceName=typha-relay"] });
    const pod = one<Pod>(testHooks(objs), "Pod");
    expect(envOf(pod)).toMatchObject({
      MODE: "relay",
      SERVICE_NAME: "typha-relay",
      TYPHA_MIN_READY: "3",
      CONFIGMAP: "eni-config",
      OWNED_KEY: "felix_relay_service",
      OWNED_VALUE: "typha-relay",
    });
    expect(pod.spec!.containers[0].command!.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(pod.spec!.containers[0].command![2]).toContain("get endpoints");
    expect(pod.spec!.serviceAccountName).toBe("terway-relay-test");
  });

  it("a fixed count below the rule's minimum lowers the minimum the test asks for", async () => {
    const pod = one<Pod>(testHooks(await renderObjects({ helm, sets: [...BASE, "typha.replicas=2"] })), "Pod");
    expect(envOf(pod).TYPHA_MIN_READY).toBe("2");
  });

  it("disable-network-policy mode: no Typha to check, only the ConfigMap key", async () => {
    const objs = await renderObjects({
      helm,
      sets: [...BASE, "mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"],
    });
    const hooks = testHooks(objs);
    const env = envOf(one<Pod>(hooks, "Pod"));
    expect(env).toMatchObject({
      MODE: "disable-network-policy",
      OWNED_KEY: "disable_network_policy",
      OWNED_VALUE: "true",
    });
    expect(env.SERVICE_NAME).toBeUndefined();
    expect(one<Role>(hooks, "Role").rules!.map((r) => r.resources![0])).toEqual(["configmaps"]);
  });
});

describe("files/typha-test.sh", () => {
  /** Runs the script with a stub kubectl: STUB_IPS answers the endpoints read, STUB_VALUE the ConfigMap read. */
  async function run(env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "typha-test-"));
    writeFileSync(
      join(dir, "kubectl"),
      '#!/bin/sh\ncase "$*" in\n  *"get endpoints"*) printf %s "$STUB_IPS" ;;\n  *"get configmap"*) printf %s "$STUB_VALUE" ;;\n  *) exit 9 ;;\nesac\n',
    );
    chmodSync(join(dir, "kubectl"), 0o755);
    const base = {
      NAMESPACE: "kube-system",
      MODE: "relay",
      CONFIGMAP: "eni-config",
      OWNED_KEY: "felix_relay_service",
      OWNED_VALUE: "calico-typha",
      SERVICE_NAME: "calico-typha",
      TYPHA_MIN_READY: "3",
    };
    return execa("sh", [SCRIPT], {
      reject: false,
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...base, ...env },
    });
  }

  it("passes with enough ready endpoints and the relay key set", async () => {
    const r = await run({ STUB_IPS: "10.0.0.1 10.0.0.2 10.0.0.3", STUB_VALUE: "calico-typha" });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("ok: Service calico-typha has 3 ready Typha endpoints (at least 3)");
    expect(r.stdout).toContain('ok: ConfigMap eni-config has felix_relay_service="calico-typha"');
  });

  it("fails with fewer ready endpoints than the minimum", async () => {
    const r = await run({ STUB_IPS: "10.0.0.1 10.0.0.2", STUB_VALUE: "calico-typha" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("has 2 ready Typha endpoints, fewer than 3");
  });

  it("fails when eni-config does not point Felix at the Service", async () => {
    const r = await run({ STUB_IPS: "10.0.0.1 10.0.0.2 10.0.0.3", STUB_VALUE: "" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('has felix_relay_service="", want "calico-typha"');
  });

  it("disable-network-policy mode checks only the key", async () => {
    const r = await run({
      MODE: "disable-network-policy",
      OWNED_KEY: "disable_network_policy",
      OWNED_VALUE: "true",
      SERVICE_NAME: "",
      TYPHA_MIN_READY: "",
      STUB_IPS: "",
      STUB_VALUE: "true",
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("endpoints");
  });

  it("is clean under shellcheck", async (ctx) => {
    if (!(await shellcheckAvailable(ctx))) return;
    const r = await execa("shellcheck", ["--shell=sh", SCRIPT], { reject: false });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });
});
