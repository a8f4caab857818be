// A real OCI registry for tests: the CNCF distribution registry (Debian package docker-registry, which .ci/run
// installs) on 127.0.0.1 with a temporary config and storage. Under CI a missing binary fails the test; elsewhere
// the test reports itself skipped, never passed.
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { type Skippable, debianToolAvailable } from "./debian-tool.js";

const REGISTRY = "docker-registry";

/** A loopback port nothing listens on at the moment of asking. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** docker-registry as a Debian tool the suite needs (test/support/debian-tool.ts): true when it runs; outside CI a
 * missing binary skips the test, saying so; under CI it throws. */
export const registryOrSkip = (ctx: Skippable): Promise<boolean> =>
  debianToolAvailable({ command: REGISTRY, versionArgs: ["--version"], pkg: "docker-registry" }, ctx);

/** Starts the registry (filesystem storage under `dir`), waits until its /v2/ API answers; its host:port and stop. */
export async function startRegistry(dir: string): Promise<{ host: string; stop(): void }> {
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
  const registry = execa(REGISTRY, ["serve", config], { reject: false, all: true });
  const stop = () => registry.kill();
  let output = "";
  registry.all?.on("data", (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (registry.exitCode !== null && registry.exitCode !== undefined) break;
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { host: `127.0.0.1:${port}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop();
  throw new Error(`${REGISTRY} did not start on 127.0.0.1:${port}: ${output}`);
}
