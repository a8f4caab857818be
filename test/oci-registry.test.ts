// An OCI registry, for real: the CNCF distribution registry on 127.0.0.1 (test/support/registry.ts). `helm push` of
// `npm run package`'s archive, then `helm template oci://...` and `helm show` on each Helm major; the render must
// equal chart/'s. Alibaba Cloud Container Registry serves Helm charts the same way (docs/distribution.md).
// Under CI a missing registry binary fails; elsewhere the test reports itself skipped, never passed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageChart } from "../scripts/build/package-chart.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { folderManifest, helmClient } from "./support/helm-client.js";
import { registryOrSkip, startRegistry } from "./support/registry.js";
import { BASE, HELM_MAJORS } from "./support/renders.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), "terway-relay-oci-"));
let registry: (() => void) | undefined;

afterAll(() => {
  registry?.();
  rmSync(dir, { recursive: true, force: true });
});

describe("a user of an OCI registry", () => {
  it("helm push, then helm template and helm show from oci:// on Helm 3 and Helm 4, render equal to chart/", async (ctx) => {
    if (!(await registryOrSkip(ctx))) return;
    const [{ host, stop }, archive] = await Promise.all([startRegistry(dir), packageChart(dir)]);
    registry = stop;
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
