// The release artifact: versions in step, the metadata a chart index shows, and an archive from `helm package`
// that renders exactly like the chart folder.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { describe, expect, it } from "vitest";
import { packageChart } from "../scripts/build/package-chart.js";
import { helmTemplate } from "../scripts/render.js";
import { schemaDefault } from "../scripts/schema.js";
import { chartDir, repoRoot } from "../scripts/tools.js";
import { BASE, HELM_MAJORS, one, renderObjects } from "./support/renders.js";

interface ChartYaml {
  version: string;
  appVersion: string;
  description?: string;
  keywords?: string[];
  home?: string;
  icon?: string;
  sources?: string[];
  maintainers?: { name: string; email?: string }[];
}
const chart = yaml.load(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as ChartYaml;
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };

describe("versions stay in step", () => {
  it("Chart.yaml version = package.json version", () => {
    expect(chart.version).toBe(pkg.version);
  });

  it("appVersion is the Typha version the chart deploys when nothing else decides it", async () => {
    // typha.image.tag's default, when it names one, must be appVersion; offline (no cluster to look at) the
    // rendered image must carry appVersion.
    const tagDefault = schemaDefault("typha.image.tag") as string;
    expect(["", chart.appVersion]).toContain(tagDefault);
    const d = one<Deployment>(
      await renderObjects({ helm: 4, sets: [...BASE, "nodeCount=1000"] }),
      "Deployment",
      "calico-typha",
    );
    expect(d.spec!.template.spec!.containers[0].image!.split(":").pop()).toBe(chart.appVersion);
  });
});

describe("Chart.yaml carries what a chart index shows", () => {
  it("description, keywords, home, sources, maintainers, icon", () => {
    expect(chart.description?.length).toBeGreaterThan(20);
    expect(chart.keywords).toEqual(expect.arrayContaining(["terway", "calico", "typha"]));
    for (const url of [chart.home, chart.icon, ...(chart.sources ?? [])]) expect(url).toMatch(/^https:\/\/[^\s]+$/);
    expect(chart.sources!.length).toBeGreaterThan(0);
    expect(chart.maintainers![0].name).toBeTruthy();
  });
});

describe("npm run package", () => {
  let archive: Promise<string> | undefined;
  const packaged = () => (archive ??= packageChart(mkdtempSync(join(tmpdir(), "terway-relay-package-"))));

  it("builds terway-relay-<version>.tgz with helm package", async () => {
    expect(await packaged()).toMatch(new RegExp(`terway-relay-${pkg.version.replace(/\./g, "\\.")}\\.tgz$`));
  });

  describe.each(HELM_MAJORS)("helm %i", (helm) => {
    it.each([
      ["defaults", [...BASE, "nodeCount=1001"]],
      [
        "autoscaler and dedicated account",
        [...BASE, "nodeCount=1001", "typha.autoscaler.enabled=true", "typha.serviceAccount.create=true"],
      ],
    ])("the archive renders exactly like the folder (%s, CRDs included)", async (_name, sets) => {
      const [folder, tgz] = await Promise.all([
        helmTemplate({ helm, sets, includeCrds: true }),
        helmTemplate({ helm, sets, includeCrds: true, chart: await packaged() }),
      ]);
      expect(tgz.manifest.length).toBeGreaterThan(1000);
      expect(tgz.manifest).toBe(folder.manifest);
    });
  });
});
