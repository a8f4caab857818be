// Property-based tests (fast-check) over values generated from values.schema.json:
// 1. random values that satisfy the schema and the cross-field rules always render, under Helm 3 and Helm 4, on a
//    random claimed Kubernetes minor and with a random release name, the render satisfies every invariant
//    (renderObjects checks them), every object is a valid Kubernetes object (kubernetes-models types, strict unknown
//    fields), and the security lint finds nothing outside its exception list;
// 2. a random single mutation that breaks the schema is always refused by the harness before anything renders,
//    naming the mutated path, and (on a bounded sample, since each costs a helm call) by both Helms on the schema.
// Case counts are printed and added to the suite's totals.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { dumpHelmYaml } from "../scripts/helm-yaml.js";
import { afterAll, describe, expect, it } from "vitest";
import { knownRegions } from "../scripts/cross-field.js";
import { HelmError } from "../scripts/render.js";
import { checkValues, validateValues } from "../scripts/validate.js";
import { chartDefaults, coalesce, mergeValues, type Json, type JsonObject } from "../scripts/values.js";
import { MINORS, ackVersion, servedApiVersions } from "./support/api-lifecycle.js";
import { SCHEMA_REFUSAL, helmNamesPath } from "./support/helm-paths.js";
import { validateWithKubernetesModels } from "./support/kube-models.js";
import { renderObjects } from "./support/renders.js";
import { labelKeyArbitrary, mutationsOf, schemaValidValues, type Overrides } from "./support/schema-arbitrary.js";
import { securityProblems } from "./support/security-lint.js";
import { fcSeed } from "./support/fc-seed.js";
import { bump } from "./support/stats.js";
import { unknownFields } from "./support/strict-fields.js";

const RENDER_RUNS = Number(process.env.PROPERTY_RENDER_RUNS ?? 30);
const MUTATION_RUNS = Number(process.env.PROPERTY_MUTATION_RUNS ?? 400);
const HELM_MUTATION_RUNS = Number(process.env.PROPERTY_HELM_MUTATION_RUNS ?? 12);
// One seed for the file (support/fc-seed.ts): fixed under CI, random locally, printed; FC_SEED=<seed> replays a run.
const SEED = fcSeed("properties");

const dir = mkdtempSync(join(tmpdir(), "terway-relay-props-"));
let fileNo = 0;
function valuesFile(v: JsonObject): string {
  const f = join(dir, `values-${fileNo++}.yaml`);
  writeFileSync(f, dumpHelmYaml(v));
  return f;
}

/** Realistic sizing fields, so that the cross-field filter keeps most cases (the schema allows 1000 replicas for
 * 5 nodes; the chart refuses that, and the cross-field corpus covers it). */
const OVERRIDES: Overrides = {
  nodeCount: fc.oneof(fc.constant(0), fc.integer({ min: 4, max: 20_000 })),
  "typha.replicas": fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }) },
  ),
  "typha.maxReplicas": fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 30 })),
  "typha.replicaRule.nodesPerReplica": fc.integer({ min: 20, max: 2000 }),
  "typha.replicaRule.minReplicas": fc.integer({ min: 1, max: 6 }),
  "typha.tolerations[].key": labelKeyArbitrary,
  // Regions the chart knows (others need typha.image.registry; the cross-field corpus covers them).
  region: fc.constantFrom(...knownRegions()),
};

// Judged as Helm sees them: merged over the chart's defaults (a generated limit can meet a default request). The
// generator satisfies the schema, its if/then rules included; the cross-field rules filter here.
const DEFAULTS = chartDefaults();
const crossFieldProblems = (v: JsonObject) => checkValues(coalesce(DEFAULTS, v)).problems;

/** Random quantities put a request above its limit in one of the four request/limit pairs most of the time, and the
 * cross-field rule refuses that. Where the rule names a pair the values set both sides of, the two quantities swap
 * places (both stay as drawn), instead of the whole values object being drawn again; values the rule accepts are
 * left as they are. */
const REQUEST_ABOVE_LIMIT = /^(typha|typha\.autoscaler)\.resources\.requests\.(cpu|memory)$/;
function requestsBelowLimits(v: JsonObject): JsonObject {
  const out = structuredClone(v);
  let swapped = false;
  for (const p of crossFieldProblems(v)) {
    const m = REQUEST_ABOVE_LIMIT.exec(p.path);
    if (!m) continue;
    const r = [...m[1].split("."), "resources"].reduce<Json | undefined>(
      (o, k) => (o as JsonObject | undefined)?.[k],
      out,
    ) as { requests?: JsonObject; limits?: JsonObject } | undefined;
    if (r?.requests?.[m[2]] === undefined || r.limits?.[m[2]] === undefined) continue;
    [r.requests[m[2]], r.limits[m[2]]] = [r.limits[m[2]], r.requests[m[2]]];
    swapped = true;
  }
  return swapped ? out : v;
}

const renderable = schemaValidValues(OVERRIDES)
  .map(requestsBelowLimits)
  .filter((v) => crossFieldProblems(v).length === 0);

/** Release names Helm accepts (at most 53 characters, dots allowed). Often the default, sometimes one that YAML 1.1
 * reads as a boolean or a number, sometimes dotted (hook and test object names must still be DNS labels). */
const releaseName = fc.oneof(
  { weight: 2, arbitrary: fc.constant("terway-relay") },
  { weight: 1, arbitrary: fc.constantFrom("yes", "on", "017", "1e3", "y", "team.relay", "a.b.c") },
  {
    weight: 2,
    arbitrary: fc
      .stringMatching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/)
      .filter((n) => n.length <= 53),
  },
);

const counts = { render: 0, mutation: 0, helmMutation: 0 };
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  bump("propertyCases", counts.render + counts.mutation + counts.helmMutation);
  console.log(
    `property cases: ${counts.render} rendered under Helm 3 and 4, ${counts.mutation} schema mutations through the harness, ${counts.helmMutation} through Helm`,
  );
});

describe("property: schema-valid values render", () => {
  it(`always render and satisfy every invariant (${RENDER_RUNS} cases x Helm 3 and 4)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        renderable,
        fc.constantFrom(...MINORS),
        fc.boolean(),
        releaseName,
        async (values, minor, promOperator, release) => {
          counts.render++;
          const file = valuesFile(values);
          expect(validateValues(mergeValues({ files: [file] }))).toEqual([]);
          const crds = promOperator ? ["calico", "prometheus-operator"] : ["calico"];
          const opts = {
            files: [file],
            releaseName: release,
            kubeVersion: ackVersion(minor),
            apiVersions: servedApiVersions({ minor, crds }),
            includeCrds: true,
          };
          const [h3, h4] = await Promise.all([
            renderObjects({ ...opts, helm: 3 }),
            renderObjects({ ...opts, helm: 4 }),
          ]);
          expect(h3.length).toBeGreaterThan(0);
          for (const o of [...h3, ...h4]) {
            await validateWithKubernetesModels(o);
            if (o.apiVersion !== "monitoring.coreos.com/v1")
              expect(unknownFields(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
          }
          expect(h4.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(h3.map((o) => `${o.kind}/${o.metadata.name}`));
          expect(await securityProblems(h4)).toEqual([]);
        },
      ),
      { numRuns: RENDER_RUNS, seed: SEED },
    );
  });
});

describe("property: single schema-breaking mutations are refused", () => {
  const mutated = renderable.chain((v) => {
    const ms = mutationsOf(v, DEFAULTS);
    return fc.integer({ min: 0, max: ms.length - 1 }).map((i) => ({ base: v, m: ms[i], values: ms[i].apply(v) }));
  });

  it(`the harness refuses every one before rendering, naming the path (${MUTATION_RUNS} cases)`, () => {
    fc.assert(
      fc.property(mutated, ({ m, values }) => {
        counts.mutation++;
        const problems = validateValues(mergeValues({ files: [valuesFile(values)] }));
        expect(
          problems.map((p) => p.path),
          `${m.kind} at ${m.path}`,
        ).toContain(m.path);
      }),
      { numRuns: MUTATION_RUNS, seed: SEED },
    );
  });

  it(`Helm 3 and Helm 4 refuse them on the schema, naming the path (${HELM_MUTATION_RUNS} cases each)`, async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async ({ m, values }) => {
        counts.helmMutation++;
        const file = valuesFile(values);
        for (const helm of [3, 4] as const) {
          const msg = await renderObjects({ helm, files: [file] }).then(
            () => "accepted",
            (e: unknown) => (e instanceof HelmError ? e.message : Promise.reject(e)),
          );
          expect(msg, `helm ${helm}: ${m.kind} at ${m.path}`).toMatch(SCHEMA_REFUSAL);
          expect(helmNamesPath(helm, msg, m.segs), `helm ${helm} does not name ${m.path} (${m.kind}):\n${msg}`).toBe(
            true,
          );
        }
      }),
      // No shrinking: each step costs two helm calls; the counterexample is printed as found.
      { numRuns: HELM_MUTATION_RUNS, endOnFailure: true, seed: SEED },
    );
  });
});
