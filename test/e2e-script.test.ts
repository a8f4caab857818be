// npm run e2e, offline: without a reachable cluster it reports SKIPPED (exit 0), never PASSED; on a cluster without
// Terway it refuses; on a Terway cluster it touches nothing without --yes. A loopback fake API server plays the
// cluster (plain HTTP, random port) and records every request, so "touches nothing" is checked, not assumed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/tools.js";

const dir = mkdtempSync(join(tmpdir(), "terway-relay-e2e-"));
const e2e = (kubeconfig: string, ...args: string[]) =>
  execa("node", [join(repoRoot, "dist/scripts/build/e2e.js"), ...args], {
    reject: false,
    env: { KUBECONFIG: kubeconfig, HOME: dir },
    extendEnv: true,
  });

function kubeconfig(name: string, server: string): string {
  const f = join(dir, `${name}.kubeconfig`);
  writeFileSync(
    f,
    `apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    server: ${server}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: test\nusers:\n- name: test\n  user: {}\n`,
  );
  return f;
}

/** A fake cluster: /version, and (with terway) eni-config and the terway-eniip DaemonSet. */
function fakeCluster(terway: boolean): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? "").split("?")[0];
    if (path === "/version") return json(200, { major: "1", minor: "26", gitVersion: "v1.26.3-aliyun.1" });
    if (terway && path === "/api/v1/namespaces/kube-system/configmaps/eni-config")
      return json(200, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "eni-config", namespace: "kube-system" },
        data: { eni_conf: "{}" },
      });
    if (terway && path === "/apis/apps/v1/namespaces/kube-system/daemonsets/terway-eniip")
      return json(200, {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "terway-eniip", namespace: "kube-system", generation: 1 },
        spec: { selector: { matchLabels: { app: "terway-eniip" } } },
      });
    json(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }),
    ),
  );
}

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

describe("npm run e2e without a live Terway cluster", () => {
  it("with no kube context: SKIPPED, exit 0, never passed", async () => {
    const r = await e2e(join(dir, "missing.kubeconfig"), "--yes");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^SKIPPED: no kube context/m);
    expect(r.stdout).not.toMatch(/PASSED/);
  });

  it("with an unreachable cluster: SKIPPED, exit 0, never passed", async () => {
    const closed = await fakeCluster(false);
    const url = closed.url;
    await new Promise((r) => closed.server.close(r));
    const r = await e2e(kubeconfig("unreachable", url), "--yes");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^SKIPPED: context test is not reachable/m);
    expect(r.stdout).not.toMatch(/PASSED/);
  });

  it("on a cluster without Terway: REFUSED, nothing touched", async () => {
    const c = await fakeCluster(false);
    servers.push(c.server);
    const r = await e2e(kubeconfig("plain", c.url), "--yes");
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/^REFUSED: context test \(Kubernetes v1.26.3-aliyun.1\) has no Terway/m);
    expect(c.requests.length).toBeGreaterThan(0);
    expect(c.requests.filter((q) => !q.startsWith("GET "))).toEqual([]);
  });

  it("on a Terway cluster without --yes: NOT RUN, only reads, and says how to proceed", async () => {
    const c = await fakeCluster(true);
    servers.push(c.server);
    const r = await e2e(kubeconfig("terway", c.url));
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/^NOT RUN: would install terway-relay into kube-system of context test .*terway-eniip/m);
    expect(r.stdout).toContain("npm run e2e -- --yes");
    expect(c.requests.some((q) => q.startsWith("GET /api/v1/namespaces/kube-system/configmaps/eni-config"))).toBe(true);
    expect(c.requests.filter((q) => !q.startsWith("GET "))).toEqual([]);
  });
});
