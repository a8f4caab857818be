// terway-relay check-image against a real registry on loopback (test/support/registry.ts): images pushed with plain
// HTTP PUTs of the OCI distribution API are present, others absent, a closed port unreachable; an in-test token
// server in front answers 401 with a Bearer challenge as ACR's public endpoint does, then proxies; another front
// refuses HEAD and answers errors with 400, so the answer comes from GET and the registry's MANIFEST_UNKNOWN.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkImage, publicEndpoint } from "../scripts/image-check.js";
import { runCli } from "./support/cli-io.js";
import { freePort, registryOrSkip, startRegistry } from "./support/registry.js";

const TYPHA_TAG = "v3.24.5";
const AUTOSCALER_TAG = "1.8.4";
const dir = mkdtempSync(join(tmpdir(), "terway-relay-check-image-"));
let registry: { host: string; stop(): void } | undefined;
const fronts: Server[] = [];

afterAll(() => {
  registry?.stop();
  for (const s of fronts) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Pushes a manifest with an empty config and no layers as repository:tag (distribution-spec v1.1.0, "Pushing
 * blobs" POST then PUT, "Pushing Manifests"). */
async function push(host: string, repository: string, tag: string): Promise<void> {
  const config = Buffer.from("{}");
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  expect(start.status).toBe(202);
  const upload = new URL(start.headers.get("location")!, `http://${host}`);
  upload.searchParams.set("digest", sha256(config));
  const blob = await fetch(upload, {
    method: "PUT",
    body: config,
    headers: { "Content-Type": "application/octet-stream" },
  });
  expect(blob.status).toBe(201);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
    layers: [],
  });
  const put = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    body: manifest,
    headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
  });
  expect(put.status, await put.text()).toBe(201);
}

/** A server on 127.0.0.1 in front of the registry: `answer` may reply itself (true) or leave the request to the
 * proxy, which passes the registry's answer on with the status `status` makes of it. Returns its host:port. */
async function front(
  answer: (req: IncomingMessage, res: ServerResponse, host: string) => boolean,
  status = (upstream: number) => upstream,
): Promise<string> {
  const server = createServer((req, res) => {
    if (answer(req, res, host)) return;
    const { authorization: _, ...headers } = req.headers;
    const [h, p] = registry!.host.split(":");
    const upstream = request({ host: h, port: Number(p), method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(status(r.statusCode ?? 502), r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
  });
  fronts.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return host;
}

/** check-image for a relay with the autoscaler, both images from `host`, and a Typha tag. */
const check = (host: string, typhaTag = TYPHA_TAG, ...extra: string[]) =>
  runCli([
    "check-image",
    "--plain-http",
    ...[
      "region=cn-hangzhou",
      "nodeCount=320",
      `typha.image.registry=${host}`,
      `typha.image.tag=${typhaTag}`,
      "typha.autoscaler.enabled=true",
      `typha.autoscaler.image.registry=${host}`,
    ].flatMap((s) => ["--set", s]),
    ...extra,
  ]);

let started: Promise<{ host: string; stop(): void }> | undefined;
/** The registry with both images pushed, started once for the file; undefined (the test skipped) without the
 * binary outside CI. */
async function local(ctx: { skip(note: string): void }): Promise<string | undefined> {
  if (!(await registryOrSkip(ctx))) return undefined;
  started ??= (async () => {
    const r = await startRegistry(dir);
    registry = r;
    await push(r.host, "acs/typha", TYPHA_TAG);
    await push(r.host, "acs/cluster-proportional-autoscaler", AUTOSCALER_TAG);
    return r;
  })();
  return (await started).host;
}

describe.concurrent("check-image against a local registry", () => {
  it("present: both tags served, exit 0", async (ctx) => {
    const host = await local(ctx);
    if (!host) return;
    const r = await check(host);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      `present ${host}/acs/cluster-proportional-autoscaler:${AUTOSCALER_TAG} (Deployment calico-typha-autoscaler): ${host} serves acs/cluster-proportional-autoscaler:${AUTOSCALER_TAG}`,
      `present ${host}/acs/typha:${TYPHA_TAG} (Deployment calico-typha): ${host} serves acs/typha:${TYPHA_TAG}`,
    ]);
    expect(r.code).toBe(0);
  });

  it("absent: a Typha tag the registry lacks is named, with the way forward; exit 1", async (ctx) => {
    const host = await local(ctx);
    if (!host) return;
    const r = await check(host, "v3.20.2");
    expect(r.stdout).toContain(
      `absent ${host}/acs/typha:v3.20.2 (Deployment calico-typha): ${host} has no acs/typha:v3.20.2 (HTTP 404)`,
    );
    expect(r.stdout).toContain(`present ${host}/acs/cluster-proportional-autoscaler:${AUTOSCALER_TAG}`);
    expect(r.stdout).toContain("mirror calico/typha at the tag that matches Terway's Felix");
    expect(r.code).toBe(1);
  });

  it("unreachable: a closed port is one line per image naming host and error; exit 1", async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const r = await check(host);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const l of lines)
      expect(l).toMatch(
        new RegExp(
          `^unreachable ${host}/acs/\\S+ \\(Deployment [a-z-]+\\): no route to the registry ${host} \\(connect ECONNREFUSED ${host}\\)$`,
        ),
      );
    expect(r.code).toBe(1);
  });

  it("a Bearer challenge: an anonymous token from the realm, then the retried HEAD", async (ctx) => {
    if (!(await local(ctx))) return;
    const tokenRequests: string[] = [];
    const authorized: string[] = [];
    const host = await front((req, res, self) => {
      const url = new URL(req.url!, "http://x");
      if (url.pathname === "/token") {
        tokenRequests.push(`${url.searchParams.get("service")} ${url.searchParams.get("scope")}`);
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: "anonymous-pull" }));
        return true;
      }
      if (req.headers.authorization === "Bearer anonymous-pull") {
        authorized.push(`${req.method} ${url.pathname}`);
        return false;
      }
      const name = /^\/v2\/(.+)\/manifests\//.exec(url.pathname)?.[1];
      res
        .writeHead(401, {
          "WWW-Authenticate": `Bearer realm="http://${self}/token",service="test-registry",scope="repository:${name}:pull"`,
        })
        .end();
      return true;
    });
    const ask = (image: string) => checkImage(`${host}/${image}`, { plainHttp: true });
    expect(await ask(`acs/typha:${TYPHA_TAG}`)).toMatchObject({ status: "present" });
    expect(tokenRequests).toEqual(["test-registry repository:acs/typha:pull"]);
    expect(authorized).toEqual([`HEAD /v2/acs/typha/manifests/${TYPHA_TAG}`]);
    // Behind the same challenge, a missing tag is still absent.
    expect(await ask("acs/typha:v3.20.2")).toEqual({
      image: `${host}/acs/typha:v3.20.2`,
      status: "absent",
      detail: `${host} has no acs/typha:v3.20.2 (HTTP 404)`,
    });
  });

  it("a registry that refuses HEAD and answers 400: GET answers, MANIFEST_UNKNOWN is absent", async (ctx) => {
    if (!(await local(ctx))) return;
    const host = await front(
      (req, res) => {
        if (req.method !== "HEAD") return false;
        res.writeHead(405).end();
        return true;
      },
      (upstream) => (upstream === 404 ? 400 : upstream),
    );
    const ask = (image: string) => checkImage(`${host}/${image}`, { plainHttp: true });
    expect(await ask("acs/typha:v3.20.2")).toMatchObject({
      status: "absent",
      detail: `${host} has no acs/typha:v3.20.2 (HTTP 400, MANIFEST_UNKNOWN)`,
    });
    expect(await ask(`acs/cluster-proportional-autoscaler:${AUTOSCALER_TAG}`)).toMatchObject({ status: "present" });
  });
});

describe.concurrent("check-image without a registry", () => {
  it("--registry-endpoint public asks registry.<region>.aliyuncs.com for a registry-vpc image, other hosts as they are", () => {
    expect(publicEndpoint("registry-vpc.cn-hangzhou.aliyuncs.com")).toBe("registry.cn-hangzhou.aliyuncs.com");
    expect(publicEndpoint("registry-vpc.ap-southeast-1.aliyuncs.com")).toBe("registry.ap-southeast-1.aliyuncs.com");
    expect(publicEndpoint("registry.cn-hangzhou.aliyuncs.com")).toBe("registry.cn-hangzhou.aliyuncs.com");
    expect(publicEndpoint("127.0.0.1:5000")).toBe("127.0.0.1:5000");
  });

  it("usage: a bad --registry-endpoint is exit 2; disable mode renders no image to check", async () => {
    const bad = await runCli(["check-image", "--set", "region=cn-hangzhou", "--registry-endpoint", "vpc"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--registry-endpoint must be as-rendered or public");
    const disable = await runCli([
      "check-image",
      ...["region=cn-hangzhou", "mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"].flatMap((s) => [
        "--set",
        s,
      ]),
    ]);
    expect(disable.stdout).toContain("no images to check");
    expect(disable.code).toBe(0);
  });
});
