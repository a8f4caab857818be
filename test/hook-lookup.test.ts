// What the chart reads from the live cluster at install (lookup, empty under offline helm template): the Terway
// DaemonSet's policy image picks the Typha tag, and its maxUnavailable sets the hook's time budget and the
// helm --timeout NOTES prints. A copy of the chart answers the one lookup with a fixed DaemonSet.
import { describe, expect, test } from "vitest";
import { HelmError, type KubeObject } from "../scripts/render.js";
import { render } from "./support/renders.js";
import { renderNotes } from "./support/notes.js";
import { chartWithLiveTerway } from "./support/live-chart.js";
import { terwayImage, VERSION_EDGES } from "./support/terway-versions.js";

/** The chart, with terway-eniip answering lookup with this policy image and maxUnavailable. */
function chartWithTerway(image: string, maxUnavailable: string): string {
  return chartWithLiveTerway(
    `(dict "spec" (dict "updateStrategy" (dict "rollingUpdate" (dict "maxUnavailable" ${maxUnavailable})) "template" (dict "spec" (dict "containers" (list (dict "name" "terway" "image" "x") (dict "name" "policy" "image" "${image}"))))))`,
  );
}

const image = (objects: KubeObject[]) =>
  (
    objects.find((o) => o.kind === "Deployment") as KubeObject & {
      spec: { template: { spec: { containers: { image: string }[] } } };
    }
  ).spec.template.spec.containers[0].image;
const jobEnv = (objects: KubeObject[], name: string) =>
  (
    objects.find((o) => o.kind === "Job") as KubeObject & {
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
    }
  ).spec.template.spec.containers[0].env.find((e) => e.name === name)?.value;

describe("typha.image.tag empty: the Typha that matches the live Terway's Felix, from the one table", () => {
  const sets = ["region=cn-hangzhou", "nodeCount=320"];
  test.concurrent.each(VERSION_EDGES)("Terway $tag -> Typha $typha", async ({ tag, typha }) => {
    const chart = chartWithTerway(terwayImage(tag), '"10%"');
    if (typha) {
      const { objects } = await render({ chart, sets });
      expect(image(objects)).toBe(`registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:${typha}`);
      expect(jobEnv(objects, "TYPHA_VERSION")).toBe(typha);
      return;
    }
    // A version no row places: refused, naming the field and the way out; allowVersionSkew deploys the appVersion.
    const refused = await render({ chart, sets }).then(
      () => "",
      (e: unknown) => (e instanceof HelmError ? e.message : String(e)),
    );
    expect(refused).toContain(
      `typha.image.tag is empty and the cluster's Terway (${terwayImage(tag)}) is a version the chart's Felix table cannot place`,
    );
    expect(refused).toContain("or typha.allowVersionSkew=true to deploy v3.5.8");
    const { objects } = await render({ chart, sets: [...sets, "typha.allowVersionSkew=true"] });
    expect(image(objects)).toBe("registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.5.8");
  });

  test("an explicit tag wins, and is not refused for a Terway the table cannot place (the hook checks it)", async () => {
    for (const terway of ["r/acs/terway:v1.3.2", "r/acs/terway:v1.5.0"]) {
      const { objects } = await render({
        chart: chartWithTerway(terway, '"10%"'),
        sets: ["region=cn-hangzhou", "nodeCount=320", "typha.image.tag=v3.24.5"],
      });
      expect(image(objects)).toMatch(/:v3\.24\.5$/);
    }
  });
});

describe("the live maxUnavailable sets the time budget and the --timeout NOTES prints", () => {
  test("maxUnavailable 1 over 50 nodes: 50 batches", async () => {
    const chart = chartWithTerway("r/acs/terway:v1.9.0", "1");
    const sets = ["region=cn-hangzhou", "nodeCount=50", "typha.image.tag=v3.24.5"];
    const { objects } = await render({ chart, sets });
    expect(jobEnv(objects, "ROLLOUT_TIMEOUT")).toBe(String(50 * 60));
    const notes = await renderNotes({ chart, sets });
    // 300 s Typha wait + 3000 s roll + 180 s Felix check + 60 s = 3540 s; --timeout adds a minute: 60m.
    expect(notes).toContain("roll Terway 1 at a time");
    expect(notes).toContain("each hook may run\n3540s, so pass --timeout 60m (or more)");
  });

  test("offline (no lookup): Terway's chart default of 10%, and NOTES says how many nodes it assumed", async () => {
    const notes = await renderNotes({ sets: ["region=cn-hangzhou", "typha.image.tag=v3.24.5"] });
    expect(notes).toContain("a roll of 1000 nodes (assumed: no node count known) takes about 10 batches x 60s");
    expect(notes).toContain("pass --timeout 20m (or more)");
  });
});
