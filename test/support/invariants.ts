// Coherence invariants of a rendered release: properties that hold between objects (or between fields of one
// object) and that no schema checks. They apply to whatever the chart renders (every workload, Service, PDB,
// hook Job, test Pod), not to a fixed list. test/support/renders.ts runs them on every successful render of
// every test, so "checked on every render" holds by construction; test/invariants.test.ts proves each can fail.
import type { KubeObject, RenderOptions } from "../../scripts/render.js";
import { resolve } from "node:path";
import { chartDir } from "../../scripts/tools.js";
import { mergeValues } from "../../scripts/values.js";

export interface InvariantContext {
  /** The release namespace (helm --namespace). */
  namespace: string;
  /** ServiceAccounts the values declare as already existing (typha.serviceAccount.name with create=false). */
  externalServiceAccounts?: string[];
  /** Subjects the values name for people and tools outside the release (doctor.rbac.subjects): bound as given. */
  userSubjects?: { kind: string; name: string }[];
}

/** True when a render is of the project's own chart/ (renders.ts's render() checks those on every render). */
export function isProjectChart(o: RenderOptions): boolean {
  return o.chart === undefined || resolve(o.chart) === chartDir;
}

/** The context for a render: its namespace, the existing ServiceAccount the values name, if any, and the users'
 * subjects they bind. */
export function contextFor(o: RenderOptions): InvariantContext {
  const values = mergeValues(o, o.chart) as {
    typha?: { serviceAccount?: { create?: boolean; name?: string } };
    doctor?: { rbac?: { subjects?: { kind: string; name: string }[] } };
  };
  const sa = values.typha?.serviceAccount;
  return {
    namespace: o.namespace ?? "kube-system",
    externalServiceAccounts: sa && !sa.create && sa.name ? [sa.name] : [],
    userSubjects: values.doctor?.rbac?.subjects ?? [],
  };
}

/** Felix's defaults (calico felix/config): the Service port name it looks up, and Typha's sync port. */
export const FELIX_TYPHA_PORT_NAME = "calico-typha";
export const TYPHA_SYNC_PORT = 5473;
/** The eni-config keys Terway's policy container reads (terway charts/terway/templates/terwayd/daemonset.yaml,
 * v1.17.5: felix_relay_service as FELIX_TYPHAK8SSERVICENAME; cmd/terway-cli/common.go: disable_network_policy), as
 * the tests know them: the chart defines them once (_hook.tpl, terway-relay.eniConfigKeys) and hands them to the
 * hook as RELAY_KEY and DISABLE_KEY, which felixFindsTypha holds to these. */
export const ENI_CONFIG_KEYS = { relay: "felix_relay_service", disable: "disable_network_policy" } as const;
export const RELAY_KEY = ENI_CONFIG_KEYS.relay;
const DISABLE_KEY = ENI_CONFIG_KEYS.disable;
const KEY_LITERAL = new RegExp(`"?(${RELAY_KEY}|${DISABLE_KEY})"?\\s*[:=]\\s*"?([^"\\s,}]*)"?`, "g");
/** ServiceAccounts the chart may reference without rendering them: Terway's own (serviceAccountName: terway in
 * AliyunContainerService/terway v1.17.5, charts/terway/templates/terwayd/daemonset.yaml, and in the guide's Typha,
 * test/fixtures/guide-typha.yaml), and the namespace's default account. */
export const EXTERNAL_SERVICE_ACCOUNTS = ["terway", "default"];
/** ClusterRoles a binding may reference without rendering them (Kubernetes' built-in roles). */
const BUILTIN_CLUSTER_ROLE = /^(view|edit|admin|cluster-admin|system:.+)$/;

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PriorityClass",
  "StorageClass",
  "CSIDriver",
  "CSINode",
  "IngressClass",
  "RuntimeClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "PodSecurityPolicy",
  "FlowSchema",
  "PriorityLevelConfiguration",
  "VolumeAttachment",
  "CertificateSigningRequest",
  // Calico's cluster-scoped resources (crd.projectcalico.org).
  "BGPPeer",
  "BGPConfiguration",
  "FelixConfiguration",
  "IPPool",
  "GlobalNetworkPolicy",
  "GlobalNetworkSet",
  "HostEndpoint",
  "ClusterInformation",
]);

/** A rendered object walked by field name: the tests read arbitrary paths, so its fields are untyped. */
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML is walked by arbitrary paths
export type Obj = Record<string, any>;

export interface PodTemplate {
  owner: string;
  labels: Record<string, string>;
  spec: Obj;
  /** The object that holds the template (for hook annotations). */
  object: KubeObject;
}

const id = (o: KubeObject) => `${o.kind}/${o.metadata?.name}`;

/** Every pod template the release renders: workloads, CronJobs, bare Pods (helm test). */
export function podTemplates(objects: KubeObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects as (KubeObject & Obj)[]) {
    let t: Obj | undefined;
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"].includes(o.kind))
      t = o.spec?.template;
    else if (o.kind === "CronJob") t = o.spec?.jobTemplate?.spec?.template;
    else if (o.kind === "Pod") t = { metadata: o.metadata, spec: o.spec };
    if (t) out.push({ owner: id(o), labels: t.metadata?.labels ?? {}, spec: t.spec ?? {}, object: o });
  }
  return out;
}

export function containersOf(spec: Obj): Obj[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

export function matchesSelector(labels: Record<string, string>, selector: Obj | undefined): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const envOf = (c: Obj): Record<string, string | undefined> =>
  Object.fromEntries((c.env ?? []).map((e: Obj) => [e.name, e.value]));

// ---------------------------------------------------------------------------------------------------------------
// The invariants. Each returns its violations as sentences naming the object and field.

/** Selectors match pod labels: each workload's selector matches its own template; each Service and PDB selects
 * at least one rendered pod template; a Service's targetPort resolves to a port those pods declare. */
export function selectorsMatch(objects: KubeObject[]): string[] {
  const out: string[] = [];
  const pods = podTemplates(objects);
  for (const o of objects as (KubeObject & Obj)[]) {
    if (
      ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(o.kind) ||
      (o.kind === "Job" && o.spec?.manualSelector)
    ) {
      const labels = o.spec?.template?.metadata?.labels ?? {};
      if (!o.spec?.selector || !matchesSelector(labels, o.spec.selector))
        out.push(
          `${id(o)}: spec.selector ${JSON.stringify(o.spec?.selector)} does not match its pod labels ${JSON.stringify(labels)}`,
        );
    }
    if (o.kind === "PodDisruptionBudget") {
      const hit = pods.filter((p) => matchesSelector(p.labels, o.spec?.selector));
      if (hit.length === 0)
        out.push(`${id(o)}: spec.selector ${JSON.stringify(o.spec?.selector)} selects no pod the release renders`);
    }
    if (o.kind === "Service" && o.spec?.selector && Object.keys(o.spec.selector).length > 0) {
      const hit = pods.filter((p) => matchesSelector(p.labels, { matchLabels: o.spec.selector }));
      if (hit.length === 0) {
        out.push(`${id(o)}: spec.selector ${JSON.stringify(o.spec.selector)} selects no pod the release renders`);
        continue;
      }
      for (const port of o.spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        for (const p of hit) {
          const declared = containersOf(p.spec).flatMap((c) => c.ports ?? []);
          const ok =
            typeof target === "string"
              ? declared.some((d: Obj) => d.name === target)
              : declared.some((d: Obj) => d.containerPort === target);
          if (!ok)
            out.push(
              `${id(o)}: port ${port.name ?? port.port} targets ${JSON.stringify(target)}, which ${p.owner}'s containers do not declare`,
            );
        }
      }
    }
  }
  return out;
}

/** The pod templates that run Typha: a container configured with TYPHA_DATASTORETYPE, which only Typha reads
 * (a hook may carry other TYPHA_-prefixed variables of its own). */
export function typhaPods(objects: KubeObject[]): { pod: PodTemplate; container: Obj }[] {
  return podTemplates(objects).flatMap((pod) =>
    (pod.spec.containers ?? [])
      .filter((c: Obj) => (c.env ?? []).some((e: Obj) => e.name === "TYPHA_DATASTORETYPE"))
      .map((container: Obj) => ({ pod, container })),
  );
}

/** The eni-config keys and values a hook container writes: the relay hook (chart/files/relay-hook.sh) takes them as
 * OWNED_KEY / OWNED_VALUE; a literal `felix_relay_service=NAME` or `"felix_relay_service":"NAME"` in a command,
 * args or env counts too. */
export function eniConfigWrites(
  objects: KubeObject[],
): { owner: string; key: string; value: string; env: Record<string, string | undefined> }[] {
  const out: { owner: string; key: string; value: string; env: Record<string, string | undefined> }[] = [];
  for (const p of podTemplates(objects)) {
    for (const c of containersOf(p.spec)) {
      const env = envOf(c);
      if (env.OWNED_KEY !== undefined)
        out.push({
          owner: `${p.owner} ${c.name} env OWNED_VALUE`,
          key: env.OWNED_KEY,
          value: env.OWNED_VALUE ?? "",
          env,
        });
      const text = [
        ...(c.command ?? []),
        ...(c.args ?? []),
        ...(c.env ?? []).map((e: Obj) => String(e.value ?? "")),
      ].join("\n");
      for (const m of text.matchAll(KEY_LITERAL))
        out.push({ owner: `${p.owner} ${c.name} command/args`, key: m[1], value: m[2], env });
    }
  }
  return out;
}

/** The values written to felix_relay_service. */
export function relayValuesWritten(objects: KubeObject[]): { owner: string; value: string }[] {
  return eniConfigWrites(objects).filter((w) => w.key === RELAY_KEY);
}

/** What Felix looks up is what the release serves: a Service selecting the Typha pods, with a port named
 * calico-typha that reaches Typha's sync port; every value the hook writes to eni-config's felix_relay_service
 * names that Service, and what the hook waits on (SERVICE_NAME, TYPHA_DEPLOYMENT, METRICS_PORT, NAMESPACE) is what
 * the release renders. A disable_network_policy write must be a value Terway reads as "disabled". */
export function felixFindsTypha(objects: KubeObject[], ctx: InvariantContext): string[] {
  const out: string[] = [];
  const typhas = typhaPods(objects);
  const services = (objects as (KubeObject & Obj)[]).filter((o) => o.kind === "Service");
  const typhaServices = services.filter(
    (s) => s.spec?.selector && typhas.some((t) => matchesSelector(t.pod.labels, { matchLabels: s.spec.selector })),
  );
  for (const t of typhas) {
    const port = Number(envOf(t.container).TYPHA_SERVERPORT ?? TYPHA_SYNC_PORT);
    const declared = (t.container.ports ?? []).find((p: Obj) => p.containerPort === port);
    if (!declared) out.push(`${t.pod.owner}: Typha container does not declare its sync port ${port}`);
    else if (declared.name !== FELIX_TYPHA_PORT_NAME)
      out.push(
        `${t.pod.owner}: Typha's sync port ${port} is named ${JSON.stringify(declared.name)}, not ${FELIX_TYPHA_PORT_NAME}`,
      );
    const svc = typhaServices.filter((s) => matchesSelector(t.pod.labels, { matchLabels: s.spec.selector }));
    if (svc.length === 0) out.push(`${t.pod.owner}: no Service selects the Typha pods, so Felix cannot find them`);
    for (const s of svc) {
      if (s.spec.clusterIP === "None") continue; // a headless Service (e.g. for a ServiceMonitor) is not Felix's
      const p = (s.spec.ports ?? []).find((x: Obj) => x.name === FELIX_TYPHA_PORT_NAME);
      if (!p)
        out.push(
          `${id(s)}: selects Typha but has no port named ${FELIX_TYPHA_PORT_NAME} (Felix's TyphaK8sServicePortName)`,
        );
      else if (
        !(
          p.targetPort === FELIX_TYPHA_PORT_NAME ||
          p.targetPort === port ||
          (p.targetPort === undefined && p.port === port)
        )
      )
        out.push(
          `${id(s)}: port ${FELIX_TYPHA_PORT_NAME} targets ${JSON.stringify(p.targetPort)}, not Typha's sync port ${port}`,
        );
    }
  }
  const felixServices = typhaServices.filter((s) =>
    (s.spec.ports ?? []).some((x: Obj) => x.name === FELIX_TYPHA_PORT_NAME),
  );
  const names = new Set(felixServices.map((s) => s.metadata.name));
  const typhaOwners = new Set(typhas.map((t) => t.pod.owner));
  const metricsPorts = new Set(
    typhas.map((t) => envOf(t.container).TYPHA_PROMETHEUSMETRICSPORT).filter((x) => x !== undefined),
  );
  for (const w of eniConfigWrites(objects)) {
    if (w.key === RELAY_KEY && !names.has(w.value))
      out.push(
        `${w.owner}: writes ${RELAY_KEY}=${JSON.stringify(w.value)}, but the Service Felix can use is ${JSON.stringify([...names])}`,
      );
    if (w.key === DISABLE_KEY && ["", "0", "false"].includes(w.value))
      out.push(`${w.owner}: writes ${DISABLE_KEY}=${JSON.stringify(w.value)}, which Terway reads as "policy enabled"`);
    if (w.env.RELAY_KEY !== undefined && w.env.RELAY_KEY !== RELAY_KEY)
      out.push(`${w.owner}: takes RELAY_KEY=${w.env.RELAY_KEY}, but Terway reads ${RELAY_KEY}`);
    if (w.env.DISABLE_KEY !== undefined && w.env.DISABLE_KEY !== DISABLE_KEY)
      out.push(`${w.owner}: takes DISABLE_KEY=${w.env.DISABLE_KEY}, but Terway reads ${DISABLE_KEY}`);
    if (w.key !== RELAY_KEY) continue;
    if (w.env.SERVICE_NAME !== undefined && !names.has(w.env.SERVICE_NAME))
      out.push(
        `${w.owner}: waits on Service ${w.env.SERVICE_NAME}, not the Typha Service ${JSON.stringify([...names])}`,
      );
    if (w.env.TYPHA_DEPLOYMENT !== undefined && !typhaOwners.has(`Deployment/${w.env.TYPHA_DEPLOYMENT}`))
      out.push(`${w.owner}: waits on Deployment ${w.env.TYPHA_DEPLOYMENT}, which does not run Typha`);
    if (w.env.METRICS_PORT !== undefined && !metricsPorts.has(w.env.METRICS_PORT))
      out.push(
        `${w.owner}: reads metrics on port ${w.env.METRICS_PORT}, not Typha's ${JSON.stringify([...metricsPorts])}`,
      );
    if (w.env.NAMESPACE !== undefined && w.env.NAMESPACE !== ctx.namespace)
      out.push(`${w.owner}: edits namespace ${w.env.NAMESPACE}, not the release namespace ${ctx.namespace}`);
  }
  return out;
}

function resolvePort(container: Obj, port: unknown): number | undefined {
  if (typeof port === "number") return port;
  return (container.ports ?? []).find((p: Obj) => p.name === port)?.containerPort;
}

/** Probes reach a port the container declares; for Typha, that port is TYPHA_HEALTHPORT, declared as "health". */
export function probesOnHealthPort(objects: KubeObject[]): string[] {
  const out: string[] = [];
  for (const p of podTemplates(objects)) {
    for (const c of containersOf(p.spec)) {
      const env = envOf(c);
      const healthEnv = env.TYPHA_HEALTHPORT ?? env.FELIX_HEALTHPORT;
      const namedHealth = (c.ports ?? []).find((x: Obj) => x.name === "health")?.containerPort;
      if (healthEnv !== undefined && namedHealth !== undefined && Number(healthEnv) !== namedHealth)
        out.push(`${p.owner} ${c.name}: TYPHA_HEALTHPORT=${healthEnv} but the port named health is ${namedHealth}`);
      for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        const probe = c[kind];
        if (!probe) continue;
        const handler = probe.httpGet ?? probe.tcpSocket ?? probe.grpc;
        if (!handler) continue; // exec probes have no port
        const n = resolvePort(c, handler.port);
        if (n === undefined || !(c.ports ?? []).some((x: Obj) => x.containerPort === n))
          out.push(
            `${p.owner} ${c.name}: ${kind} port ${JSON.stringify(handler.port)} is not a port the container declares`,
          );
        else if (healthEnv !== undefined && n !== Number(healthEnv))
          out.push(`${p.owner} ${c.name}: ${kind} uses port ${n}, not the health port ${healthEnv}`);
      }
    }
  }
  return out;
}

/** TYPHA_SHUTDOWNTIMEOUTSECS, where set, equals the pod's terminationGracePeriodSeconds (Kubernetes default 30). */
export function shutdownMatchesGrace(objects: KubeObject[]): string[] {
  const out: string[] = [];
  for (const p of podTemplates(objects)) {
    for (const c of containersOf(p.spec)) {
      const v = envOf(c).TYPHA_SHUTDOWNTIMEOUTSECS;
      if (v === undefined) continue;
      const grace = p.spec.terminationGracePeriodSeconds ?? 30;
      if (Number(v) !== grace)
        out.push(`${p.owner} ${c.name}: TYPHA_SHUTDOWNTIMEOUTSECS=${v} but terminationGracePeriodSeconds=${grace}`);
    }
  }
  return out;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kinds whose names Kubernetes validates as DNS subdomains and that never become a pod name or label value: the
 * schema lets typha.serviceAccount.name be one (a.b is a valid account). Workloads, Services, PDBs and Pods must be
 * DNS labels: their names become pod names and label values (a Job's job-name label), limited to 63. */
const SUBDOMAIN_NAMED = new Set([
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "PriorityClass",
]);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** All names are valid: object names are DNS labels (Services DNS-1035; a CRD is <plural>.<group>; accounts, roles
 * and ConfigMaps may be DNS subdomains, as Kubernetes allows), container names
 * DNS labels, port names IANA service names, label keys and values as Kubernetes requires. */
export function namesValid(objects: KubeObject[]): string[] {
  const out: string[] = [];
  const label = (where: string, s: unknown, re: RegExp, max: number, what: string) => {
    if (typeof s !== "string" || s.length > max || !re.test(s))
      out.push(`${where}: ${JSON.stringify(s)} is not a valid ${what}`);
  };
  const labels = (where: string, l: Record<string, unknown> | undefined) => {
    for (const [k, v] of Object.entries(l ?? {})) {
      label(`${where} label key`, k, QUALIFIED_NAME, 316, "label key");
      if (k.includes("/") && k.split("/")[1].length > 63)
        out.push(`${where}: label key ${k} has a name part over 63 characters`);
      label(`${where} label ${k}`, v, LABEL_VALUE, 63, "label value");
    }
  };
  for (const o of objects as (KubeObject & Obj)[]) {
    const name = o.metadata?.name;
    if (o.kind === "CustomResourceDefinition") {
      if (name !== `${o.spec?.names?.plural}.${o.spec?.group}`)
        out.push(`${id(o)}: a CRD must be named <plural>.<group>`);
    } else if (o.kind === "Service") label(id(o), name, DNS1035_LABEL, 63, "Service name (DNS-1035 label)");
    else if (SUBDOMAIN_NAMED.has(o.kind)) label(id(o), name, DNS1123_SUBDOMAIN, 253, "name (DNS-1123 subdomain)");
    else label(id(o), name, DNS1123_LABEL, 63, "name (DNS-1123 label)");
    labels(id(o), o.metadata?.labels);
    for (const port of o.kind === "Service" ? (o.spec?.ports ?? []) : [])
      if (port.name !== undefined) label(`${id(o)} port`, port.name, IANA_SVC_NAME, 15, "port name (IANA_SVC_NAME)");
  }
  for (const p of podTemplates(objects)) {
    labels(`${p.owner} pod template`, p.labels);
    labels(`${p.owner} nodeSelector`, p.spec.nodeSelector);
    for (const [i, t] of (p.spec.tolerations ?? []).entries())
      if (t.key !== undefined && t.key !== "")
        label(`${p.owner} tolerations[${i}].key`, t.key, QUALIFIED_NAME, 316, "toleration key (label key)");
    for (const c of containersOf(p.spec)) {
      label(`${p.owner} container`, c.name, DNS1123_LABEL, 63, "container name (DNS-1123 label)");
      for (const port of c.ports ?? [])
        if (port.name !== undefined)
          label(`${p.owner} ${c.name} port`, port.name, IANA_SVC_NAME, 15, "port name (IANA_SVC_NAME)");
    }
  }
  return out;
}

const isUserSubject = (s: { kind?: string; name?: string }, ctx: InvariantContext) =>
  (ctx.userSubjects ?? []).some((u) => u.kind === s.kind && u.name === s.name);

/** Every namespaced object is in the release namespace (set explicitly, so `kubectl apply` of the rendered output
 * lands there too); cluster-scoped objects carry none; ServiceAccount subjects are the release namespace's, but for
 * the users' subjects the values name. */
export function inReleaseNamespace(objects: KubeObject[], ctx: InvariantContext): string[] {
  const out: string[] = [];
  for (const o of objects as (KubeObject & Obj)[]) {
    const ns = o.metadata?.namespace;
    if (CLUSTER_SCOPED.has(o.kind)) {
      if (ns !== undefined) out.push(`${id(o)}: cluster-scoped but has namespace ${JSON.stringify(ns)}`);
    } else if (ns !== ctx.namespace)
      out.push(`${id(o)}: namespace ${JSON.stringify(ns)}, not the release namespace ${JSON.stringify(ctx.namespace)}`);
    for (const s of o.subjects ?? []) {
      if (s.kind === "ServiceAccount" && s.namespace !== ctx.namespace && !isUserSubject(s, ctx))
        out.push(
          `${id(o)}: subject ServiceAccount ${s.name} is in ${JSON.stringify(s.namespace)}, not ${ctx.namespace}`,
        );
    }
  }
  return out;
}

/** References resolve: pods run as a ServiceAccount the release renders (or Terway's / the default one); bindings
 * bind rendered roles (or built-in ClusterRoles) to rendered ServiceAccounts. */
export function referencesResolve(objects: KubeObject[], ctx: InvariantContext): string[] {
  const out: string[] = [];
  const names = (kind: string) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const sas = names("ServiceAccount");
  const saOk = (n: string | undefined) =>
    n === undefined ||
    sas.has(n) ||
    EXTERNAL_SERVICE_ACCOUNTS.includes(n) ||
    (ctx.externalServiceAccounts ?? []).includes(n);
  for (const p of podTemplates(objects)) {
    const sa = p.spec.serviceAccountName ?? p.spec.serviceAccount;
    if (!saOk(sa)) out.push(`${p.owner}: runs as ServiceAccount ${sa}, which the release does not render`);
  }
  for (const o of objects as (KubeObject & Obj)[]) {
    if (o.kind !== "RoleBinding" && o.kind !== "ClusterRoleBinding") continue;
    const ref = o.roleRef ?? {};
    const ok =
      ref.kind === "Role"
        ? names("Role").has(ref.name)
        : names("ClusterRole").has(ref.name) || BUILTIN_CLUSTER_ROLE.test(ref.name);
    if (!ok) out.push(`${id(o)}: roleRef ${ref.kind}/${ref.name} is not rendered by the release`);
    for (const s of o.subjects ?? [])
      if (s.kind === "ServiceAccount" && !saOk(s.name) && !isUserSubject(s, ctx))
        out.push(`${id(o)}: binds ServiceAccount ${s.name}, which the release does not render`);
  }
  return out;
}

export const INVARIANTS: Record<string, (objects: KubeObject[], ctx: InvariantContext) => string[]> = {
  selectorsMatch,
  felixFindsTypha,
  probesOnHealthPort,
  shutdownMatchesGrace,
  namesValid,
  inReleaseNamespace,
  referencesResolve,
};

export function invariantViolations(objects: KubeObject[], ctx: InvariantContext): string[] {
  return Object.entries(INVARIANTS).flatMap(([name, check]) => check(objects, ctx).map((v) => `[${name}] ${v}`));
}

export class InvariantError extends Error {}

export function assertInvariants(objects: KubeObject[], ctx: InvariantContext): void {
  const v = invariantViolations(objects, ctx);
  if (v.length > 0) throw new InvariantError(`rendered release breaks ${v.length} invariant(s):\n${v.join("\n")}`);
}
