// The chart documents itself: chart/README.md (what `helm show readme` prints; test/chart-repo.test.ts and
// test/oci-registry.test.ts check that the packaged chart prints it) stays generated from the schema, and every
// install, upgrade, rollback and uninstall command shown to users (chart/README.md, README.md, CONTRIBUTING.md,
// docs/) carries the --timeout the hooks need.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartReadmePath, chartReadmeSource } from "../scripts/build/gen-chart-readme.js";
import { repoRoot } from "../scripts/tools.js";
import { DOC_PAGES } from "./support/markdown.js";
import { renderNotes } from "./support/notes.js";

const chartReadme = readFileSync(chartReadmePath, "utf8");
const rootReadme = readFileSync(join(repoRoot, "README.md"), "utf8");
/** README.md, CONTRIBUTING.md and every page of docs/, as one text. */
const userDocs = DOC_PAGES.map((page) => readFileSync(join(repoRoot, page), "utf8")).join("\n");
const BASE_1000 = ["region=cn-hangzhou", "nodeCount=1000"];

/** The lines of every ```sh block of `text`. */
const shLines = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].trim().split("\n"));

/** Every helm command of `text` that runs hooks (install, upgrade, rollback, uninstall), joined over `\` breaks. */
function hookCommands(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((l) => /^\s*helm (-n \S+ )?(install|upgrade|rollback|uninstall)\b/.test(l));
}

describe("chart/README.md", () => {
  it("its values table is generated from values.schema.json", () => {
    expect(chartReadme, "out of date: run `npm run gen` and commit the result").toBe(chartReadmeSource(chartReadme));
  });

  it("says what the chart does and shows install, upgrade, rollback and uninstall", () => {
    expect(chartReadme).toMatch(/Typha/);
    const verbs = hookCommands(chartReadme).map((l) => /helm (install|upgrade|rollback|uninstall)/.exec(l)![1]);
    expect(new Set(verbs)).toEqual(new Set(["install", "upgrade", "rollback", "uninstall"]));
  });
});

describe("--timeout", () => {
  it("NOTES' rollback and uninstall examples carry the --timeout NOTES computes, in both modes", async () => {
    for (const sets of [BASE_1000, [...BASE_1000, "mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"]]) {
      const notes = await renderNotes({ helm: 4, sets });
      const timeout = /pass --timeout (\S+) \(or more\)/.exec(notes)![1];
      const undo = hookCommands(notes);
      expect(undo.map((l) => /helm -n \S+ (rollback|uninstall)/.exec(l)?.[1])).toEqual(["rollback", "uninstall"]);
      for (const line of undo) expect(line).toContain(`--timeout ${timeout}`);
    }
  });

  it("every hook-running command in the READMEs and docs/ passes the --timeout NOTES prints for 1000 nodes", async () => {
    const notes = await renderNotes({ helm: 4, sets: BASE_1000 });
    const timeout = /pass --timeout (\S+) \(or more\)/.exec(notes)![1];
    const commands = [...hookCommands(chartReadme), ...hookCommands(userDocs).filter((l) => !l.includes("--no-hooks"))];
    expect(commands.length).toBeGreaterThan(8);
    for (const line of commands) expect(line, line).toContain(`--timeout ${timeout}`);
  });

  it("README: the first hook-running helm command is an install with --timeout, and install to uninstall are shown", () => {
    const helmLines = shLines(rootReadme).filter((l) => /^helm (install|upgrade|history|rollback|uninstall)\b/.test(l));
    expect(helmLines[0]).toMatch(/^helm install .*--timeout \S+/);
    const verbs = helmLines.map((l) => /^helm (\w+)/.exec(l)?.[1]);
    expect(verbs).toEqual(expect.arrayContaining(["install", "upgrade", "rollback", "uninstall"]));
  });
});

describe("the repository, OCI and npm commands of README.md and docs/", () => {
  it("name the current chart version", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    const named = [...userDocs.matchAll(/--version (\d+\.\d+\.\d+)|terway-relay-(\d+\.\d+\.\d+)\.tgz/g)].map(
      (m) => m[1] ?? m[2],
    );
    expect(named.length).toBeGreaterThan(5);
    expect(new Set(named)).toEqual(new Set([version]));
  });
});
