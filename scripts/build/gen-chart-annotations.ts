// Writes the generated Artifact Hub annotations into chart/Chart.yaml, between `# generated:start` and
// `# generated:end`: artifacthub.io/images (every image the chart can run, as it renders them) and
// artifacthub.io/crds (chart/crds/). Format: artifacthub/hub v1.22.0, docs/helm_annotations.md.
// test/chart-metadata.test.ts checks the result against renders of every Typha version in the chart's table.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { replaceBlock } from "./marked-block.js";
import { render, type KubeObject } from "../render.js";
import { chartDir } from "../tools.js";
import { isMain } from "./is-main.js";
import { tableTyphaVersions } from "../felix-table.js";

const chartYamlPath = join(chartDir, "Chart.yaml");

/** The region the listed image references are rendered for; other regions differ only in the registry host. */
export const IMAGE_REGION = "cn-hangzhou";

/** Every container image in a list of rendered objects (pod templates, Jobs, Pods). */
export function imagesIn(objects: KubeObject[]): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if ((k === "containers" || k === "initContainers") && Array.isArray(v))
          for (const c of v) found.push(String((c as { image: string }).image));
        else walk(v);
      }
    }
  };
  walk(objects);
  return found;
}

interface ImageEntry {
  name: string;
  image: string;
}

/** The chart's images: Typha for each Typha tag of the table, then the rest (hook kubectl, autoscaler). */
async function chartImages(): Promise<ImageEntry[]> {
  const versions = tableTyphaVersions();
  const renders = await Promise.all(
    versions.map((v) =>
      render({
        sets: [`region=${IMAGE_REGION}`, "nodeCount=1000", `typha.image.tag=${v}`, "typha.autoscaler.enabled=true"],
      }),
    ),
  );
  const entries: ImageEntry[] = versions.map((v, i) => {
    const typha = imagesIn(renders[i].objects).filter((img) => img.endsWith(`/acs/typha:${v}`));
    if (typha.length === 0) throw new Error(`no Typha ${v} image in the render with typha.image.tag=${v}`);
    return { name: `typha-${v}`, image: typha[0] };
  });
  const others = new Set(
    renders.flatMap((r) => imagesIn(r.objects)).filter((img) => !entries.some((e) => e.image === img)),
  );
  for (const image of [...others].sort()) {
    const name = image.split("/").pop()!.split(":")[0];
    entries.push({ name, image });
  }
  return entries;
}

interface CrdEntry {
  kind: string;
  version: string;
  name: string;
  displayName: string;
  description: string;
}

/** One entry per CRD in chart/crds/ (what Artifact Hub shows as cards). */
export function chartCrds(): CrdEntry[] {
  const dir = join(chartDir, "crds");
  return readdirSync(dir)
    .sort()
    .map((file) => {
      const crd = yaml.load(readFileSync(join(dir, file), "utf8")) as {
        metadata: { name: string };
        spec: { names: { kind: string }; versions: { name: string; storage: boolean }[] };
      };
      return {
        kind: crd.spec.names.kind,
        version: crd.spec.versions.find((v) => v.storage)!.name,
        name: crd.metadata.name,
        displayName: crd.spec.names.kind,
        description: "Calico BGP peer; Typha's BGP syncer lists it, Terway does not install it (inert without BGP).",
      };
    });
}

const block = (key: string, value: unknown) =>
  `  ${key}: |\n${yaml
    .dump(value, { lineWidth: -1 })
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")}`;

/** Chart.yaml as the generator wants it, from Chart.yaml as it is. */
async function chartYamlSource(current = readFileSync(chartYamlPath, "utf8")): Promise<string> {
  const content = [block("artifacthub.io/images", await chartImages()), block("artifacthub.io/crds", chartCrds())].join(
    "\n",
  );
  return replaceBlock(current, "generated", content, ["  # generated:start", "  # generated:end"], chartYamlPath);
}

if (isMain(import.meta.url)) {
  writeFileSync(chartYamlPath, await chartYamlSource());
  console.log(`wrote ${chartYamlPath}`);
}
