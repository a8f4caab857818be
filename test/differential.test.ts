// Differential validation: a corpus of hand-typed values files (test/fixtures/values-corpus) goes through the
// harness (validateValues on the values merged as Helm merges them), Helm 3 and Helm 4. Their verdicts must be equal
// on every file, and every rejection must name the offending path. Cross-field rules the schema cannot express
// (node count versus replicas, the release namespace) are a separate corpus: the harness (checkValues) and the chart
// must refuse the same cases.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HelmError } from "../scripts/render.js";
import { repoRoot } from "../scripts/tools.js";
import { checkValues, validateValues } from "../scripts/validate.js";
import { mergeValues } from "../scripts/values.js";
import { SCHEMA_REFUSAL, helmNamesPath } from "./support/helm-paths.js";
import { BASE, HELM_MAJORS, renderObjects } from "./support/renders.js";
import { runCli } from "./support/cli-io.js";
import { bump } from "./support/stats.js";

const CORPUS = join(repoRoot, "test/fixtures/values-corpus");

interface Entry {
  name: string;
  file: string;
  /** "# expect: a.b, c" */
  expect: string[];
  /** "# verdict: accept|refuse" (cross-field only) */
  verdict?: string;
  /** "# message: ..." (cross-field only) */
  message?: string;
}

function corpus(dir: string): Entry[] {
  return readdirSync(join(CORPUS, dir))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const file = join(CORPUS, dir, f);
      const text = readFileSync(file, "utf8");
      const header = (key: string) => new RegExp(`^# ${key}: (.*)$`, "m").exec(text)?.[1].trim();
      return {
        name: f,
        file,
        expect: header("expect")?.split(/,\s*/) ?? [],
        verdict: header("verdict"),
        message: header("message"),
      };
    });
}

const VALID = corpus("valid");
const INVALID = corpus("invalid");
const CROSS = corpus("cross-field");

/** Helm's verdict: "accept", or its error message. Invariant breaks are not verdicts: they fail the test. */
async function helmVerdict(helm: 3 | 4, files: string[], namespace?: string): Promise<string> {
  try {
    await renderObjects({ helm, files, namespace, apiVersions: ["monitoring.coreos.com/v1/ServiceMonitor"] });
    return "accept";
  } catch (e) {
    if (e instanceof HelmError) return e.message;
    throw e;
  }
}

describe("the corpus", () => {
  it("has at least 40 invalid and 10 valid files, each invalid one naming its path", () => {
    bump("corpusFiles", VALID.length + INVALID.length + CROSS.length);
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
    expect(VALID.length).toBeGreaterThanOrEqual(10);
    for (const e of INVALID) expect(e.expect.length, e.name).toBeGreaterThan(0);
    for (const e of CROSS) expect(["accept", "refuse"], e.name).toContain(e.verdict);
  });

  // Start every render now; renders.ts runs a few at a time.
  for (const e of [...VALID, ...INVALID, ...CROSS])
    for (const helm of HELM_MAJORS) helmVerdict(helm, [e.file]).catch(() => undefined);
});

describe.each(VALID.map((e) => [e.name, e] as const))("valid %s", (_n, e) => {
  it("the harness accepts it, schema and cross-field rules", () => {
    const values = mergeValues({ files: [e.file] });
    expect(validateValues(values)).toEqual([]);
    expect(checkValues(values).problems).toEqual([]);
  });
  it.each(HELM_MAJORS)("helm %i renders it", async (helm) => {
    expect(await helmVerdict(helm, [e.file])).toBe("accept");
  });
});

describe.each(INVALID.map((e) => [e.name, e] as const))("invalid %s", (_n, e) => {
  it("the harness refuses it, naming the path", () => {
    const problems = validateValues(mergeValues({ files: [e.file] }));
    for (const path of e.expect)
      expect(
        problems.map((p) => p.path),
        JSON.stringify(problems),
      ).toContain(path);
  });
  it.each(HELM_MAJORS)("helm %i refuses it on the schema, naming the path", async (helm) => {
    const verdict = await helmVerdict(helm, [e.file]);
    expect(verdict).toMatch(SCHEMA_REFUSAL);
    for (const path of e.expect)
      expect(helmNamesPath(helm, verdict, path), `helm ${helm} does not name ${path}:\n${verdict}`).toBe(true);
  });
});

describe.each(CROSS.map((e) => [e.name, e] as const))("cross-field %s", (_n, e) => {
  it("passes the schema (the rule is one the schema cannot express)", () => {
    expect(validateValues(mergeValues({ files: [e.file] }))).toEqual([]);
  });
  it(`the harness ${e.verdict === "refuse" ? "refuses" : "accepts"} it`, () => {
    const problems = checkValues(mergeValues({ files: [e.file] })).problems;
    if (e.verdict === "accept") expect(problems).toEqual([]);
    else {
      expect(problems.map((p) => p.path)).toEqual(e.expect);
      expect(problems[0].message).toContain(e.message);
    }
  });
  it.each(HELM_MAJORS)(`helm %i ${e.verdict === "refuse" ? "refuses" : "accepts"} it`, async (helm) => {
    const verdict = await helmVerdict(helm, [e.file]);
    if (e.verdict === "accept") expect(verdict).toBe("accept");
    else {
      expect(verdict).not.toMatch(SCHEMA_REFUSAL);
      expect(verdict).toContain(e.message);
    }
  });
});

describe("validate's verdict equals helm template's, on every corpus file", () => {
  it.each([...VALID, ...INVALID, ...CROSS].map((e) => [e.name, e] as const))("%s", async (_n, e) => {
    const cli = await runCli(["validate", e.file]);
    expect([0, 1], cli.stderr).toContain(cli.code);
    for (const helm of HELM_MAJORS) {
      const verdict = await helmVerdict(helm, [e.file]);
      expect(cli.code === 0, `helm ${helm}: ${verdict}\nvalidate: ${cli.stderr}`).toBe(verdict === "accept");
    }
  });
});

describe("cross-field: the release namespace", () => {
  const minimal = join(CORPUS, "valid/minimal.yaml");
  it.each(["default", "calico-system", "kube-system"])(
    "namespace %s: harness and both Helms agree",
    async (namespace) => {
      const harness = checkValues(mergeValues({ files: [minimal] }), { namespace }).problems;
      for (const helm of HELM_MAJORS) {
        const verdict = await helmVerdict(helm, [minimal], namespace);
        expect(verdict === "accept", `helm ${helm}: ${verdict}`).toBe(harness.length === 0);
        if (harness.length) {
          expect(harness.map((p) => p.path)).toEqual(["(namespace)"]);
          expect(verdict).toContain(`release namespace "${namespace}" is not allowed`);
        }
      }
    },
  );
});

/** Plain scalars whose type YAML 1.1 (go-yaml v2, Helm) and YAML 1.2 (js-yaml's default) disagree on, and a few
 * controls. Each goes into hook.image.tag (a string); the harness must read it as Helm does. */
const SCALARS = [
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  "1_0",
  "1_000.5",
  "0b11",
  "0o17",
  "017",
  "0x1F",
  "1e3",
  "+12",
  "08",
  "true",
  "v3.5.8",
  "1.21.0",
  "_1",
  "2001-12-14",
];

describe("YAML scalars: the harness reads values files as Helm does", () => {
  const dir = mkdtempSync(join(tmpdir(), "terway-relay-scalar-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (scalar: string) => {
    const f = join(dir, `${Buffer.from(scalar).toString("hex")}.yaml`);
    writeFileSync(f, `region: cn-hangzhou\nhook:\n  image:\n    tag: ${scalar}\n`);
    return f;
  };
  it.each(SCALARS)("tag: %s", async (scalar) => {
    const f = file(scalar);
    const harness = validateValues(mergeValues({ files: [f] }));
    const type = typeof (mergeValues({ files: [f] }) as { hook: { image: { tag: unknown } } }).hook.image.tag;
    for (const helm of HELM_MAJORS) {
      const verdict = await helmVerdict(helm, [f]);
      expect(verdict === "accept", `helm ${helm}: ${verdict}; harness: ${JSON.stringify(harness)}`).toBe(
        harness.length === 0,
      );
      if (type !== "string")
        expect(verdict).toMatch(
          type === "boolean" ? /given: boolean|got boolean/ : /given: (integer|number)|got number/,
        );
    }
  });
});

describe("the path matcher itself", () => {
  it("does not accept a message that names another path", async () => {
    const msg = await helmVerdict(4, [join(CORPUS, "invalid/replicas-negative.yaml")]);
    expect(helmNamesPath(4, msg, "typha.replicas")).toBe(true);
    expect(helmNamesPath(4, msg, "typha.maxReplicas")).toBe(false);
    expect(helmNamesPath(4, msg, "nodeCount")).toBe(false);
    const msg3 = await helmVerdict(3, [join(CORPUS, "invalid/replicas-negative.yaml")]);
    expect(helmNamesPath(3, msg3, "typha.replicas")).toBe(true);
    expect(helmNamesPath(3, msg3, "replicas")).toBe(false);
  });
  it("BASE values are accepted by everyone (sanity)", async () => {
    expect(validateValues(mergeValues({ sets: BASE }))).toEqual([]);
    for (const helm of HELM_MAJORS) {
      const kinds = (await renderObjects({ helm, sets: BASE })).map((o) => o.kind);
      expect(kinds, `helm ${helm}`).toEqual(expect.arrayContaining(["Deployment", "Service", "PodDisruptionBudget"]));
    }
  });
});
