// `helm template --dry-run=server` against a cluster of the suite's fake API server: Helm renders as `helm install`
// does, with lookup answered by that cluster, as an identity allowed everything.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HelmMajor } from "../../scripts/tools.js";
import type { FakeCluster } from "./fake-kube-apiserver.js";
import { helmTemplateWith } from "./renders.js";

/** Helm's exit code and output for the chart with these extra flags (values, --is-upgrade) against the cluster. */
export async function templateAgainst(
  c: FakeCluster,
  helm: HelmMajor,
  args: string[],
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), "live-render-"));
  const kubeconfig = c.kubeconfig(home, {
    user: "admin",
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  });
  // A fresh HOME: no discovery cache from another run.
  const r = await helmTemplateWith(helm, ["--dry-run=server", "--kubeconfig", kubeconfig, ...args], {
    HOME: home,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
