// doctor's checks: pure functions of what scripts/doctor/cluster.ts read, one per public check id. Each returns
// one status and one sentence, and for anything but ok a fix (the command or value to change). The rules they
// apply come from the product's own definitions: the replica rule (scripts/replicas.ts), Typha's connection
// limits (scripts/plan.ts), the Terway -> Felix table (scripts/felix-table.ts), the Typha/Felix pairing
// rules (scripts/version-skew.ts), the hook's budget (./budget.ts).
import { felixRowOf, terwayVersion } from "../felix-table.js";
import { plan, typhaRebalanceTarget } from "../plan.js";
import { ruleDefaults, typhaReplicas } from "../replicas.js";
import { typhaName } from "../chart-defines.js";
import { schemaDefault } from "../schema.js";
import { below, majorMinor, sameMinor, typhaFelixRefusal } from "../version-skew.js";
import { hookBudget } from "./budget.js";
import { type ClusterFacts, type DaemonSet, NAMESPACE, type Pod } from "./cluster.js";
import type { Read } from "./kubectl.js";

/** The check ids: a public interface (users' CI and alerting key on them); runChecks gives their order. */
export type CheckId =
  | "api"
  | "eni-config"
  | "terway"
  | "typha"
  | "version-skew"
  | "replicas"
  | "connections"
  | "crds"
  | "release";
export type Status = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: CheckId;
  status: Status;
  summary: string;
  fix?: string;
}

export interface CheckOptions {
  /** The release sets typha.allowVersionSkew=true: a skew is a warning, not a failure. */
  allowVersionSkew: boolean;
}

const NS = `-n ${NAMESPACE}`;

/** A read that did not answer, as a check result: a 403 is skip naming the permission; anything else fails. */
function unread(id: CheckId, r: Read<unknown>, permission: string): CheckResult | undefined {
  if (r.ok) return undefined;
  if (r.error.kind === "forbidden")
    return {
      id,
      status: "skip",
      summary: `not allowed to ${permission}: ${r.error.message}`,
      fix: `grant ${permission} (chart values doctor.rbac.create=true, doctor.rbac.subjects)`,
    };
  return { id, status: "fail", summary: `could not ${permission}: ${r.error.message}` };
}

/** Terway's own rule for disable_network_policy: "false", "0" and empty (or absent) leave policy on, anything
 * else turns it off (AliyunContainerService/terway cmd/terway-cli/common.go getAllConfig, v1.17.5; the hook's policy_off). */
export const policyOff = (v: string | undefined): boolean => v !== undefined && !["", "false", "0"].includes(v);

/** The Linux Terway DaemonSets of hook.terwayDaemonSets that exist (Windows ones run no Linux Felix). */
export function terwayDaemonSets(f: ClusterFacts): DaemonSet[] {
  if (!f.daemonSets.ok) return [];
  const names = schemaDefault("hook.terwayDaemonSets") as string[];
  return f.daemonSets.value.items.filter((d) => {
    const os = d.spec.template.spec.nodeSelector?.["kubernetes.io/os"];
    return names.includes(d.metadata.name) && os !== "windows";
  });
}

const policyImage = (d: DaemonSet) => d.spec.template.spec.containers.find((c) => c.name === "policy")?.image;

/** Mode as the live eni-config says: relay (the relay key names a Service), disable, or none. */
function mode(f: ClusterFacts): "relay" | "disable" | "none" | "unknown" {
  if (!f.eniConfig.ok) return "unknown";
  const data = f.eniConfig.value.data ?? {};
  if (data[f.keys.relay]) return "relay";
  return policyOff(data[f.keys.disable]) ? "disable" : "none";
}

function typhaImage(f: ClusterFacts): string | undefined {
  if (!f.typha.ok) return undefined;
  const cs = f.typha.value.spec.template.spec.containers;
  return (cs.find((c) => c.name === typhaName()) ?? cs[0])?.image;
}
const tagOf = (image: string) => /:([^:/@]+)(@.*)?$/.exec(image)?.[1] ?? "";

export function apiCheck(f: ClusterFacts): CheckResult {
  return f.version.ok
    ? { id: "api", status: "ok", summary: `API server reachable, Kubernetes ${f.version.value.gitVersion}` }
    : { id: "api", status: "fail", summary: `could not read /version: ${f.version.error.message}` };
}

export function eniConfigCheck(f: ClusterFacts): CheckResult {
  const id = "eni-config";
  const cm = String(schemaDefault("hook.configMapName"));
  const denied = unread(id, f.eniConfig, `get configmaps/${cm} in ${NAMESPACE}`);
  if (denied?.status === "skip") return denied;
  if (!f.eniConfig.ok) {
    return f.eniConfig.error.kind === "notfound"
      ? {
          id,
          status: "fail",
          summary: `ConfigMap ${NAMESPACE}/${cm} does not exist: this is not a Terway cluster`,
          fix: "install Terway first",
        }
      : denied!;
  }
  const data = f.eniConfig.value.data ?? {};
  const relay = data[f.keys.relay];
  const disable = data[f.keys.disable];
  if (relay) {
    if (policyOff(disable))
      return {
        id,
        status: "fail",
        summary: `${f.keys.relay}=${relay} is live but ${f.keys.disable}=${JSON.stringify(disable)} turns NetworkPolicy off`,
        fix: `remove ${f.keys.disable} from ${cm} (kubectl ${NS} edit configmap ${cm}), then roll Terway (helm upgrade ${f.release} ... re-runs the hook)`,
      };
    if (!f.service.ok && f.service.error.kind === "notfound")
      return {
        id,
        status: "fail",
        summary: `${f.keys.relay}=${relay} names Service ${NAMESPACE}/${relay}, which does not exist: Felix cannot reach Typha`,
        fix: `helm upgrade ${f.release} to recreate it, or helm uninstall ${f.release} to point Felix back at the API server`,
      };
    const s = unread(id, f.service, `get services/${relay} in ${NAMESPACE}`);
    if (s) return s;
    const e = unread(id, f.endpoints, `get endpoints/${relay} in ${NAMESPACE}`);
    if (e) return e;
    const ready = readyAddresses(f);
    if (ready === 0)
      return {
        id,
        status: "fail",
        summary: `${f.keys.relay}=${relay} names Service ${relay}, which has no ready endpoints: Felix cannot reach Typha`,
        fix: `kubectl ${NS} get pods -l k8s-app=${typhaName()} (see the typha check)`,
      };
    return { id, status: "ok", summary: `relay mode: ${f.keys.relay}=${relay}, Service with ${ready} ready endpoints` };
  }
  if (policyOff(disable))
    return {
      id,
      status: "ok",
      summary: `disable mode: ${f.keys.disable}=${JSON.stringify(disable)}, NetworkPolicy off`,
    };
  return {
    id,
    status: "warn",
    summary: `neither ${f.keys.relay} nor ${f.keys.disable} is set: Felix watches the API server directly`,
    fix: `helm install ${f.release} (README, Install)`,
  };
}

function readyAddresses(f: ClusterFacts): number {
  if (!f.endpoints.ok) return 0;
  return (f.endpoints.value.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
}

/** The eni-config state the hook writes on a pod template for the live keys (files/relay-hook.sh targets_state:
 * KEY=VALUE; per key, VALUE quoted, - for absent). */
function liveState(f: ClusterFacts): string | undefined {
  if (!f.eniConfig.ok) return undefined;
  const data = f.eniConfig.value.data ?? {};
  return [f.keys.relay, f.keys.disable]
    .map((k) => `${k}=${data[k] === undefined ? "-" : JSON.stringify(data[k])};`)
    .join("");
}

/** When a DaemonSet's spec last changed: the newest managedFields entry that is not a status update. */
function specChangedAt(d: DaemonSet): Date | undefined {
  const times = (d.metadata.managedFields ?? [])
    .filter((m) => m.subresource !== "status" && m.time)
    .map((m) => Date.parse(m.time!));
  return times.length ? new Date(Math.max(...times)) : undefined;
}

function rollProgress(d: DaemonSet): { updated: number; desired: number; rolling: boolean } {
  const s = d.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const updated = s.updatedNumberScheduled ?? 0;
  const rolling =
    (s.observedGeneration ?? 0) < (d.metadata.generation ?? 0) || updated < desired || (s.numberReady ?? 0) < desired;
  return { updated, desired, rolling };
}

export function terwayCheck(f: ClusterFacts): CheckResult {
  const id = "terway";
  const denied = unread(id, f.daemonSets, `list daemonsets in ${NAMESPACE}`);
  if (denied) return denied;
  const found = terwayDaemonSets(f);
  const names = (schemaDefault("hook.terwayDaemonSets") as string[]).join(", ");
  if (found.length === 0)
    return {
      id,
      status: "fail",
      summary: `no Linux Terway DaemonSet in ${NAMESPACE} (looked for ${names})`,
      fix: "install Terway first",
    };
  const state = liveState(f);
  const parts: string[] = [];
  let status: "ok" | "warn" | "fail" = "ok";
  let fix: string | undefined;
  for (const d of found) {
    const image = policyImage(d) ?? "no policy container";
    const v = terwayVersion(image);
    const row = felixRowOf(image);
    const felix = row ? `Felix ${row.felix}` : "a Felix the chart's table cannot place";
    const p = rollProgress(d);
    const rolled = d.spec.template.metadata?.annotations?.["terway-relay/eni-config"]?.replace(/^[0-9]+ /, "");
    let line = `${d.metadata.name} ${v ? tagOf(image) : image} (${felix})`;
    if (p.rolling) {
      const since = specChangedAt(d);
      const budget = hookBudget(p.desired, d.spec.updateStrategy?.rollingUpdate?.maxUnavailable).rollSeconds;
      const age = since ? Math.floor((f.now.getTime() - since.getTime()) / 1000) : undefined;
      if (age !== undefined && age > budget) {
        status = "fail";
        line += `: roll stalled, ${p.updated} of ${p.desired} pods updated after ${age}s (the hook's budget is ${budget}s)`;
        fix = `kubectl ${NS} rollout status ds/${d.metadata.name}; kubectl ${NS} get pods -l app=${d.metadata.name} to find the pods that do not start`;
      } else {
        if (status === "ok") status = "warn";
        line += `: roll in progress, ${p.updated} of ${p.desired} pods updated`;
        fix ??= `wait, or follow it: terway-relay doctor --watch`;
      }
    } else if (rolled !== undefined && state !== undefined && rolled !== state) {
      if (status === "ok") status = "warn";
      line += `: pods run eni-config ${rolled}, eni-config now says ${state}`;
      fix ??= `helm upgrade ${f.release} ... (its hook rolls Terway for the current eni-config)`;
    } else line += `: ${p.desired} pods current`;
    parts.push(line);
  }
  return { id, status, summary: parts.join("; "), ...(fix ? { fix } : {}) };
}

/** Why a Typha pod cannot run, or undefined: the reasons the issue lists (image pulls, crash loops, scheduling). */
function podTrouble(p: Pod): string | undefined {
  for (const c of p.status?.containerStatuses ?? []) {
    const reason = c.state?.waiting?.reason;
    if (reason && ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"].includes(reason))
      return `pod ${p.metadata.name} is in ${reason} pulling image ${c.image}`;
    if (reason === "CrashLoopBackOff")
      return `pod ${p.metadata.name} is in CrashLoopBackOff (${c.restartCount ?? 0} restarts)`;
  }
  const scheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (p.status?.phase === "Pending" && scheduled?.status === "False")
    return `pod ${p.metadata.name} is Pending (FailedScheduling: ${scheduled.message ?? scheduled.reason ?? "no node fits"})`;
  return undefined;
}

export function typhaCheck(f: ClusterFacts): CheckResult {
  const id = "typha";
  const m = mode(f);
  if (!f.typha.ok && f.typha.error.kind === "notfound") {
    if (m === "relay")
      return {
        id,
        status: "fail",
        summary: `Deployment ${NAMESPACE}/${typhaName()} does not exist while eni-config points Felix at ${f.serviceName}`,
        fix: `helm upgrade ${f.release} to recreate it, or helm uninstall ${f.release}`,
      };
    return {
      id,
      status: m === "disable" ? "ok" : "skip",
      summary: `no Typha Deployment (${m === "disable" ? "disable mode runs none" : "no relay installed"})`,
    };
  }
  const denied =
    unread(id, f.typha, `get deployments in ${NAMESPACE}`) ?? unread(id, f.typhaPods, `list pods in ${NAMESPACE}`);
  if (denied) return denied;
  if (!f.typha.ok || !f.typhaPods.ok) return { id, status: "skip", summary: "unreadable" };
  for (const p of f.typhaPods.value.items) {
    const trouble = podTrouble(p);
    if (trouble) {
      const pull = /pulling image/.test(trouble);
      return {
        id,
        status: "fail",
        summary: trouble,
        fix: pull
          ? "mirror calico/typha at the tag matching Terway's Felix into your registry and set typha.image.registry and typha.image.repository (README, Choosing the Typha version)"
          : `kubectl ${NS} describe pod ${p.metadata.name}; kubectl ${NS} logs ${p.metadata.name} --previous`,
      };
    }
  }
  const want = f.typha.value.spec.replicas ?? 1;
  const readyReplicas = f.typha.value.status?.readyReplicas ?? 0;
  const endpoints = f.service.ok ? readyAddresses(f) : 0;
  const min = Math.min(want, ruleDefaults().minReplicas);
  const summary = `${readyReplicas} of ${want} replicas ready, ${endpoints} ready endpoints behind Service ${f.serviceName}`;
  if (readyReplicas < min || endpoints < min)
    return {
      id,
      status: "fail",
      summary: `${summary}, fewer than the rule's minimum ${min}`,
      fix: `kubectl ${NS} describe deployment ${typhaName()}`,
    };
  if (readyReplicas < want || endpoints < want)
    return { id, status: "warn", summary, fix: `kubectl ${NS} get pods -l k8s-app=${typhaName()}` };
  return { id, status: "ok", summary };
}

/** The Felix line each Linux Terway bundles, against Typha's tag: the hook's check_versions rule (same minor,
 * unless typha.allowVersionSkew), and the pairing no value accepts (scripts/version-skew.ts typhaFelixRefusal). */
export function versionSkewCheck(f: ClusterFacts, o: CheckOptions): CheckResult {
  const id = "version-skew";
  const image = typhaImage(f);
  if (!image) return { id, status: "skip", summary: "no Typha Deployment to compare" };
  const tag = tagOf(image);
  const skews: string[] = [];
  const refused: string[] = [];
  let fixTag: string | undefined;
  const felixes: string[] = [];
  for (const d of terwayDaemonSets(f)) {
    const timage = policyImage(d) ?? "";
    const row = felixRowOf(timage);
    if (!row) {
      skews.push(`Terway ${timage} is a version the chart's Felix table cannot place`);
      continue;
    }
    felixes.push(row.felix);
    const refusal = typhaFelixRefusal(tag, row.felix);
    if (refusal) refused.push(`${refusal} (Terway ${tagOf(timage)}, ${d.metadata.name})`);
    else if (!sameMinor(tag, row.felix))
      skews.push(
        `Typha ${tag} does not match Felix ${row.felix} bundled with Terway ${tagOf(timage)} (${d.metadata.name})`,
      );
    if (refusal || !sameMinor(tag, row.felix)) fixTag = row.typha;
  }
  if (felixes.length === 0 && skews.length === 0)
    return { id, status: "skip", summary: "no Terway DaemonSet to compare" };
  if (skews.length === 0 && refused.length === 0)
    return { id, status: "ok", summary: `Typha ${tag} matches Felix ${[...new Set(felixes)].join(", ")}` };
  const fix = fixTag
    ? `helm upgrade ${f.release} <chart> ${NS} --reset-then-reuse-values --set typha.image.tag=${fixTag} (or leave typha.image.tag empty: the chart picks it)`
    : "set typha.image.tag to the Felix version your Terway bundles (README, Choosing the Typha version)";
  if (refused.length) return { id, status: "fail", summary: [...refused, ...skews].join("; "), fix };
  return o.allowVersionSkew
    ? { id, status: "warn", summary: `${skews.join("; ")} (allowed by typha.allowVersionSkew)`, fix }
    : { id, status: "fail", summary: skews.join("; "), fix };
}

export function replicasCheck(f: ClusterFacts): CheckResult {
  const id = "replicas";
  if (!f.typha.ok) return { id, status: "skip", summary: "no Typha Deployment to size" };
  const denied = unread(id, f.nodes, "list nodes");
  if (denied) return denied;
  if (!f.nodes.ok) return { id, status: "skip", summary: "unreadable" };
  const n = f.nodes.value.count;
  const r = f.typha.value.spec.replicas ?? 1;
  const rule = typhaReplicas({ nodeCount: n }).rule;
  const p = plan({ nodeCount: n, replicas: r, typhaVersion: tagOf(typhaImage(f) ?? "") });
  const loss = p.connections.afterLossPerTypha;
  const upgrade = `helm upgrade ${f.release} <chart> ${NS} --reset-then-reuse-values (nodeCount=0 counts the nodes again; or set typha.replicas=${rule})`;
  if (r < rule)
    return {
      id,
      status: "warn",
      summary: `${n} Linux nodes need ${rule} Typhas by the rule (${ruleDefaults().formula}), the release runs ${r}: the cluster has outgrown it`,
      fix: upgrade,
    };
  if (loss !== null && loss > p.connections.limits.upper)
    return {
      id,
      status: "warn",
      summary: `with one of ${r} Typhas lost each would carry ${loss} connections, above Typha's limit of ${p.connections.limits.upper}`,
      fix: upgrade,
    };
  return {
    id,
    status: "ok",
    summary: `${r} replicas for ${n} Linux nodes (the rule gives ${rule}); ${loss ?? "no"} connections each with one lost`,
  };
}

export function connectionsCheck(f: ClusterFacts): CheckResult {
  const id = "connections";
  if (mode(f) !== "relay") return { id, status: "skip", summary: "not in relay mode" };
  if (f.metrics.length === 0) return { id, status: "skip", summary: "no ready Typha to read metrics from" };
  const bad = f.metrics.find((m) => !m.read.ok);
  if (bad && !bad.read.ok)
    return {
      id,
      status: "skip",
      summary: `Typha metrics unreadable through the pod proxy (${bad.pod}): ${bad.read.error.message}`,
      ...(bad.read.error.kind === "forbidden"
        ? { fix: `grant get on pods/proxy in ${NAMESPACE} (doctor.rbac.create=true)` }
        : {}),
    };
  const per = f.metrics.map((m) => ({ pod: m.pod, n: m.read.ok ? m.read.value : 0 }));
  const active = per.reduce((s, m) => s + m.n, 0);
  const expected = terwayDaemonSets(f).reduce((s, d) => s + (d.status?.numberReady ?? 0), 0);
  if (active < expected)
    return {
      id,
      status: "fail",
      summary: `${active} Felix connected to ${per.length} Typhas, ${expected} Terway pods expected`,
      fix: `kubectl ${NS} logs ds/terway-eniip -c policy | grep -i typha; check TCP 5473 from the nodes to the Typha nodes (README)`,
    };
  const version = tagOf(typhaImage(f) ?? "");
  const { rebalanceTarget: target } = typhaRebalanceTarget(expected, per.length, version);
  const over = per.filter((m) => m.n > target);
  const counts = per.map((m) => `${m.pod}=${m.n}`).join(", ");
  if (over.length)
    return {
      id,
      status: "warn",
      summary: `imbalance: ${over.map((m) => m.pod).join(", ")} above Typha's rebalance target ${target} (${counts})`,
      fix: `kubectl ${NS} rollout restart deployment/${typhaName()} (Felix spreads again as Typhas restart one at a time)`,
    };
  return {
    id,
    status: "ok",
    summary: `${active} Felix connected (${expected} expected): ${counts}, target ${target} per Typha`,
  };
}

export function crdsCheck(f: ClusterFacts): CheckResult {
  const id = "crds";
  const image = typhaImage(f);
  if (!image) return { id, status: "skip", summary: "no Typha Deployment" };
  const missing: string[] = [];
  for (const c of f.crds) {
    if (!c.read.ok && c.read.error.kind !== "notfound") {
      const d = unread(id, c.read, "get customresourcedefinitions");
      if (d) return d;
    }
    const established =
      c.read.ok && (c.read.value.status?.conditions ?? []).some((x) => x.type === "Established" && x.status === "True");
    if (!established) missing.push(c.name);
  }
  if (missing.length === 0) return { id, status: "ok", summary: `${f.crds.map((c) => c.name).join(", ")} Established` };
  // docs/typha.md, "Why the BGPPeer CRD": a watch of a missing CRD is retried without sleeping until libcalico-go
  // 1d990fa7 ("Handle not-found errors in watchercache; revert to poll", lib/backend/watchersyncer/watchercache.go),
  // which projectcalico/typha v3.14.0 is the first to pin (go.mod: libcalico-go dda4a7964ffa; v3.13.4 pins
  // 26809aa675f6, without it); from there it polls every 5 s. A tag that is not a version counts as hot.
  const line = majorMinor(tagOf(image));
  const hot = !line || below(line, [3, 14]);
  return {
    id,
    status: hot ? "fail" : "warn",
    summary: `${missing.join(", ")} not Established: Typha ${tagOf(image)} ${hot ? "hot-loops on its failed watch" : "retries its watch"}`,
    fix: `kubectl apply -f chart/crds/ (helm installs crds/ only on install)`,
  };
}

export function releaseCheck(f: ClusterFacts): CheckResult {
  const id = "release";
  if (!f.releases.ok && f.releases.error.kind === "forbidden")
    return {
      id,
      status: "skip",
      summary: `not allowed to list secrets in ${NAMESPACE} (Helm's release records)`,
      fix: "grant it with doctor.rbac.readHelmReleases=true (it exposes every Secret in kube-system)",
    };
  const denied = unread(id, f.releases, `list secrets in ${NAMESPACE}`);
  if (denied || !f.releases.ok) return denied!;
  const latest = [...f.releases.value].sort((a, b) => Number(b.labels.version) - Number(a.labels.version))[0];
  if (!latest)
    return {
      id,
      status: "warn",
      summary: `no Helm release records for ${f.release} in ${NAMESPACE}`,
      fix: `helm list -A | grep ${f.release}`,
    };
  const { status, version, modifiedAt, createdAt } = latest.labels;
  const history = `helm history ${f.release} ${NS}`;
  // Helm's release statuses (helm v3.17.2 pkg/release/status.go): deployed, failed, pending-install/-upgrade/-rollback.
  if (status === "deployed") return { id, status: "ok", summary: `${f.release} revision ${version} deployed` };
  if (status === "failed")
    return { id, status: "fail", summary: `${f.release} revision ${version} failed`, fix: history };
  if (status?.startsWith("pending-")) {
    const since = Number(modifiedAt ?? createdAt ?? 0);
    const age = since ? Math.floor(f.now.getTime() / 1000) - since : undefined;
    const ds = terwayDaemonSets(f)[0];
    const budget = hookBudget(
      ds?.status?.desiredNumberScheduled ?? 0,
      ds?.spec.updateStrategy?.rollingUpdate?.maxUnavailable,
    ).deadlineSeconds;
    if (age !== undefined && age > budget)
      return {
        id,
        status: "fail",
        summary: `${f.release} revision ${version} ${status} for ${age}s, longer than the hook's budget ${budget}s`,
        fix: history,
      };
    return {
      id,
      status: "warn",
      summary: `${f.release} revision ${version} ${status}`,
      fix: "wait for helm to finish (terway-relay doctor --watch)",
    };
  }
  return { id, status: "warn", summary: `${f.release} revision ${version} is ${status}`, fix: history };
}

export function runChecks(f: ClusterFacts, o: CheckOptions): CheckResult[] {
  return [
    apiCheck(f),
    eniConfigCheck(f),
    terwayCheck(f),
    typhaCheck(f),
    versionSkewCheck(f, o),
    replicasCheck(f),
    connectionsCheck(f),
    crdsCheck(f),
    releaseCheck(f),
  ];
}
