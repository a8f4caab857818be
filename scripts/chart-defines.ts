// Fixed names the chart defines once as literal templates (chart/templates/_helpers.tpl, _hook.tpl), read from the
// template text so the CLI never restates them: Typha's name and metrics port, the eni-config keys.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { chartDir } from "./tools.js";

const templates = new Map<string, string>();

/** The body of `{{- define "NAME" -}}BODY{{- end }}` in a template file, when BODY is literal text. Each file is read
 * once per process (doctor --watch asks every round). */
export function literalDefine(file: string, name: string): string {
  const path = join(chartDir, "templates", file);
  if (!templates.has(path)) templates.set(path, readFileSync(path, "utf8"));
  const escaped = name.replace(/[.]/g, "\\.");
  const m = new RegExp(`\\{\\{-? define "${escaped}" -?\\}\\}([\\s\\S]*?)\\{\\{-? end -?\\}\\}`).exec(
    templates.get(path)!,
  );
  if (!m || m[1].includes("{{")) throw new Error(`${path} has no literal define "${name}"`);
  return m[1].trim();
}

/** Typha's Deployment name and pod selector value (k8s-app), terway-relay.typhaName. */
export const typhaName = (): string => literalDefine("_helpers.tpl", "terway-relay.typhaName");

/** Typha's Prometheus port, terway-relay.metricsPort. */
export const metricsPort = (): number => Number(literalDefine("_helpers.tpl", "terway-relay.metricsPort"));

/** The eni-config keys the chart may own, terway-relay.eniConfigKeys. */
export function eniConfigKeys(): { relay: string; disable: string } {
  return yaml.load(literalDefine("_hook.tpl", "terway-relay.eniConfigKeys")) as { relay: string; disable: string };
}
