// Shared renders for the tests: each distinct render is done once per test worker and reused, since a helm call
// costs ~0.15 s. Counts distinct renders so the suite can report them.
import { execa } from "execa";
import {
  render as renderChart,
  HelmError,
  helmTemplateArgs,
  type KubeObject,
  type RenderOptions,
} from "../../scripts/render.js";
import { helmBin, type HelmMajor } from "../../scripts/tools.js";
import { assertInvariants, contextFor, isProjectChart } from "./invariants.js";
import { bump } from "./stats.js";
import { concurrencyLimit } from "./limit.js";

export const HELM_MAJORS: HelmMajor[] = [3, 4];

const cache = new Map<string, Promise<KubeObject[]>>();

/** At most this many helm processes at once per worker (vitest.config.ts: one worker per core, each running its files
 * one after another in one module graph, so this limiter and the cache above serve all of them). */
const MAX_CONCURRENT = Number(process.env.TERWAY_RELAY_RENDER_CONCURRENCY ?? 3);
const limited = concurrencyLimit(MAX_CONCURRENT);

/** A render's objects held to the coherence invariants (test/support/invariants.ts). Copies of the chart made to
 * be broken (test/chart-mutations.test.ts) or to stub lookup, and the preview charts for NOTES and the replica table,
 * are other charts and are left to their own tests; renderObjects checks the copies it renders itself. */
export function checkRender(objects: KubeObject[], o: RenderOptions): void {
  if (!isProjectChart(o)) return;
  bump("invariantCheckedRenders");
  assertInvariants(objects, contextFor(o));
}

/** scripts/render.ts's render, as every test calls it: each render of chart/ is held to the invariants. */
export async function render(o: RenderOptions, signal?: AbortSignal): ReturnType<typeof renderChart> {
  const r = await renderChart(o, signal);
  checkRender(r.objects, o);
  return r;
}

/** Render (once per distinct options) and return the parsed objects; rejects with HelmError when Helm refuses.
 * Every successful render must satisfy the coherence invariants (test/support/invariants.ts), so every test that
 * renders also checks them; a render that breaks one rejects with an InvariantError. */
export function renderObjects(o: RenderOptions): Promise<KubeObject[]> {
  const key = JSON.stringify(o);
  let p = cache.get(key);
  if (!p) {
    bump("renders");
    p = limited(() => render(o)).then((r) => {
      // Renders of chart/ are checked by render(); copies of it are checked here.
      if (!isProjectChart(o)) assertInvariants(r.objects, contextFor(o));
      return r.objects;
    });
    cache.set(key, p);
  }
  return p;
}

/** `helm template` of chart/ as the release is installed (render.ts helmTemplateArgs: DEFAULT_RELEASE_NAME in
 * RELEASE_NAMESPACE), with arguments
 * RenderOptions does not model (--skip-schema-validation, --dry-run=server); `env`, when given, is helm's whole
 * environment. Resolves with Helm's exit code and output, whether or not Helm succeeded. */
export function helmTemplateWith(helm: HelmMajor, args: string[], env?: NodeJS.ProcessEnv) {
  return execa(helmBin(helm), [...helmTemplateArgs({}), ...args], {
    reject: false,
    ...(env ? { env, extendEnv: false } : {}),
  });
}

/** Helm's refusal message for options that must fail, or throws when Helm renders them. */
export async function renderError(o: RenderOptions): Promise<string> {
  try {
    await renderObjects(o);
  } catch (e) {
    if (e instanceof HelmError) return e.message;
    throw e;
  }
  throw new Error(`helm ${o.helm ?? 4} rendered ${JSON.stringify(o)} but should have refused it`);
}

export function byKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function one<T = KubeObject>(objects: KubeObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0] as T;
}

type PodSpec = { containers: { env?: { name: string; value: string }[] }[] };

/** The first container's environment of a Job (its pod template) or a Pod, as a map. */
export function containerEnv(obj: KubeObject): Record<string, string> {
  const spec = obj.spec as { template?: { spec: PodSpec } } & PodSpec;
  return Object.fromEntries((spec.template?.spec ?? spec).containers[0].env!.map((e) => [e.name, e.value]));
}

/** The environment of the release's hook Job for `phase` (Job terway-relay-eni-config-<phase>). */
export function jobEnv(objects: KubeObject[], phase: string): Record<string, string> {
  const job = objects.find((o) => o.kind === "Job" && o.metadata.name === `terway-relay-eni-config-${phase}`);
  if (!job) throw new Error(`no hook Job terway-relay-eni-config-${phase}`);
  return containerEnv(job);
}

/** The minimal values that render: region is required. */
export const BASE = ["region=cn-hangzhou"];
