// The documentation holds together: README.md stays short enough to install from in five minutes, and every
// relative link of README.md, CONTRIBUTING.md and docs/*.md resolves: the file or folder exists, and a `#anchor`
// names a heading of its page as GitHub spells anchors.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/tools.js";
import { DOC_PAGES, anchors, githubSlug, relativeLinks } from "./support/markdown.js";

/** The links of `text` (a page at `page`, relative to `root`) that do not resolve, each with the reason. */
function brokenLinks(text: string, page: string, root = repoRoot): { target: string; reason: string }[] {
  const broken: { target: string; reason: string }[] = [];
  for (const target of relativeLinks(text)) {
    const [path, anchor] = target.split("#", 2);
    const file = path ? join(root, dirname(page), decodeURIComponent(path)) : join(root, page);
    const name = relative(root, file);
    if (!existsSync(file)) broken.push({ target, reason: `${name} does not exist` });
    else if (anchor !== undefined) {
      if (statSync(file).isDirectory() || !file.endsWith(".md"))
        broken.push({ target, reason: `${name} is not a Markdown page, so #${anchor} names nothing` });
      else if (!anchors(path ? readFileSync(file, "utf8") : text).has(anchor))
        broken.push({ target, reason: `${name} has no heading whose anchor is #${anchor}` });
    }
  }
  return broken;
}

it("README.md has at most 200 lines: the rest belongs in docs/", () => {
  expect(readFileSync(join(repoRoot, "README.md"), "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(200);
});

describe("relative links in README.md, CONTRIBUTING.md and docs/", () => {
  it.each(DOC_PAGES)("%s: every link resolves", (page) => {
    const text = readFileSync(join(repoRoot, page), "utf8");
    expect(brokenLinks(text, page)).toEqual([]);
  });

  it("docs/README.md links every page of docs/", () => {
    const linked = relativeLinks(readFileSync(join(repoRoot, "docs", "README.md"), "utf8")).map(
      (t) => `docs/${t.split("#")[0]}`,
    );
    const pages = DOC_PAGES.filter((p) => p.startsWith("docs/") && p !== "docs/README.md");
    expect(pages.filter((p) => !linked.includes(p))).toEqual([]);
  });
});

describe("the link check itself", () => {
  it("spells anchors as GitHub does", () => {
    expect(githubSlug("What is proven, and by which command")).toBe("what-is-proven-and-by-which-command");
    expect(githubSlug("Reading the hook's logs")).toBe("reading-the-hooks-logs");
    expect(githubSlug("Restarts of Typha v3.5.8 drop connections")).toBe("restarts-of-typha-v358-drop-connections");
    expect(githubSlug("`gitops.enabled`: rendering without a cluster")).toBe(
      "gitopsenabled-rendering-without-a-cluster",
    );
    expect(githubSlug("Layout of scripts/")).toBe("layout-of-scripts");
    expect(githubSlug("GitOps: Flux and Argo CD (ACK One GitOps)")).toBe("gitops-flux-and-argo-cd-ack-one-gitops");
    expect([...anchors("# A\n## B\n```sh\n# not a heading\n```\n## B\n")]).toEqual(["a", "b", "b-1"]);
  });

  it("reports a missing file, a missing anchor and an anchor into a non-page, and ignores code and web links", () => {
    const text = [
      "[ok](docs/hook.md#time-budget) [self](#a) [web](https://example.com/x.md#nope)",
      "[gone](docs/nope.md) [bad anchor](docs/hook.md#no-such-heading) [file anchor](LICENSE#x)",
      "`[in code](nope.md)`",
      "```sh",
      "[in a block](nope.md)",
      "```",
      "# A",
    ].join("\n");
    expect(brokenLinks(text, "README.md").map((b) => b.target)).toEqual([
      "docs/nope.md",
      "docs/hook.md#no-such-heading",
      "LICENSE#x",
    ]);
  });
});
