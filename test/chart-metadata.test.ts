// Licence and the metadata a chart index shows (Artifact Hub, artifacthub/hub v1.22.0 docs/helm_annotations.md):
// the annotations must say what the chart really runs and ships.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { chartCrds, IMAGE_REGION, imagesIn } from "../scripts/build/gen-chart-annotations.js";
import { tableTyphaVersions } from "../scripts/felix-table.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { renderObjects } from "./support/renders.js";

const read = (p: string) => readFileSync(join(repoRoot, p), "utf8");
const chartYaml = read("chart/Chart.yaml");
const chart = yaml.load(chartYaml) as { maintainers: Record<string, string>[]; annotations: Record<string, string> };
const annotation = <T>(key: string) => yaml.load(chart.annotations[key]) as T;
const hint = "out of date: run `npm run gen` and commit the result";

describe("licence", () => {
  it("LICENSE is the full Apache License 2.0, as package.json and Artifact Hub say", () => {
    const text = read("LICENSE");
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(text).toContain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    expect(text).toContain("END OF TERMS AND CONDITIONS");
    expect(text.split("\n").length).toBeGreaterThan(190);
    expect((JSON.parse(read("package.json")) as { license: string }).license).toBe("Apache-2.0");
    expect(chart.annotations["artifacthub.io/license"]).toBe("Apache-2.0");
  });

  it("chart/LICENSE is the same file, so the packaged chart carries it", () => {
    expect(read("chart/LICENSE"), hint).toBe(read("LICENSE"));
  });
});

describe("Chart.yaml", () => {
  it("invents no address: maintainers carry a name only, and no placeholder domain appears", () => {
    for (const m of chart.maintainers) expect(Object.keys(m)).toEqual(["name"]);
    expect(chartYaml).not.toMatch(/\.example\b|noreply|@/);
  });

  it("artifacthub.io/changes: entries of a documented kind, each with a description", () => {
    const changes = annotation<{ kind: string; description: string }[]>("artifacthub.io/changes");
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(["added", "changed", "deprecated", "removed", "fixed", "security"]).toContain(c.kind);
      expect(c.description.length).toBeGreaterThan(10);
    }
  });

  it("artifacthub.io/crds: one card per CRD in chart/crds/", () => {
    const crds = annotation<{ kind: string; version: string; name: string }[]>("artifacthub.io/crds");
    const files = readdirSync(join(chartDir, "crds")).map(
      (f) =>
        yaml.load(readFileSync(join(chartDir, "crds", f), "utf8")) as {
          metadata: { name: string };
          spec: { names: { kind: string } };
        },
    );
    expect(crds.map((c) => c.name).sort()).toEqual(files.map((f) => f.metadata.name).sort());
    expect(crds.map((c) => c.kind).sort()).toEqual(files.map((f) => f.spec.names.kind).sort());
    expect(crds, hint).toEqual(chartCrds());
  });

  it("artifacthub.io/images: exactly the images the chart renders, Typha for every Typha tag of _terway.tpl's table", async () => {
    const listed = annotation<{ name: string; image: string }[]>("artifacthub.io/images");
    const versions = tableTyphaVersions();
    // The table's rows, read here without the generator's parser: every fourth column (TYPHA) must be listed.
    const rows = /define "terway-relay\.felixVersions"[\s\S]*?\n\{\{- end/.exec(
      read("chart/templates/_terway.tpl"),
    )![0];
    const typhaColumn = [...rows.matchAll(/^\S+ \S+ v\S+ (v\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]);
    expect(typhaColumn.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set(typhaColumn));
    const base = [`region=${IMAGE_REGION}`, "nodeCount=1000"];
    const renders = await Promise.all([
      ...versions.map((v) =>
        renderObjects({ helm: 4, sets: [...base, `typha.image.tag=${v}`, "typha.autoscaler.enabled=true"] }),
      ),
      renderObjects({ helm: 4, sets: base }),
      renderObjects({ helm: 4, sets: [...base, "mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"] }),
    ]);
    const rendered = new Set(renders.flatMap(imagesIn));
    expect(new Set(listed.map((l) => l.image)), hint).toEqual(rendered);
    for (const v of versions)
      expect(listed.map((l) => l.image)).toContain(`registry-vpc.${IMAGE_REGION}.aliyuncs.com/acs/typha:${v}`);
    expect(new Set(listed.map((l) => l.name)).size).toBe(listed.length);
  });
});
