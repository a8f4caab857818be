// An OCI registry, for real: the CNCF distribution registry (Debian package docker-registry, which .ci/run
// installs) on 127.0.0.1 with a temporary config and storage. `helm push` of `npm run package`'s archive, then
// `helm template oci://...` and `helm show` on each Helm major; the render must equal chart/'s. Alibaba Cloud
// Container Registry serves Helm charts the same way (docs/distribution.md).
// Under CI a missing registry binary fails; elsewhere the test reports itself skipped, never passed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { packageChart } from "../scripts/build/package-chart.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { folderManifest, helmClient } from "./support/helm-client.js";
import { BASE, HELM_MAJORS } from "./support/renders.js";

const REGISTRY = "docker-registry";
const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), "terway-relay-oci-"));
let registry: ResultPromise | undefined;

afterAll(() => {
  registry?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function installed(): Promise<boolean> {
  return (await execa(REGISTRY, ["--version"], { reject: false })).exitCode === 0;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Starts the registry (filesystem storage under `dir`) and waits until its /v2/ API answers. */
async function startRegistry(): Promise<string> {
  const port = await freePort();
  const config = join(dir, "config.yml");
  // distribution's configuration format (distribution/distribution v2.8.2, docs/configuration.md, as Debian's
  // docker-registry 2.8.2+ds1 ships it in /usr/share/doc/docker-registry).
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "storage")}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  registry = execa(REGISTRY, ["serve", config], { reject: false, all: true });
  let output = "";
  registry.all?.on("data", (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (registry.exitCode !== null && registry.exitCode !== undefined) break;
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return `127.0.0.1:${port}`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${REGISTRY} did not start on 127.0.0.1:${port}: ${output}`);
}

describe("a user of an OCI registry", () => {
  it("helm push, then helm template and helm show from oci:// on Helm 3 and Helm 4, render equal to chart/", async (ctx) => {
    if (!(await installed())) {
      if (process.env.CI)
        throw new Error(`${REGISTRY} is required under CI (.ci/run installs it: apt-get install -y docker-registry)`);
      ctx.skip(`${REGISTRY} is not installed (apt-get install -y docker-registry): OCI registry test skipped`);
      return;
    }
    const [host, archive] = await Promise.all([startRegistry(), packageChart(dir)]);
    const ref = `oci://${host}/charts/terway-relay`;
    const clients = HELM_MAJORS.map(helmClient);
    try {
      // Each major pushes the same archive: the same content, so the same manifest digest.
      const digests: string[] = [];
      for (const helm of clients) {
        const out = await helm.runAll(["push", archive, `oci://${host}/charts`, "--plain-http"]);
        expect(out).toContain(`Pushed: ${host}/charts/terway-relay:${version}`);
        digests.push(/Digest: (sha256:[0-9a-f]{64})/.exec(out)![1]);
      }
      expect(digests[1]).toBe(digests[0]);

      const o = { sets: [...BASE, "nodeCount=1001", "typha.serviceAccount.create=true"], includeCrds: true };
      await Promise.all(
        clients.map(async (helm) => {
          const pull = ["--version", version, "--plain-http"];
          const [fromRegistry, fromFolder, readme] = await Promise.all([
            helm.template(ref, o, pull),
            folderManifest(helm.major, o),
            helm.run(["show", "readme", ref, ...pull]),
          ]);
          expect(fromRegistry.length).toBeGreaterThan(1000);
          expect(fromRegistry, `helm ${helm.major}`).toBe(fromFolder);
          expect(readme.trimEnd()).toBe(readFileSync(join(chartDir, "README.md"), "utf8").trimEnd());
        }),
      );
    } finally {
      for (const helm of clients) helm.remove();
    }
  });
});
