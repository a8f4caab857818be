// What the docs tests read from Markdown: which pages there are, headings as GitHub turns them into anchors,
// relative links, and the command blocks marked as runnable offline.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../scripts/tools.js";

/** The project's documentation pages, relative to the repository: README.md, CONTRIBUTING.md and docs/*.md. */
export const DOC_PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Fenced code blocks and inline code spans blanked out (line count kept), so links inside code are not links. */
function withoutCode(text: string): string {
  return text
    .replace(/^```[^\n]*\n[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, " "))
    .replace(/`[^`\n]*`/g, (span) => " ".repeat(span.length));
}

/** GitHub's anchor for a heading's text, as github-slugger computes it (Flet/github-slugger
 * script/generate-regex.mjs: it drops other numbers, punctuation but connectors and `-`, symbols, controls, format
 * and private-use characters, and separators but the space; letters stay): lower case, those characters dropped,
 * each space a hyphen. Link syntax counts as its text. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor the page's headings define; a repeated heading gets -1, -2, ... as on GitHub. Headings are found
 * outside code blocks, and read from the original line (inline code in a heading is part of its text). */
export function anchors(text: string): Set<string> {
  const original = text.split("\n");
  const seen = new Map<string, number>();
  const out = new Set<string>();
  withoutCode(text)
    .split("\n")
    .forEach((line, i) => {
      if (!/^#{1,6}[ \t]/.test(line)) return;
      const slug = githubSlug(original[i].replace(/^#{1,6}[ \t]+/, "").replace(/[ \t#]*$/, ""));
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      out.add(n ? `${slug}-${n}` : slug);
    });
  return out;
}

/** Relative link targets of a page (`[text](target)`, images too), outside code; web and mail links left out. */
export function relativeLinks(text: string): string[] {
  return [...withoutCode(text).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The marker that, on the line before a fence, says the block runs offline (test/docs-commands.test.ts runs it). */
export const OFFLINE_MARKER = "<!-- offline -->";

/** The body of every code block whose fence follows the offline marker on the next line; a marker not followed by
 * a fence is an error, so a misplaced marker cannot silently run nothing. */
export function offlineBlocks(text: string, page: string): string[] {
  const lines = text.split("\n");
  const blocks: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() !== OFFLINE_MARKER) return;
    if (!/^```(sh|bash)\s*$/.test(lines[i + 1] ?? ""))
      throw new Error(`${page}:${i + 1}: ${OFFLINE_MARKER} must be followed at once by a \`\`\`sh fence`);
    const end = lines.indexOf("```", i + 2);
    if (end < 0) throw new Error(`${page}:${i + 2}: the marked block is never closed`);
    blocks.push(lines.slice(i + 2, end).join("\n"));
  });
  return blocks;
}
