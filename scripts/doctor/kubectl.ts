// How doctor reaches the cluster: through the user's own kubectl, as `kubectl proxy` on a private Unix socket
// for the length of one run. That is exactly the user's auth path (exec plugins such as ACK's, OIDC, client
// certificates, KUBECONFIG merging, --context), adds no runtime dependency to the bundled CLI, and costs one
// kubectl process per run instead of one per read (a dozen reads, every 2 s under --watch). The socket lives in a
// 0700 temporary directory, so no other user can borrow the session. kubectl is found like helm
// (scripts/tools.ts userKubectl): KUBECTL_BIN, then PATH, then .tools/.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { _child_process } from "../_child_process.js";

export interface KubeTarget {
  kubectl: string;
  kubeconfig?: string;
  context?: string;
  env: NodeJS.ProcessEnv;
}

/** A read that did not answer: forbidden (RBAC), missing, or failed for another reason (server, network). */
export interface ReadError {
  kind: "forbidden" | "notfound" | "failed";
  /** The API server's Status message, or the proxy's one-line error. */
  message: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: ReadError };

/** kubectl's connection flags. --append-server-path: a kubeconfig server URL with a path (a gateway in front of
 * the API server) keeps it (kubernetes/kubectl pkg/cmd/proxy/proxy.go warns when it is left out). */
const connection = (t: KubeTarget): string[] => [
  ...(t.kubeconfig ? ["--kubeconfig", t.kubeconfig] : []),
  ...(t.context ? ["--context", t.context] : []),
];

export interface KubeSession {
  /** GET path through the API server; JSON unless the answer is text/plain (a Prometheus page). */
  get<T>(path: string, accept?: string): Promise<Read<T>>;
  close(): Promise<void>;
}

/** Metadata only, for lists whose labels are all a check needs (kubernetes/apimachinery pkg/apis/meta/v1
 * PartialObjectMetadataList; kube-apiserver serves it for every resource since 1.15). */
export const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json";
/** A server-side Table (kubectl's human-readable get asks the same: kubernetes/kubectl pkg/cmd/get/get.go
 * transformRequests), its rows carrying only metadata (TableOptions includeObject defaults to Metadata). */
export const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/** Starts `kubectl proxy` on a Unix socket; rejects with kubectl's first error line when it cannot start. */
export async function openSession(t: KubeTarget): Promise<KubeSession> {
  const dir = mkdtempSync(join(tmpdir(), "terway-relay-doctor-"));
  const socketPath = join(dir, "kubectl.sock");
  const proxy = _child_process.execa(
    t.kubectl,
    ["proxy", `--unix-socket=${socketPath}`, "--append-server-path", ...connection(t)],
    { env: t.env, extendEnv: false, reject: false },
  );
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    proxy.stdout?.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("Starting to serve")) resolve();
    });
    void proxy.then((r) => {
      cleanup();
      const first = (r.stderr || r.shortMessage || "").split("\n").find((l) => l.trim()) ?? "";
      reject(new Error(`kubectl proxy stopped: ${first.replace(/^error: /, "")}`));
    });
  });
  return {
    get<T>(path: string, accept = "application/json"): Promise<Read<T>> {
      return new Promise((resolve) => {
        const req = request({ socketPath, path, headers: { accept } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            const json = /json/.test(res.headers["content-type"] ?? "");
            let parsed: unknown;
            try {
              parsed = json ? JSON.parse(body) : body;
            } catch {
              parsed = body;
            }
            if (res.statusCode === 200) return resolve({ ok: true, value: parsed as T });
            const status = (typeof parsed === "object" && parsed ? parsed : {}) as {
              reason?: string;
              message?: string;
            };
            const message = status.message ?? (body.split("\n").find((l) => l.trim()) || `HTTP ${res.statusCode}`);
            const kind =
              status.reason === "Forbidden" ? "forbidden" : status.reason === "NotFound" ? "notfound" : "failed";
            resolve({ ok: false, error: { kind, message: message.trim() } });
          });
        });
        req.on("error", (e) => resolve({ ok: false, error: { kind: "failed", message: e.message } }));
        req.end();
      });
    },
    async close() {
      proxy.kill();
      await proxy;
      cleanup();
    },
  };
}

/** The API server URL the kubeconfig points at (for the one line an unreachable cluster prints). Local only. */
export async function serverUrl(t: KubeTarget): Promise<string> {
  const r = await _child_process.execa(
    t.kubectl,
    ["config", "view", "--minify", "--output", "jsonpath={.clusters[0].cluster.server}", ...connection(t)],
    { env: t.env, extendEnv: false, reject: false },
  );
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : "the API server the kubeconfig names";
}
