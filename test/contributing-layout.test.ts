// CONTRIBUTING.md's scripts/ layout paragraph must match the tree: every file under scripts/ is named there, under its
// folder's bullet, and the paragraph names no file that is not there.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/tools.js";

const contributing = readFileSync(join(repoRoot, "CONTRIBUTING.md"), "utf8");
const start = contributing.indexOf("The harness lives in `scripts/`");
const paragraph = contributing.slice(start, contributing.indexOf("\n\n", start));
const bullets = paragraph.split("\n- ").slice(1);
const FOLDERS = {
  "": "at the top",
  commands: "`scripts/commands/`",
  doctor: "`scripts/doctor/`",
  generated: "`scripts/generated/`",
  build: "`scripts/build/`",
} as const;

function bulletOf(folder: keyof typeof FOLDERS): string {
  return bullets.find((b) => b.startsWith(FOLDERS[folder])) ?? "";
}

describe("CONTRIBUTING.md: the scripts/ layout", () => {
  it("has one bullet per folder of scripts/, and scripts/ has no other folder", () => {
    expect(start).toBeGreaterThan(-1);
    const folders = readdirSync(join(repoRoot, "scripts"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(
      Object.keys(FOLDERS)
        .filter((f) => f)
        .sort(),
    );
    for (const f of Object.keys(FOLDERS) as (keyof typeof FOLDERS)[]) expect(bulletOf(f), f).not.toBe("");
  });

  it.each(Object.keys(FOLDERS) as (keyof typeof FOLDERS)[])(
    "names every file of scripts/%s in its bullet, and no other",
    (folder) => {
      const files = readdirSync(join(repoRoot, "scripts", folder), { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name);
      const bullet = bulletOf(folder).replace(/\s+/g, " ");
      for (const f of files) {
        // The generators are named as a family.
        const named =
          bullet.includes(`\`${f}\``) || (folder === "build" && f.startsWith("gen-") && bullet.includes("`gen-*.ts`"));
        expect(named, `${folder || "scripts"}/${f}`).toBe(true);
      }
      for (const m of bullet.matchAll(/`([\w.-]+\.(?:ts|js|mjs|sh))`/g)) expect(files, m[1]).toContain(m[1]);
    },
  );
});

describe("scripts/build/ runs only at build or release time", () => {
  it("no runtime module (the CLI's import graph: scripts/, commands/, doctor/) imports from build/", () => {
    const runtime = ["", "commands", "doctor"].flatMap((folder) =>
      readdirSync(join(repoRoot, "scripts", folder), { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts"))
        .map((e) => join("scripts", folder, e.name)),
    );
    const importers = runtime.filter((f) => /from "(\.\/|\.\.\/)build\//.test(readFileSync(join(repoRoot, f), "utf8")));
    expect(importers).toEqual([]);
  });
});
