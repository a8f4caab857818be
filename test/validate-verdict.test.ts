// Differential on generated values: for values drawn from the schema and pushed towards the edges of the rules the
// schema cannot express (region list and zone ids, registry, requests versus limits, replicas versus nodes,
// autoscaler), `terway-relay validate` must accept exactly what `helm template` accepts, under Helm 3 and Helm 4.
// Bounded: each case costs two helm calls.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { knownRegions } from "../scripts/cross-field.js";
import { dumpHelmYaml } from "../scripts/helm-yaml.js";
import { HelmError } from "../scripts/render.js";
import type { JsonObject } from "../scripts/values.js";
import { runCli } from "./support/cli-io.js";
import { fcSeed } from "./support/fc-seed.js";
import { HELM_MAJORS, renderObjects } from "./support/renders.js";
import { labelKeyArbitrary, validValues, type Overrides } from "./support/schema-arbitrary.js";
import { bump } from "./support/stats.js";

const RUNS = Number(process.env.VERDICT_RUNS ?? 16);
const dir = mkdtempSync(join(tmpdir(), "terway-relay-verdict-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const regions = [...knownRegions()];
// Mostly requests below limits, sometimes any pair (units mixed, so the comparison is by value).
const small = fc.constantFrom("100m", "0.5", ".5", "256Mi", "1e9", "+2");
const any = fc.constantFrom("100m", "0.5", "1", "1500m", "1.5", "256Mi", "1Gi", "2Gi", "1e9", "1G", "+2", ".5", "3E");
const large = fc.constantFrom("1500m", "2", "2Gi", "1G", "3E", "4Ei");
const resources = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      requests: fc.record({ cpu: small, memory: small }, { requiredKeys: [] }),
      limits: fc.record({ cpu: large, memory: large }, { requiredKeys: [] }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      requests: fc.record({ cpu: any, memory: any }, { requiredKeys: [] }),
      limits: fc.record({ cpu: any, memory: any }, { requiredKeys: [] }),
    }),
  },
);
const EDGES: Overrides = {
  region: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...regions) },
    { weight: 1, arbitrary: fc.constantFrom(...regions).map((r) => `${r}-${"abch"[r.length % 4]}`) },
    { weight: 1, arbitrary: fc.constantFrom(...regions.filter((r) => /[0-9]$/.test(r))).map((r) => `${r}a`) },
    { weight: 1, arbitrary: fc.constantFrom("", "cn-newcity", "xx-yyy-9") },
  ),
  "typha.image.registry": fc.constantFrom("", "registry.example.com/mirror"),
  nodeCount: fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) },
    { weight: 4, arbitrary: fc.integer({ min: 13, max: 6000 }) },
  ),
  "typha.replicas": fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }) },
  ),
  "typha.maxReplicas": fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 12 })),
  "typha.replicaRule.nodesPerReplica": fc.integer({ min: 50, max: 400 }),
  "typha.replicaRule.minReplicas": fc.integer({ min: 1, max: 6 }),
  "typha.resources": resources,
  "typha.autoscaler.resources": resources,
  // Toleration keys are free-form in the schema (a known laxity the invariants catch); keep them label keys here.
  "typha.tolerations[].key": labelKeyArbitrary,
};

async function helmAccepts(helm: 3 | 4, file: string): Promise<[boolean, string]> {
  try {
    await renderObjects({ helm, files: [file] });
    return [true, ""];
  } catch (e) {
    if (e instanceof HelmError) return [false, e.message];
    throw e;
  }
}

it(`validate accepts exactly what helm template accepts, on generated values (${RUNS} cases x Helm 3 and 4)`, async () => {
  let n = 0;
  const verdicts = { accepted: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(validValues(EDGES), async (values: JsonObject) => {
      const file = join(dir, `values-${n++}.yaml`);
      writeFileSync(file, dumpHelmYaml(values));
      const cli = await runCli(["validate", file]);
      expect([0, 1], cli.stderr).toContain(cli.code);
      verdicts[cli.code === 0 ? "accepted" : "refused"]++;
      for (const helm of HELM_MAJORS) {
        const [ok, message] = await helmAccepts(helm, file);
        expect(cli.code === 0, `helm ${helm}: ${message || "accepted"}\nvalidate: ${cli.stderr || "valid"}`).toBe(ok);
      }
    }),
    { numRuns: RUNS, seed: fcSeed("validate-verdict"), endOnFailure: true },
  );
  bump("propertyCases", n);
  console.log(
    `validate verdicts on generated values: ${verdicts.accepted} accepted, ${verdicts.refused} refused, each matched by Helm 3 and 4`,
  );
});
