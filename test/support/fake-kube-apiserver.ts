// A small fake Kubernetes API server for the hook script's control-flow tests: loopback only, random port.
// It speaks what the real kubectl needs for the objects the script touches: discovery, get/list/watch (with a
// metadata.name field selector; list also with an equality label selector), JSON/merge/strategic-merge PATCH, PUT;
// resourceVersion and generation bumps; DaemonSet rollouts that complete at once, take a while, or never finish. Tests can also make the cluster disagree
// with the hook: a writer between its read and its patch (onRequest), a failing request (failWhen), a closed
// Typha metrics port (closeMetrics), a Typha whose Endpoints lag its Deployment (hook-harness typhaObjects).
// Every request is recorded and authorized against the rendered hook
// Role, as the hook's ServiceAccount, the way kube-apiserver's RBAC authorizer would: a request the Role does
// not allow gets a 403 Status and stays in `denied` for the test to fail on.
// Several isolated clusters share one server, each under its own path prefix (/c/<id>), so scenarios can run
// side by side against one listener.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface Identity {
  /** system:serviceaccount:<ns>:<name> */
  user: string;
  rules: PolicyRule[];
}

export interface RecordedRequest {
  method: string;
  url: string;
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
  user?: string;
  allowed: boolean;
  status: number;
  contentType?: string;
  /** The Accept header of a list (a Table for kubectl's human-readable get). */
  accept?: string;
  body?: unknown;
}

interface ResourceInfo {
  namespaced?: false;
  group: string;
  version: string;
  resource: string;
  kind: string;
  shortNames: string[];
}

// kubectl sends a bearer token only over TLS: the fake serves HTTPS with a loopback-only test certificate.
const tlsDir = new URL("../fixtures/tls/", import.meta.url);
const tls = { cert: readFileSync(new URL("loopback.crt", tlsDir)), key: readFileSync(new URL("loopback.key", tlsDir)) };

const RESOURCES: ResourceInfo[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", shortNames: ["ns"], namespaced: false },
  { group: "", version: "v1", resource: "nodes", kind: "Node", shortNames: ["no"], namespaced: false },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", shortNames: ["cm"] },
  { group: "", version: "v1", resource: "endpoints", kind: "Endpoints", shortNames: ["ep"] },
  { group: "", version: "v1", resource: "services", kind: "Service", shortNames: ["svc"] },
  { group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", shortNames: ["ds"] },
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", shortNames: ["deploy"] },
  // The other kinds the chart renders: Helm maps each rendered object through discovery before a server-side dry
  // run, then GETs it to look for a conflicting object.
  { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", shortNames: ["sa"] },
  { group: "", version: "v1", resource: "pods", kind: "Pod", shortNames: ["po"] },
  // Helm's release records (doctor reads their labels).
  { group: "", version: "v1", resource: "secrets", kind: "Secret", shortNames: [] },
  { group: "batch", version: "v1", resource: "jobs", kind: "Job", shortNames: [] },
  {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    shortNames: ["pdb"],
  },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", shortNames: [] },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", shortNames: [] },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterroles",
    kind: "ClusterRole",
    shortNames: [],
    namespaced: false,
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    shortNames: [],
    namespaced: false,
  },
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    shortNames: ["crd"],
    namespaced: false,
  },
];
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

const clone = <T>(v: T): T => structuredClone(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function infoFor(apiVersion: string, kind: string): ResourceInfo {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const info = RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
  if (!info) throw new Error(`fake API server: unsupported ${apiVersion} ${kind}`);
  return info;
}

/** RFC 7386 JSON Merge Patch (what kubectl's --type merge sends; strategic merge behaves the same for maps). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

class PatchError extends Error {}

/** An equality-based label selector (k=v, k!=v, k, !k, comma-separated), as kube-apiserver applies it. */
function labelsMatch(o: Obj, selector: string): boolean {
  const labels = (o.metadata.labels ?? {}) as Record<string, string>;
  return selector
    .split(",")
    .filter(Boolean)
    .every((term) => {
      const m = /^(!?)([^!=]+)(?:(!=|==?)(.*))?$/.exec(term.trim());
      if (!m) return false;
      const [, not, key, op, value] = m;
      if (!op) return not ? !(key in labels) : key in labels;
      return op === "!=" ? labels[key] !== value : labels[key] === value;
    });
}

/** The meta.k8s.io/v1 Table kube-apiserver answers a list with when asked: a Name and an Age column, Status for
 * Nodes (the server's node printer adds SchedulingDisabled for a cordoned node: kubernetes/kubernetes
 * pkg/printers/internalversion/printers.go printNode), and each row's object as PartialObjectMetadata. */
function table(items: Obj[], includeObject: string | null): object {
  const nodes = items[0]?.kind === "Node";
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {},
    columnDefinitions: [
      { name: "Name", type: "string", format: "name" },
      ...(nodes ? [{ name: "Status", type: "string" }] : []),
      { name: "Age", type: "string" },
    ],
    rows: items.map((o) => {
      const spec = (o.spec ?? {}) as { unschedulable?: boolean };
      const ready = ((o.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some(
        (c) => c.type === "Ready" && c.status === "True",
      );
      const status = `${ready ? "Ready" : "NotReady"}${spec.unschedulable ? ",SchedulingDisabled" : ""}`;
      return {
        cells: [o.metadata.name, ...(nodes ? [status] : []), "1d"],
        object:
          includeObject === "Object"
            ? o
            : includeObject === "None"
              ? undefined
              : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
      };
    }),
  };
}

function unescapePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw new PatchError(`bad JSON pointer ${p}`);
  return p
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: unknown, path: string[]): { parent: Record<string, unknown> | unknown[]; key: string } {
  let node: unknown = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isObject(node)) node = node[seg];
    else node = undefined;
    if (node === undefined) throw new PatchError(`path /${path.join("/")} does not exist`);
  }
  if (!isObject(node) && !Array.isArray(node)) throw new PatchError(`path /${path.join("/")} has no container`);
  return { parent: node as Record<string, unknown>, key: path[path.length - 1] };
}

function getAt(doc: unknown, path: string[]): unknown {
  let node: unknown = doc;
  for (const seg of path) {
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isObject(node)) node = seg in node ? node[seg] : undefined;
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** RFC 6902 JSON Patch, the operations kubectl --type json can send. */
export function jsonPatch(doc: unknown, ops: { op: string; path: string; from?: string; value?: unknown }[]): unknown {
  const out = clone(doc);
  for (const op of ops) {
    const path = unescapePointer(op.path);
    const set = (value: unknown) => {
      const { parent, key } = parentOf(out, path);
      if (Array.isArray(parent)) parent.splice(key === "-" ? parent.length : Number(key), 0, value);
      else parent[key] = value;
    };
    switch (op.op) {
      case "add":
        set(clone(op.value));
        break;
      case "replace":
        if (getAt(out, path) === undefined) throw new PatchError(`replace: ${op.path} does not exist`);
        set(clone(op.value));
        break;
      case "remove": {
        const { parent, key } = parentOf(out, path);
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else if (key in parent) delete parent[key];
        else throw new PatchError(`remove: ${op.path} does not exist`);
        break;
      }
      case "copy":
      case "move": {
        const from = unescapePointer(op.from ?? "");
        const value = getAt(out, from);
        if (value === undefined) throw new PatchError(`${op.op}: ${op.from} does not exist`);
        if (op.op === "move") {
          const { parent, key } = parentOf(out, from);
          delete (parent as Record<string, unknown>)[key];
        }
        set(clone(value));
        break;
      }
      case "test":
        if (JSON.stringify(getAt(out, path)) !== JSON.stringify(op.value))
          throw new PatchError(`test: ${op.path} is not ${JSON.stringify(op.value)}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch op ${op.op}`);
    }
  }
  return out;
}

function ruleAllows(
  rule: PolicyRule,
  verb: string,
  group: string,
  resource: string,
  name: string | undefined,
): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes("*") || (list ?? []).includes(v);
  if (!has(rule.verbs, verb) || !has(rule.apiGroups, group) || !has(rule.resources, resource)) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0)
    return name !== undefined && rule.resourceNames.includes(name);
  return true;
}

interface WatchEvent {
  rv: number;
  type: string;
  info: ResourceInfo;
  obj: Obj;
}

interface Watcher {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  res: ServerResponse;
}

/** What a cluster holds, to start other clusters from (an installed release, say) without replaying the hook. */
export interface ClusterState {
  objects: [string, Obj][];
  restarts: [string, number][];
  rv: number;
  connectionsPerTypha: number;
}

/** One isolated cluster: its objects, tokens and recorded requests. */
export class FakeCluster {
  readonly objects = new Map<string, Obj>();
  readonly requests: RecordedRequest[] = [];
  /** Pod-template changes per DaemonSet name: the number of rolling restarts. */
  readonly restarts = new Map<string, number>();
  /** Typha metrics: typha_connections_active reported by each Typha (each ready endpoint). */
  connectionsPerTypha = 0;
  /** Per Typha pod, what the API server's pod proxy serves as its typha_connections_active (else
   * connectionsPerTypha): an imbalance between Typhas. */
  readonly connectionsByPod = new Map<string, number>();
  /** Fault injection: return true to answer this request with a 500 (checked after authorization). */
  failWhen?: (r: RecordedRequest) => boolean;
  /** Runs after authorization, before the request is served: another writer can act between the hook's read and
   * its write (with put, which bumps resourceVersion as any write does). */
  onRequest?: (r: RecordedRequest) => void | Promise<void>;
  /** How long a DaemonSet roll takes once its pod template changes: 0 completes it in the same write. */
  rolloutMs = 0;
  /** Rolls started from now on never finish (a pod that never gets ready): kubectl rollout status times out. */
  rolloutsNeverFinish = false;
  private readonly rollTimers = new Set<NodeJS.Timeout>();
  private metricsClosed = false;
  private readonly tokens = new Map<string, Identity>();
  private readonly watchers = new Set<Watcher>();
  private readonly events: WatchEvent[] = [];
  private rv = 1000;
  metricsPort = 0;
  private metricsServer?: Server;

  constructor(
    readonly id: string,
    readonly server: FakeApiServer,
  ) {}

  get url(): string {
    return `${this.server.url}/c/${this.id}`;
  }

  get denied(): RecordedRequest[] {
    return this.requests.filter((r) => !r.allowed);
  }

  private key(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return `${info.group}/${info.resource}/${info.namespaced === false ? "" : (namespace ?? "")}/${name}`;
  }

  put(obj: Obj): Obj {
    const info = infoFor(obj.apiVersion, obj.kind);
    const o = clone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.uid ??= `uid-${this.id}-${o.metadata.name}-${this.rv}`;
    o.metadata.generation ??= 1;
    const k = this.key(info, o.metadata.namespace, o.metadata.name);
    const existed = this.objects.has(k);
    if (o.kind === "DaemonSet") {
      const before = this.objects.get(k);
      const rolls =
        before &&
        JSON.stringify((before.spec as Record<string, unknown>)?.template) !==
          JSON.stringify((o.spec as Record<string, unknown>)?.template);
      if (rolls && (this.rolloutMs > 0 || this.rolloutsNeverFinish)) this.startRollout(k, o);
      else this.completeRollout(o);
    }
    this.objects.set(k, o);
    this.notify(existed ? "MODIFIED" : "ADDED", info, o);
    return o;
  }

  get(kind: string, name: string, namespace = "kube-system"): Obj | undefined {
    const info = RESOURCES.find((r) => r.kind === kind);
    if (!info) throw new Error(`unknown kind ${kind}`);
    return this.objects.get(this.key(info, namespace, name));
  }

  remove(kind: string, name: string, namespace = "kube-system"): void {
    const info = RESOURCES.find((r) => r.kind === kind)!;
    const k = this.key(info, namespace, name);
    const o = this.objects.get(k);
    if (o) {
      this.objects.delete(k);
      ++this.rv;
      this.notify("DELETED", info, o);
    }
  }

  /** A token for an identity; kubeconfig written to dir/kubeconfig with it. */
  kubeconfig(dir: string, identity: Identity): string {
    const token = `token-${this.tokens.size + 1}-${identity.user.replace(/[^a-z0-9]/g, "")}`;
    this.tokens.set(token, identity);
    const path = join(dir, `kubeconfig-${this.tokens.size}`);
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "fake", cluster: { server: this.url, "certificate-authority-data": tls.cert.toString("base64") } },
        ],
        users: [{ name: "hook", user: { token } }],
        contexts: [{ name: "fake", context: { cluster: "fake", user: "hook", namespace: "kube-system" } }],
        "current-context": "fake",
      }),
    );
    return path;
  }

  /** This cluster's objects and restart counts, for restore() into another cluster. */
  save(): ClusterState {
    return {
      objects: clone([...this.objects]),
      restarts: [...this.restarts],
      rv: this.rv,
      connectionsPerTypha: this.connectionsPerTypha,
    };
  }

  /** Starts this (empty) cluster from a saved state: as if the same requests had been served here. */
  restore(state: ClusterState): this {
    for (const [k, o] of clone(state.objects)) this.objects.set(k, o);
    for (const [k, n] of state.restarts) this.restarts.set(k, n);
    this.rv = state.rv;
    this.connectionsPerTypha = state.connectionsPerTypha;
    return this;
  }

  /** Typha's Prometheus endpoint (all Typhas of this cluster answer on 127.0.0.1:metricsPort). */
  async startMetrics(): Promise<number> {
    if (this.metricsServer || this.metricsClosed) return this.metricsPort;
    this.metricsServer = createServer((req, res) => {
      if (req.headers.authorization) {
        // The hook must not send its ServiceAccount token to a plain-HTTP host port.
        res.writeHead(400).end("credentials sent to the metrics port\n");
        return;
      }
      if (new URL(req.url ?? "/", "http://127.0.0.1").pathname !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(
        [
          "# HELP typha_connections_accepted Total number of connections accepted over time.",
          "# TYPE typha_connections_accepted counter",
          `typha_connections_accepted ${this.connectionsPerTypha * 2}`,
          "# HELP typha_connections_active Number of open client connections.",
          "# TYPE typha_connections_active gauge",
          `typha_connections_active ${this.connectionsPerTypha}`,
          "",
        ].join("\n"),
      );
    });
    await new Promise<void>((resolve) => this.metricsServer!.listen(0, "127.0.0.1", resolve));
    this.metricsPort = (this.metricsServer.address() as AddressInfo).port;
    return this.metricsPort;
  }

  /** Closes the metrics port (a security group dropping it, a Typha built without metrics): connections to
   * metricsPort are refused from now on. */
  async closeMetrics(): Promise<void> {
    await this.startMetrics();
    this.metricsClosed = true;
    this.metricsServer!.closeAllConnections();
    await new Promise<void>((resolve) => this.metricsServer!.close(() => resolve()));
  }

  async close(): Promise<void> {
    for (const t of this.rollTimers) clearTimeout(t);
    this.rollTimers.clear();
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    if (this.metricsServer && !this.metricsClosed) {
      this.metricsServer.closeAllConnections();
      await new Promise<void>((resolve) => this.metricsServer!.close(() => resolve()));
    }
  }

  /** A roll in progress: the controller has seen the new template and updated none of the pods yet. */
  private startRollout(k: string, ds: Obj): void {
    const status = (ds.status ?? {}) as Record<string, unknown>;
    ds.status = { ...status, observedGeneration: ds.metadata.generation, updatedNumberScheduled: 0 };
    if (!this.rolloutsNeverFinish) this.finishRolloutLater(k, ds.metadata.generation);
  }

  /** Lets the rolls that were told never to finish finish after rolloutMs (rolloutsNeverFinish is cleared). */
  resumeRollouts(): void {
    this.rolloutsNeverFinish = false;
    for (const [k, o] of this.objects) {
      const status = (o.status ?? {}) as Record<string, number>;
      if (o.kind === "DaemonSet" && status.updatedNumberScheduled < status.desiredNumberScheduled)
        this.finishRolloutLater(k, o.metadata.generation);
    }
  }

  private finishRolloutLater(k: string, generation: unknown): void {
    const t = setTimeout(() => {
      this.rollTimers.delete(t);
      const current = this.objects.get(k);
      if (!current || current.metadata.generation !== generation) return; // a newer roll took over
      const done = clone(current);
      this.completeRollout(done);
      done.metadata.resourceVersion = String(++this.rv);
      this.objects.set(k, done);
      this.notify("MODIFIED", infoFor(done.apiVersion, done.kind), done);
    }, this.rolloutMs);
    this.rollTimers.add(t);
  }

  private completeRollout(ds: Obj): void {
    const status = (ds.status ?? {}) as Record<string, unknown>;
    const desired = (status.desiredNumberScheduled as number | undefined) ?? 3;
    ds.status = {
      ...status,
      observedGeneration: ds.metadata.generation,
      desiredNumberScheduled: desired,
      currentNumberScheduled: desired,
      updatedNumberScheduled: desired,
      numberReady: desired,
      numberAvailable: desired,
      numberUnavailable: 0,
    };
  }

  private notify(type: string, info: ResourceInfo, obj: Obj): void {
    const event = { rv: this.rv, type, info, obj: clone(obj) };
    this.events.push(event);
    for (const w of this.watchers) this.send(w, event);
  }

  private send(w: Watcher, e: WatchEvent): void {
    if (
      w.info !== e.info ||
      (w.namespace && w.namespace !== e.obj.metadata.namespace) ||
      (w.name && w.name !== e.obj.metadata.name)
    )
      return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`);
  }

  private status(res: ServerResponse, code: number, reason: string, message: string, details?: object): void {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message,
        reason,
        details,
        code,
      }),
    );
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    body: string,
  ): Promise<void> {
    // Discovery (non-resource URLs: every authenticated user may read them, as system:discovery allows).
    if (req.method === "GET" && this.discovery(res, path)) return;
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+)(?::(\d+))?\/proxy(\/.*)?$/.exec(path);
    if (proxy) return this.podProxy(req, res, path, proxy[1], proxy[2], proxy[4] ?? "/");

    // GET /api/v1/namespaces/NAME is the Namespace object itself: for RBAC its namespace is its name.
    const nsPath = /^\/api\/(v1)\/namespaces\/([^/]+)$/.exec(path);
    const m = nsPath
      ? ([path, "v1", undefined, undefined, nsPath[2], "namespaces", nsPath[2], undefined] as (string | undefined)[])
      : /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
          path,
        );
    const rec: RecordedRequest = {
      method: req.method ?? "",
      url: `${path}${query.size ? `?${query}` : ""}`,
      verb: "",
      group: "",
      resource: "",
      allowed: false,
      status: 0,
    };
    this.requests.push(rec);
    if (!m) {
      rec.status = 404;
      this.status(res, 404, "NotFound", `the server could not find the requested resource (${path})`);
      return;
    }
    const group = m[2] ?? "";
    const version = m[1] ?? m[3];
    const namespace = m[4];
    const info = RESOURCES.find((r) => r.group === group && r.version === version && r.resource === m[5]);
    let name = m[6];
    const subresource = m[7];
    Object.assign(rec, { group, resource: m[5], namespace, name });
    if (!info || subresource) {
      rec.status = 404;
      this.status(res, 404, "NotFound", `the server could not find the requested resource (${path})`);
      return;
    }
    const watch = query.get("watch") === "true" || query.get("watch") === "1";
    const verb =
      {
        GET: name ? "get" : watch ? "watch" : "list",
        PATCH: "patch",
        PUT: "update",
        POST: "create",
        DELETE: name ? "delete" : "deletecollection",
      }[req.method ?? ""] ?? "unknown";
    rec.verb = verb;
    // As kube-apiserver does: a metadata.name field selector makes list/watch name-scoped for RBAC.
    const fieldSelector = query.get("fieldSelector") ?? "";
    const byName = /^metadata\.name=([^,]+)$/.exec(fieldSelector)?.[1];
    if (!name && byName) name = byName;
    rec.name = name;

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const identity = token ? this.tokens.get(token) : undefined;
    if (!identity) {
      rec.status = 401;
      this.status(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    rec.user = identity.user;
    if (!identity.rules.some((r) => ruleAllows(r, verb, group, info.resource, name))) {
      rec.status = 403;
      const what = name ? `${info.resource} "${name}"` : info.resource;
      this.status(
        res,
        403,
        "Forbidden",
        `${what} is forbidden: User "${identity.user}" cannot ${verb} resource "${info.resource}" in API group "${group}" in the namespace "${namespace}"`,
        { name, group, kind: info.resource },
      );
      return;
    }
    rec.allowed = true;
    if (body) {
      rec.contentType = (req.headers["content-type"] ?? "").split(";")[0];
      try {
        rec.body = JSON.parse(body);
      } catch {
        rec.body = body;
      }
    }
    // May hold the request (a promise): two hook Jobs can be made to read before either writes.
    await this.onRequest?.(rec);
    if (this.failWhen?.(rec)) {
      rec.status = 500;
      this.status(res, 500, "InternalError", "Internal error occurred: injected by the test");
      return;
    }
    const k = name ? this.key(info, namespace, name) : "";
    const apiVersion = group ? `${group}/${version}` : version;
    switch (verb) {
      case "get": {
        const o = this.objects.get(k);
        if (!o) return this.notFound(rec, res, info, name!);
        rec.status = 200;
        return this.json(res, o);
      }
      case "list": {
        const items = this.select(info, namespace, byName, query.get("labelSelector") ?? "");
        rec.status = 200;
        rec.accept = req.headers.accept;
        // kubectl's human-readable get asks for a Table (kubernetes/kubectl v1.35 pkg/cmd/get/get.go
        // transformRequests); each row carries the object's metadata only unless includeObject says otherwise
        // (kubernetes/apimachinery pkg/apis/meta/v1/types.go, TableOptions: "Metadata" is the default).
        if (/;as=Table;/.test(req.headers.accept ?? ""))
          return this.json(res, table(items, query.get("includeObject")));
        // Metadata only (kubernetes/apimachinery pkg/apis/meta/v1 PartialObjectMetadataList).
        if (/;as=PartialObjectMetadataList;/.test(req.headers.accept ?? ""))
          return this.json(res, {
            kind: "PartialObjectMetadataList",
            apiVersion: "meta.k8s.io/v1",
            metadata: { resourceVersion: String(this.rv) },
            items: items.map((o) => ({
              kind: "PartialObjectMetadata",
              apiVersion: "meta.k8s.io/v1",
              metadata: o.metadata,
            })),
          });
        return this.json(res, {
          kind: `${info.kind}List`,
          apiVersion,
          metadata: { resourceVersion: String(this.rv) },
          items,
        });
      }
      case "watch": {
        rec.status = 200;
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        const w: Watcher = { info, namespace, name: byName, res };
        this.watchers.add(w);
        // The response closes when kubectl goes away; the request closes as soon as its (empty) body is read.
        res.on("close", () => this.watchers.delete(w));
        const since = Number(query.get("resourceVersion") ?? "");
        if (query.get("sendInitialEvents") !== "true" && since > 0) {
          // As kube-apiserver does: a watch from a list's resourceVersion first gets what changed since (a roll that
          // finished between kubectl's list and its watch).
          for (const e of this.events) if (e.rv > since) this.send(w, e);
        } else if (query.get("sendInitialEvents") === "true") {
          for (const o of this.select(info, namespace, byName))
            res.write(`${JSON.stringify({ type: "ADDED", object: o })}\n`);
          const bookmark = {
            kind: info.kind,
            apiVersion,
            metadata: { resourceVersion: String(this.rv), annotations: { "k8s.io/initial-events-end": "true" } },
          };
          res.write(`${JSON.stringify({ type: "BOOKMARK", object: bookmark })}\n`);
        }
        return;
      }
      case "patch":
      case "update": {
        const o = this.objects.get(k);
        if (!o) return this.notFound(rec, res, info, name!);
        const contentType = rec.contentType ?? "";
        let next: Obj;
        try {
          const parsed = JSON.parse(body);
          if (verb === "update") next = parsed as Obj;
          else if (contentType === "application/json-patch+json") next = jsonPatch(o, parsed) as Obj;
          else if (
            contentType === "application/merge-patch+json" ||
            contentType === "application/strategic-merge-patch+json"
          )
            next = mergePatch(o, parsed) as Obj;
          else {
            rec.status = 415;
            return this.status(
              res,
              415,
              "UnsupportedMediaType",
              `the body of the request was in an unknown format: ${contentType}`,
            );
          }
        } catch (e) {
          rec.status = 422;
          return this.status(res, 422, "Invalid", `${info.kind} "${name}" is invalid: ${(e as Error).message}`);
        }
        // A resourceVersion in the object a PUT sends, or that a patch sets, is a precondition (kube-apiserver's
        // optimistic concurrency): a changed object answers 409 Conflict.
        if (next.metadata.resourceVersion !== o.metadata.resourceVersion) {
          rec.status = 409;
          return this.status(
            res,
            409,
            "Conflict",
            `Operation cannot be fulfilled on ${info.resource} "${name}": the object has been modified`,
          );
        }
        if (JSON.stringify(next) === JSON.stringify(o)) {
          rec.status = 200;
          return this.json(res, o);
        }
        if (JSON.stringify(next.spec) !== JSON.stringify(o.spec)) {
          next.metadata.generation = ((o.metadata.generation as number) ?? 1) + 1;
          if (
            o.kind === "DaemonSet" &&
            JSON.stringify((next.spec as Record<string, unknown>)?.template) !==
              JSON.stringify((o.spec as Record<string, unknown>)?.template)
          ) {
            this.restarts.set(name!, (this.restarts.get(name!) ?? 0) + 1);
          }
        }
        const stored = this.put(next);
        rec.status = 200;
        return this.json(res, stored);
      }
      default:
        rec.status = 405;
        return this.status(res, 405, "MethodNotAllowed", `${verb} is not supported by the fake API server`);
    }
  }

  private select(info: ResourceInfo, namespace: string | undefined, name: string | undefined, labels = ""): Obj[] {
    return [...this.objects.values()].filter(
      (o) =>
        infoFor(o.apiVersion, o.kind) === info &&
        (!namespace || info.namespaced === false || o.metadata.namespace === namespace) &&
        (!name || o.metadata.name === name) &&
        labelsMatch(o, labels),
    );
  }

  /** GET .../pods/NAME[:PORT]/proxy/PATH, authorized as get on pods/proxy (kube-apiserver's RBAC subresource).
   * Serves Typha's metrics text for a pod that exists; 503 when the metrics port is closed, as kube-apiserver
   * answers when it cannot dial the pod. */
  private podProxy(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    namespace: string,
    pod: string,
    sub: string,
  ): void {
    const rec: RecordedRequest = {
      method: req.method ?? "",
      url: path,
      verb: "get",
      group: "",
      resource: "pods/proxy",
      namespace,
      name: pod,
      allowed: false,
      status: 0,
    };
    this.requests.push(rec);
    const identity = this.tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "");
    if (!identity) {
      rec.status = 401;
      this.status(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    rec.user = identity.user;
    if (!identity.rules.some((r) => ruleAllows(r, "get", "", "pods/proxy", pod))) {
      rec.status = 403;
      this.status(
        res,
        403,
        "Forbidden",
        `pods "${pod}" is forbidden: User "${identity.user}" cannot get resource "pods/proxy" in API group "" in the namespace "${namespace}"`,
        { name: pod, kind: "pods" },
      );
      return;
    }
    rec.allowed = true;
    if (!this.objects.has(`/pods/${namespace}/${pod}`)) {
      this.notFound(rec, res, infoFor("v1", "Pod"), pod);
      return;
    }
    if (this.metricsClosed || sub !== "/metrics") {
      rec.status = 503;
      this.status(
        res,
        503,
        "ServiceUnavailable",
        `error trying to reach service: dial tcp 127.0.0.1:${this.metricsPort}: connect: connection refused`,
      );
      return;
    }
    rec.status = 200;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(
      `# TYPE typha_connections_active gauge\ntypha_connections_active ${this.connectionsByPod.get(pod) ?? this.connectionsPerTypha}\n`,
    );
  }

  private notFound(rec: RecordedRequest, res: ServerResponse, info: ResourceInfo, name: string): void {
    rec.status = 404;
    this.status(res, 404, "NotFound", `${info.resource}${info.group ? `.${info.group}` : ""} "${name}" not found`, {
      name,
      group: info.group,
      kind: info.resource,
    });
  }

  private discovery(res: ServerResponse, path: string): boolean {
    const resourceList = (group: string, version: string) => ({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group ? `${group}/${version}` : version,
      resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
        name: r.resource,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced ?? true,
        kind: r.kind,
        verbs: VERBS,
        shortNames: r.shortNames,
      })),
    });
    switch (path) {
      case "/version":
        this.json(res, { major: "1", minor: "30", gitVersion: "v1.30.1-aliyun.1", platform: "linux/amd64" });
        return true;
      case "/api":
        this.json(res, {
          kind: "APIVersions",
          versions: ["v1"],
          serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
        });
        return true;
      case "/apis": {
        const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))].map(
          (gv) => {
            const [name, version] = gv.split("/");
            return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
          },
        );
        this.json(res, { kind: "APIGroupList", apiVersion: "v1", groups });
        return true;
      }
      case "/api/v1":
        this.json(res, resourceList("", "v1"));
        return true;
      case "/openapi/v2":
        // Helm 4 validates what it would apply against the server's OpenAPI v2 (kubectl's client-side schema check,
        // always fetched as protobuf). An empty body is an empty Document: no definitions, so every kind goes
        // unchecked, as a kind the server publishes no schema for would.
        res.writeHead(200, { "content-type": "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" });
        res.end();
        return true;
      default: {
        const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
        if (!gv || !RESOURCES.some((r) => r.group === gv[1] && r.version === gv[2])) return false;
        this.json(res, resourceList(gv[1], gv[2]));
        return true;
      }
    }
  }
}

/** The HTTP listener: 127.0.0.1 only, random port; routes /c/<id>/... to a cluster. */
export class FakeApiServer {
  private server?: Server;
  private readonly clusters = new Map<string, FakeCluster>();
  url = "";

  async start(): Promise<this> {
    this.server = createTlsServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const u = new URL(req.url ?? "/", "http://127.0.0.1");
        const m = /^\/c\/([^/]+)(\/.*)?$/.exec(u.pathname);
        const cluster = m ? this.clusters.get(m[1]) : undefined;
        if (!cluster) {
          res.writeHead(404).end();
          return;
        }
        void cluster.handle(req, res, m![2] ?? "/", u.searchParams, Buffer.concat(chunks).toString("utf8"));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  cluster(id: string): FakeCluster {
    const c = new FakeCluster(id, this);
    this.clusters.set(id, c);
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.clusters.values()) await c.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
