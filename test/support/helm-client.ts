// A Helm client as a user's machine has one: its own config, cache and data homes (repositories, registry logins,
// pulled charts), in a temporary folder, so tests never share state with each other or with the developer's Helm.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { helmTemplate, helmTemplateArgs, type RenderOptions } from "../../scripts/render.js";
import { helmBin, type HelmMajor } from "../../scripts/tools.js";

export interface HelmClient {
  major: HelmMajor;
  home: string;
  /** Runs helm and returns its stdout; rejects with Helm's output when it fails. */
  run(args: string[]): Promise<string>;
  /** As run, returning stdout and stderr together (helm push reports on stderr). */
  runAll(args: string[]): Promise<string>;
  /** `helm template` of `chart` (a repo/name or oci:// reference) with the options of a render of chart/, plus `extra` flags. */
  template(chart: string, o: RenderOptions, extra?: string[]): Promise<string>;
  remove(): void;
}

export function helmClient(major: HelmMajor): HelmClient {
  const home = mkdtempSync(join(tmpdir(), `terway-relay-helm${major}-`));
  const env = {
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_DATA_HOME: join(home, "data"),
  };
  const exec = async (args: string[]) => {
    const r = await execa(helmBin(major), args, { env, reject: false });
    if (r.exitCode !== 0) throw new Error(`helm ${major} ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
    return r;
  };
  const run = async (args: string[]) => (await exec(args)).stdout;
  return {
    major,
    home,
    run,
    runAll: async (args) => {
      const r = await exec(args);
      return `${r.stdout}\n${r.stderr}`;
    },
    template: (chart, o, extra = []) => run([...helmTemplateArgs({ ...o, helm: major, chart }), ...extra]),
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** The manifest `helm template` prints for chart/ itself, the reference every installed copy must equal. */
export async function folderManifest(major: HelmMajor, o: RenderOptions): Promise<string> {
  return (await helmTemplate({ ...o, helm: major })).manifest;
}
