// Whether a registry serves an image tag, asked anonymously through the OCI distribution API: HEAD of the manifest
// (opencontainers/distribution-spec v1.1.0 spec.md, "Checking if content exists in the registry"), following the
// Bearer token challenge a registry answers anonymous clients with (distribution/distribution v2.8.2
// docs/spec/auth/token.md: 401 with WWW-Authenticate: Bearer realm, service, scope; GET realm?service&scope gives
// {"token"} or {"access_token"}).

export type ImageStatus = "present" | "absent" | "unreachable" | "unknown";

export interface ImageAnswer {
  image: string;
  status: ImageStatus;
  /** One line: what the registry said, or why it could not be asked. */
  detail: string;
}

export interface ImageRef {
  host: string;
  repository: string;
  tag: string;
}

/** Manifest media types the HEAD accepts: OCI index and manifest, Docker manifest list and v2 manifest
 * (distribution-spec v1.1.0 and distribution v2.8.2 docs/spec/manifest-v2-2.md). */
const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Error codes that say the tag or the repository does not exist (distribution-spec v1.1.0, "Error Codes"). */
const ABSENT_CODES = new Set(["MANIFEST_UNKNOWN", "NAME_UNKNOWN"]);

/** host/repository:tag of an image reference as the chart renders it (a registry host always leads: it has a dot
 * or a port). Undefined for a reference without a tag or by digest. */
export function parseImageRef(image: string): ImageRef | undefined {
  const m = /^([^/]+)\/(.+):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(image);
  return m ? { host: m[1], repository: m[2], tag: m[3] } : undefined;
}

/**
 * The public endpoint for a VPC endpoint of Alibaba Cloud Container Registry: registry-vpc.<region>.aliyuncs.com
 * answers only inside the region's VPCs, and registry.<region>.aliyuncs.com serves the same repositories from the
 * internet (Container Registry's endpoint table for Personal Edition instances created before 2024-09-09: public
 * registry.cn-hangzhou.aliyuncs.com, VPC registry-vpc.cn-hangzhou.aliyuncs.com;
 * alibabacloud.com/help/en/acr/user-guide/individual-edition-instance-independent-domain-name-capacity-limit).
 * Other hosts are returned unchanged.
 */
export function publicEndpoint(host: string): string {
  return host.replace(/^registry-vpc\.([a-z0-9-]+)\.aliyuncs\.com$/, "registry.$1.aliyuncs.com");
}

/** The quoted parameters of a Bearer challenge, or undefined for another scheme. */
function bearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/([a-zA-Z]+)="([^"]*)"/g)) params[m[1].toLowerCase()] = m[2];
  return params;
}

/** "connect ECONNREFUSED 127.0.0.1:5000" of a failed fetch: the cause's message, which names the system error. */
function networkError(e: unknown): string {
  const cause = (e as { cause?: { message?: string; code?: string } }).cause;
  return cause?.message ?? cause?.code ?? (e as Error).message;
}

class Unreachable extends Error {}

/** How long one request may take: a registry that answers nothing (a VPC endpoint outside the VPC, a firewall that
 * drops packets) is unreachable, not a hang. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The registry's error codes from a JSON body ({"errors":[{"code":...}]}), or []. */
async function errorCodes(r: Response): Promise<string[]> {
  try {
    const body = (await r.json()) as { errors?: { code?: string }[] };
    return (body.errors ?? []).map((e) => e.code ?? "");
  } catch {
    return [];
  }
}

/**
 * Asks the registry whether it serves the image. `plainHttp` talks HTTP instead of HTTPS (a registry on loopback);
 * `host` overrides the image's registry host (the public endpoint for a VPC one). Never throws: an answer per image.
 */
export async function checkImage(image: string, o: { plainHttp?: boolean; host?: string } = {}): Promise<ImageAnswer> {
  const ref = parseImageRef(image);
  if (!ref) return { image, status: "unknown", detail: "not a registry/repository:tag reference" };
  const host = o.host ?? ref.host;
  const base = `${o.plainHttp ? "http" : "https"}://${host}`;
  const url = `${base}/v2/${ref.repository}/manifests/${ref.tag}`;
  const ask = async (method: "HEAD" | "GET", target: string, token?: string) => {
    try {
      return await fetch(target, {
        method,
        headers: { Accept: ACCEPT, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        redirect: "follow",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw new Unreachable(`no route to the registry ${new URL(target).host} (${networkError(e)})`);
    }
  };
  try {
    let token: string | undefined;
    let r = await ask("HEAD", url);
    const challenge = r.status === 401 ? bearerChallenge(r.headers.get("www-authenticate")) : undefined;
    if (challenge?.realm) {
      const realm = new URL(challenge.realm);
      if (challenge.service) realm.searchParams.set("service", challenge.service);
      realm.searchParams.set("scope", challenge.scope ?? `repository:${ref.repository}:pull`);
      const t = await ask("GET", realm.href);
      if (!t.ok)
        return {
          image,
          status: "unknown",
          detail: `the token service ${realm.host} refused an anonymous token (HTTP ${t.status})`,
        };
      const body = (await t.json().catch(() => ({}))) as { token?: string; access_token?: string };
      token = body.token ?? body.access_token;
      if (!token) return { image, status: "unknown", detail: `the token service ${realm.host} gave no token` };
      r = await ask("HEAD", url, token);
    }
    // A HEAD answer has no body: on anything but 200 and 404, GET once, for the registry's error codes
    // (MANIFEST_UNKNOWN, NAME_UNKNOWN), or for the manifest from a registry that does not answer HEAD.
    let codes: string[] = [];
    if (!r.ok && r.status !== 404) {
      r = await ask("GET", url, token);
      if (!r.ok) codes = await errorCodes(r);
    }
    if (r.ok) return { image, status: "present", detail: `${host} serves ${ref.repository}:${ref.tag}` };
    if (r.status === 404 || codes.some((c) => ABSENT_CODES.has(c)))
      return {
        image,
        status: "absent",
        detail: `${host} has no ${ref.repository}:${ref.tag} (HTTP ${r.status}${codes.length ? `, ${codes.join(", ")}` : ""})`,
      };
    const why = r.status === 401 || r.status === 403 ? ": it does not serve it to anonymous clients" : "";
    return {
      image,
      status: "unknown",
      detail: `${host} answered HTTP ${r.status}${codes.length ? ` (${codes.join(", ")})` : ""}${why}`,
    };
  } catch (e) {
    if (e instanceof Unreachable) return { image, status: "unreachable", detail: e.message };
    throw e;
  }
}
