// After Terway is upgraded in the ACK console, Felix runs the newer version and Typha stays at the old one until the
// next `helm upgrade`; with typha.image.tag empty that upgrade picks the new Typha from the live Terway. Offline,
// `helm template --is-upgrade` on a copy of the chart whose two lookups answer with a live Terway DaemonSet (now
// v1.9.0, bundling Felix v3.24.5) and the live Typha Deployment (still v3.5.8) stands in for the upgrade. A pinned
// tag stays, unless the new Felix cannot use it (Typha before v3.14 behind Felix v3.23+): that upgrade is refused.
import { execa } from "execa";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { helmBin } from "../scripts/tools.js";
import { typhaFelixRefusal } from "../scripts/version-skew.js";
import { chartWithLiveTerway, chartWithLiveTypha } from "./support/live-chart.js";
import { BASE, HELM_MAJORS } from "./support/renders.js";

const OLD_TYPHA =
  '(dict "spec" (dict "replicas" 5 "template" (dict "spec" (dict "containers" (list (dict "name" "calico-typha" "image" "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.5.8"))))))';

/** The chart as a cluster would answer it after an ACK-console Terway upgrade to `terwayImage`. */
function chartAfterTerwayUpgrade(terwayImage: string): string {
  const ds = `(dict "spec" (dict "template" (dict "spec" (dict "containers" (list (dict "name" "policy" "image" "${terwayImage}"))))))`;
  return chartWithLiveTerway(ds, chartWithLiveTypha(OLD_TYPHA));
}

// One chart copy for every case: both tests and both Helm majors read the same cluster.
const chart = chartAfterTerwayUpgrade("registry-vpc.cn-hangzhou.aliyuncs.com/acs/terway:v1.9.0");

const typhaImage = (manifest: string) =>
  (
    yaml.loadAll(manifest) as {
      kind?: string;
      metadata?: { name: string };
      spec: { template: { spec: { containers: { image: string }[] } } };
    }[]
  ).find((o) => o?.kind === "Deployment" && o.metadata?.name === "calico-typha")!.spec.template.spec.containers[0]
    .image;

describe.each(HELM_MAJORS)("helm upgrade after an ACK-console Terway upgrade (helm %i)", (helm) => {
  const upgrade = (chart: string, ...sets: string[]) =>
    execa(helmBin(helm), [
      "template",
      "terway-relay",
      chart,
      "-n",
      "kube-system",
      "--is-upgrade",
      ...[...BASE, "nodeCount=1000", ...sets].flatMap((s) => ["--set", s]),
    ]);

  it("with typha.image.tag empty, picks the Typha of the new Terway's Felix, not the running one", async () => {
    const r = await upgrade(chart);
    expect(typhaImage(r.stdout)).toBe("registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.24.5");
  });

  it("a pinned typha.image.tag stays pinned (the skew is the hook's to refuse), unless the new Felix cannot use it", async () => {
    const r = await upgrade(chart, "typha.image.tag=v3.20.2");
    expect(typhaImage(r.stdout)).toBe("registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.20.2");
    // The running v3.5.8, pinned, sends Felix v3.24.5 no v3 Profiles: the upgrade is refused (scripts/version-skew.ts).
    const refused = await upgrade(chart, "typha.image.tag=v3.5.8").then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(refused).toContain(
      typhaFelixRefusal("v3.5.8", "v3.24.5", "registry-vpc.cn-hangzhou.aliyuncs.com/acs/terway:v1.9.0"),
    );
  });
});
