// Security lint of everything the chart renders (@monokle/validation: Pod Security Standards baseline and
// restricted, and Kubernetes best practices), under Helm 3 and Helm 4, in every mode and with every feature on.
// The only accepted findings are the documented exceptions for Typha's hostNetwork; the tests prove each exception
// is still needed, covers nothing but Typha, and that the lint catches the breaks it exists for.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../scripts/render.js";
import { type Obj, podTemplates, typhaPods } from "./support/invariants.js";
import { BASE, HELM_MAJORS, renderObjects } from "./support/renders.js";
import { EXCEPTIONS, isExcepted, lint, securityProblems, withKubernetesDefaults } from "./support/security-lint.js";
import { featureSets } from "./support/variants.js";

const CONFIGS: { name: string; sets: string[] }[] = [
  { name: "defaults", sets: [...BASE, "nodeCount=1000"] },
  { name: "every feature on", sets: [...BASE, "nodeCount=5000", ...featureSets()] },
  {
    name: "disable-network-policy mode",
    sets: [...BASE, "mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"],
  },
  {
    name: "Typha v3.24 with a dedicated account",
    sets: [...BASE, "typha.image.tag=v3.24.5", "typha.serviceAccount.create=true"],
  },
  { name: "Typha v3.26 (graceful shutdown)", sets: [...BASE, "typha.image.tag=v3.26.1"] },
];
const render = (helm: 3 | 4, sets: string[]) =>
  renderObjects({
    helm,
    sets,
    includeCrds: true,
    apiVersions: ["monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor"],
  });

describe.each(HELM_MAJORS)("helm %i", (helm) => {
  it.each(CONFIGS)("$name: no finding outside the exception list", async ({ sets }) => {
    const problems = await securityProblems(await render(helm, sets));
    expect(problems).toEqual([]);
  });

  it("every exception is still needed", async () => {
    const findings = (await Promise.all(CONFIGS.map(async (c) => lint(await render(helm, c.sets))))).flat();
    for (const e of EXCEPTIONS)
      expect(
        findings.some((f) => isExcepted(f, [e])),
        `${e.rule} ${e.kind}/${e.name} ${e.path}`,
      ).toBe(true);
  });
});

describe("the exception list", () => {
  it("covers only the Typha Deployment's host network and its host ports, each with a reason", async () => {
    const objs = await render(4, CONFIGS[1].sets);
    const typha = new Set(typhaPods(objs).map((t) => t.pod.owner));
    for (const e of EXCEPTIONS) {
      expect(["PSS102", "PSS106"]).toContain(e.rule);
      expect(typha.has(`${e.kind}/${e.name}`), `${e.kind}/${e.name} runs Typha`).toBe(true);
      expect(e.reason.length).toBeGreaterThan(40);
    }
  });

  it("applies Kubernetes' defaulting: a hostNetwork pod's containerPorts are host ports", async () => {
    const objs = withKubernetesDefaults(await render(4, CONFIGS[0].sets));
    const t = typhaPods(objs)[0].container;
    expect(t.ports.map((p: Obj) => p.hostPort)).toEqual(t.ports.map((p: Obj) => p.containerPort));
    for (const p of podTemplates(objs).filter((x) => !x.spec.hostNetwork))
      for (const c of p.spec.containers) for (const port of c.ports ?? []) expect(port.hostPort).toBeUndefined();
  });
});

/** Breaks the lint must catch, each on a copy of a real render with every feature on. */
const firstJob = (o: Obj[]) => o.find((x) => x.kind === "Job")!;
const jobContainer = (o: Obj[]) => firstJob(o).spec.template.spec.containers[0];
const typhaOf = (o: Obj[]) => o.find((x) => x.kind === "Deployment" && x.metadata.name === "calico-typha")!;
const typhaContainer = (o: Obj[]) => typhaOf(o).spec.template.spec.containers[0];

const BREAKS: [string, string, (o: Obj[]) => void, (o: Obj[]) => string][] = [
  ["privileged Typha", "PSS103", (o) => (typhaContainer(o).securityContext.privileged = true), () => "calico-typha"],
  [
    "privilege escalation in a hook Job",
    "PSS202",
    (o) => (jobContainer(o).securityContext.allowPrivilegeEscalation = true),
    (o) => firstJob(o).metadata.name,
  ],
  [
    "a capability added to Typha",
    "PSS104",
    (o) => (typhaContainer(o).securityContext.capabilities.add = ["NET_ADMIN"]),
    () => "calico-typha",
  ],
  [
    "capabilities no longer dropped in a hook Job",
    "PSS206",
    (o) => delete jobContainer(o).securityContext.capabilities,
    (o) => firstJob(o).metadata.name,
  ],
  ["no resources on a hook Job", "KBP004", (o) => delete jobContainer(o).resources, (o) => firstJob(o).metadata.name],
  ["no memory limit on Typha", "KBP005", (o) => delete typhaContainer(o).resources.limits, () => "calico-typha"],
  [
    "hostNetwork on a hook Job: the exception is Typha's alone",
    "PSS102",
    (o) => (firstJob(o).spec.template.spec.hostNetwork = true),
    (o) => firstJob(o).metadata.name,
  ],
  [
    "a host port on a hook Job",
    "PSS106",
    (o) => (jobContainer(o).ports = [{ containerPort: 8080, hostPort: 8080 }]),
    (o) => firstJob(o).metadata.name,
  ],
  [
    "Typha as root",
    "PSS204",
    (o) => (typhaOf(o).spec.template.spec.securityContext.runAsUser = 0),
    () => "calico-typha",
  ],
  [
    "no seccomp profile on a hook Job",
    "PSS205",
    (o) => delete firstJob(o).spec.template.spec.securityContext.seccompProfile,
    (o) => firstJob(o).metadata.name,
  ],
  [
    "a writable root filesystem on Typha",
    "KBP102",
    (o) => (typhaContainer(o).securityContext.readOnlyRootFilesystem = false),
    () => "calico-typha",
  ],
  [
    "a hostPath volume on a hook Job",
    "PSS105",
    (o) => (firstJob(o).spec.template.spec.volumes = [{ name: "host", hostPath: { path: "/" } }]),
    (o) => firstJob(o).metadata.name,
  ],
  [
    "a :latest image on Typha",
    "KBP001",
    (o) => (typhaContainer(o).image = "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:latest"),
    () => "calico-typha",
  ],
  [
    "a Role that may create pods",
    "KBP107",
    (o) => o.find((x) => x.kind === "Role")!.rules.push({ apiGroups: [""], resources: ["pods"], verbs: ["create"] }),
    (o) => o.find((x) => x.kind === "Role")!.metadata.name,
  ],
];

describe("the lint catches", () => {
  it.each(BREAKS)("%s (%s)", async (_what, rule, breakIt, target) => {
    const objs = structuredClone(await render(4, CONFIGS[1].sets)) as (KubeObject & Obj)[];
    breakIt(objs);
    const problems = await securityProblems(objs);
    expect(
      problems.some((f) => f.rule === rule && f.name === target(objs)),
      JSON.stringify(problems),
    ).toBe(true);
  });
});
