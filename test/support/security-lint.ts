// Security lint of rendered output with @monokle/validation (offline, pure JS): Kubernetes Pod Security Standards,
// baseline and restricted (PSS1xx/PSS2xx), plus Monokle's Kubernetes best-practice rules (KBPxxx) for resources,
// capabilities, root users, writable root filesystems, pod-creating RBAC and unpinned images. The library does the
// checking; written here by hand are only what it does not do:
//  - Kubernetes' own defaulting before the lint: a hostNetwork pod's containerPorts become hostPorts (the API
//    server sets hostPort = containerPort), so the lint sees the host ports Typha really takes;
//  - the exception list: findings accepted on purpose, each for one object and field, with its reason.
import { createDefaultMonokleValidator } from "@monokle/validation";
import yaml from "js-yaml";
import type { KubeObject } from "../../scripts/render.js";
import { podTemplates } from "./invariants.js";

export interface Finding {
  rule: string;
  level: string;
  message: string;
  kind: string;
  name: string;
  /** The offending field, e.g. spec.template.spec.hostNetwork. */
  path: string;
}

export interface LintException {
  rule: string;
  kind: string;
  name: string;
  /** A regular expression over the field path. */
  path: string;
  reason: string;
}

/** Rules switched on beyond Monokle's defaults, and the one deliberately left off. */
const RULES: Record<string, "err" | "warn" | false> = {
  // Pod Security Standards, restricted profile (off by default in Monokle).
  "pod-security-standards/privilege-escalation": "err",
  "pod-security-standards/running-as-non-root": "err",
  "pod-security-standards/running-as-non-root-user": "err",
  "pod-security-standards/seccomp-strict": "err",
  "pod-security-standards/capabilities-strict": "err",
  "pod-security-standards/volume-types": "err",
  // "resources set": CPU and memory requests, and a memory limit (a runaway cache is bounded). No CPU limit is
  // required: Typha under CFS throttling delays every Felix's policy updates; the request reserves its share.
  "practices/cpu-request": "err",
  "practices/memory-request": "err",
  "practices/memory-limit": "err",
  "practices/cpu-limit": false,
  "practices/no-secret-env": "err",
  "practices/no-secret-mounted-as-env": "err",
  "practices/privileged-ports": "err",
  "practices/no-ssh-exposed": "err",
  "practices/image-tagged": "err",
  "practices/mount-propagation": "err",
};

/** The accepted findings. Only what Typha's hostNetwork needs: Felix connects to Typha at the node's IP:5473
 * (Terway's Felix runs in the host network and is given no Typha address but the Service's endpoints, which for a
 * hostNetwork pod are node IPs), so Typha shares the host network namespace and its three declared ports are host
 * ports. Nothing else in any rendered object may need an exception: test/security-lint.test.ts proves each entry is
 * still needed and that the same findings on any other object fail. */
export const EXCEPTIONS: LintException[] = [
  {
    rule: "PSS102",
    kind: "Deployment",
    name: "calico-typha",
    path: "^spec\\.template\\.spec\\.hostNetwork$",
    reason:
      "Typha runs in the host network like the guide's and Calico's own manifests: Felix dials node-IP:5473, one Typha per node.",
  },
  {
    rule: "PSS106",
    kind: "Deployment",
    name: "calico-typha",
    path: "^spec\\.template\\.spec\\.containers\\.\\d+\\.ports\\.\\d+\\.hostPort$",
    reason:
      "With hostNetwork every declared containerPort is a host port (5473 sync, 9098 health, 9093 metrics); they are declared so the scheduler sees the conflicts.",
  },
];

/** Apply the API server's defaulting that matters to the lint: hostNetwork pods get hostPort = containerPort. */
export function withKubernetesDefaults(objects: KubeObject[]): KubeObject[] {
  const copy = structuredClone(objects);
  for (const p of podTemplates(copy)) {
    if (!p.spec.hostNetwork) continue;
    for (const c of [...(p.spec.initContainers ?? []), ...(p.spec.containers ?? [])])
      for (const port of c.ports ?? []) port.hostPort ??= port.containerPort;
  }
  return copy;
}

let validator: ReturnType<typeof createDefaultMonokleValidator> | undefined;

async function monokle() {
  if (validator) return validator;
  const v = createDefaultMonokleValidator();
  await v.preload({
    plugins: {
      "pod-security-standards": true,
      practices: true,
      "kubernetes-schema": false,
      "yaml-syntax": false,
      "resource-links": false,
      metadata: false,
    },
    rules: RULES,
  });
  return (validator = v);
}

/** Every finding on the rendered objects (after Kubernetes defaulting), exceptions not yet applied. */
export async function lint(objects: KubeObject[]): Promise<Finding[]> {
  // CRDs carry no pod or permission; Monokle would also try to register their schemas with its (disabled, online)
  // kubernetes-schema plugin and fail.
  const docs = withKubernetesDefaults(objects.filter((o) => o.kind !== "CustomResourceDefinition"));
  const resources = docs.map((content, i) => ({
    id: `r${i}`,
    fileId: "rendered",
    filePath: "rendered.yaml",
    fileOffset: 0,
    text: yaml.dump(content),
    apiVersion: content.apiVersion,
    kind: content.kind,
    name: content.metadata?.name ?? "",
    namespace: content.metadata?.namespace,
    content,
  }));
  const response = await (await monokle()).validate({ resources: resources as never });
  const out: Finding[] = [];
  for (const run of response.runs) {
    for (const r of run.results) {
      const logical = r.locations?.[1]?.logicalLocations ?? [];
      const resourceId = r.locations?.[1]?.physicalLocation?.artifactLocation?.uri;
      const doc = docs[resources.findIndex((x) => x.id === resourceId)];
      out.push({
        rule: r.ruleId,
        level: r.level ?? "error",
        message: r.message.text,
        kind: doc?.kind ?? "?",
        name: doc?.metadata?.name ?? logical[0]?.name ?? "?",
        path: logical.find((l) => l.kind === "element")?.fullyQualifiedName ?? "",
      });
    }
  }
  return out;
}

export function isExcepted(f: Finding, exceptions: LintException[] = EXCEPTIONS): LintException | undefined {
  return exceptions.find(
    (e) => e.rule === f.rule && e.kind === f.kind && e.name === f.name && new RegExp(e.path).test(f.path),
  );
}

/** Findings not covered by an exception: the lint passes when this is empty. */
export async function securityProblems(objects: KubeObject[]): Promise<Finding[]> {
  return (await lint(objects)).filter((f) => !isExcepted(f));
}
