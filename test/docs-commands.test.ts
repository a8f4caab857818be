// Every command block of README.md, CONTRIBUTING.md and docs/*.md marked `<!-- offline -->` (the line before its
// fence) runs here, as a reader would type it: bash with -e and pipefail, the repository as working directory,
// `helm` this repository's Helm 4 and `terway-relay` (also written `npx terway-relay`) the built CLI, dist/ (run
// `npm run build` first). A marked block that fails fails its test, naming the page and the block.
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { helmBin, repoRoot } from "../scripts/tools.js";
import { DOC_PAGES, OFFLINE_MARKER, offlineBlocks } from "./support/markdown.js";

/** A folder put first on PATH: `helm` is Helm 4 from .tools/, `terway-relay` the built bundle. */
const bin = mkdtempSync(join(tmpdir(), "docs-commands-"));
symlinkSync(helmBin(4), join(bin, "helm"));
writeFileSync(
  join(bin, "terway-relay"),
  `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot, "dist", "terway-relay.js"))} "$@"\n`,
);
chmodSync(join(bin, "terway-relay"), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** Runs one block as a reader would; resolves to its result, never throws. */
function runBlock(block: string) {
  return execa("bash", ["-e", "-o", "pipefail", "-c", block.replace(/\bnpx terway-relay\b/g, "terway-relay")], {
    cwd: repoRoot,
    env: { PATH: `${bin}:${process.env.PATH}`, HELM_BIN: "" },
    reject: false,
    all: true,
  });
}

const blocks = DOC_PAGES.flatMap((page) =>
  offlineBlocks(readFileSync(join(repoRoot, page), "utf8"), page).map((block, i) => ({ page, n: i + 1, block })),
);

describe("command blocks marked offline", () => {
  it("are there: README, the CLI, GitOps, capacity and observability pages each show one", () => {
    const pages = new Set(blocks.map((b) => b.page));
    for (const p of ["README.md", "docs/cli.md", "docs/gitops.md", "docs/capacity.md", "docs/observability.md"])
      expect(pages, p).toContain(p);
  });

  it.concurrent.each(blocks.map((b) => [`${b.page} block ${b.n}`, b.block] as const))("%s runs", async (_, block) => {
    const r = await runBlock(block);
    expect(r.exitCode, `${block}\n---\n${r.all}`).toBe(0);
  });
});

describe("the runner itself", () => {
  it("fails a block whose command fails, also inside a pipeline, and runs npx terway-relay as the built CLI", async () => {
    expect((await runBlock("true\nfalse\ntrue")).exitCode).not.toBe(0);
    expect((await runBlock("false | cat")).exitCode).not.toBe(0);
    expect((await runBlock("helm version --short | grep -q '^v4'")).exitCode).toBe(0);
    expect((await runBlock("npx terway-relay plan --nodes x")).exitCode).toBe(2);
  });

  it("finds only blocks right after the marker, and refuses a marker without a fence", () => {
    const page = ["```sh", "not marked", "```", OFFLINE_MARKER, "```sh", "marked", "```"].join("\n");
    expect(offlineBlocks(page, "p.md")).toEqual(["marked"]);
    expect(() => offlineBlocks(`${OFFLINE_MARKER}\n\n\`\`\`sh\nx\n\`\`\``, "p.md")).toThrow(/p\.md:1: .* fence/);
  });
});
