// A Helm chart repository, for real: `npm run package`'s folder (archive, index.yaml, checksum) served over HTTP on
// 127.0.0.1, then, as a user does on each Helm major: helm repo add, helm search repo, helm pull, helm template,
// helm show readme/values. What comes out of the repository must render exactly like chart/.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRelease, type Release } from "../scripts/build/package-chart.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { folderManifest, helmClient } from "./support/helm-client.js";
import { BASE, HELM_MAJORS } from "./support/renders.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), "terway-relay-repo-"));
const served: string[] = [];
let release: Release;
let server: Server;
let url: string;

beforeAll(async () => {
  release = await packageRelease(dir);
  // A static file server, as GitHub Pages, OSS or any web server would be: GET a file by name, 404 otherwise.
  server = createServer((req, res) => {
    const name = basename(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    served.push(name);
    try {
      res.end(readFileSync(join(dir, name)));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("npm run package", () => {
  it("writes the archive, index.yaml listing it by a relative URL, and a sha256sum line for it", () => {
    expect(basename(release.archive)).toBe(`terway-relay-${version}.tgz`);
    const index = readFileSync(release.index, "utf8");
    expect(index).toContain(`- terway-relay-${version}.tgz`);
    const digest = createHash("sha256").update(readFileSync(release.archive)).digest("hex");
    expect(readFileSync(release.checksum, "utf8")).toBe(`${digest}  terway-relay-${version}.tgz\n`);
    expect(index).toContain(`digest: ${digest}`);
  });
});

describe.concurrent("a user of the Helm repository", () => {
  it.each(HELM_MAJORS)("helm %i: repo add, search repo, pull, template and show, from HTTP", async (major) => {
    const helm = helmClient(major);
    try {
      await helm.run(["repo", "add", "terway-relay", url]);
      const search = await helm.run(["search", "repo", "terway-relay"]);
      expect(search).toMatch(new RegExp(`^terway-relay/terway-relay\\s+${version.replace(/\./g, "\\.")}\\s+v`, "m"));

      await helm.run(["pull", "terway-relay/terway-relay", "--verify=false", "--destination", helm.home]);
      const pulled = readFileSync(join(helm.home, `terway-relay-${version}.tgz`));
      const published = await (await fetch(`${url}/terway-relay-${version}.tgz.sha256`)).text();
      expect(published).toBe(readFileSync(release.checksum, "utf8"));
      const [sum] = published.split(" ");
      expect(
        createHash("sha256").update(pulled).digest("hex"),
        "the pulled archive matches the published checksum",
      ).toBe(sum);

      const o = { sets: [...BASE, "nodeCount=1001", "typha.autoscaler.enabled=true"], includeCrds: true };
      const [fromRepo, fromFolder, readme, values] = await Promise.all([
        helm.template("terway-relay/terway-relay", o, ["--version", version]),
        folderManifest(major, o),
        helm.run(["show", "readme", "terway-relay/terway-relay"]),
        helm.run(["show", "values", "terway-relay/terway-relay"]),
      ]);
      expect(fromRepo.length).toBeGreaterThan(1000);
      expect(fromRepo).toBe(fromFolder);
      expect(readme.trimEnd()).toBe(readFileSync(join(chartDir, "README.md"), "utf8").trimEnd());
      expect(values.trimEnd()).toBe(readFileSync(join(chartDir, "values.yaml"), "utf8").trimEnd());
    } finally {
      helm.remove();
    }
    expect(served).toEqual(expect.arrayContaining(["index.yaml", `terway-relay-${version}.tgz`]));
  });
});
