// A deliberately broken chart makes the suite fail. Each mutation is applied to a copy of the chart in a temp dir
// (never to chart/ itself), rendered, and must be caught by the named check: the API lifecycle table (as the
// matrix applies it), a coherence invariant, the security lint, or the strict Kubernetes object check. The
// unmutated copy passes every check, so each catch is the mutation's doing. A mutation whose target text is no longer
// in the chart fails loudly: keep this catalogue in step with the templates.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KubeObject, RenderOptions } from "../scripts/render.js";
import { chartDir } from "../scripts/tools.js";
import { notServedReason, servedApiVersions } from "./support/api-lifecycle.js";
import { INVARIANTS, contextFor } from "./support/invariants.js";
import { BASE, render } from "./support/renders.js";
import { securityProblems } from "./support/security-lint.js";
import { bump } from "./support/stats.js";
import { unknownFields } from "./support/strict-fields.js";

interface Mutation {
  name: string;
  file: string;
  from: RegExp;
  to: string;
  /** The check that must catch it. */
  caughtBy: string;
  minor?: number;
  sets?: string[];
}

const MUTATIONS: Mutation[] = [
  {
    name: "PDB back to policy/v1beta1",
    file: "templates/_helpers.tpl",
    from: /ternary "policy\/v1" "policy\/v1beta1"/,
    to: 'ternary "policy/v1beta1" "policy/v1beta1"',
    caughtBy: "api-lifecycle",
    minor: 25,
  },
  {
    name: "CRD back to apiextensions.k8s.io/v1beta1",
    file: "crds/bgppeers.crd.projectcalico.org.yaml",
    from: /apiVersion: apiextensions.k8s.io\/v1\n/,
    to: "apiVersion: apiextensions.k8s.io/v1beta1\n",
    caughtBy: "api-lifecycle",
    minor: 22,
  },
  {
    name: "Service selector typo",
    file: "templates/typha-service.yaml",
    from: /selector:\n\s+\{\{- include "terway-relay.typhaSelectorLabels" \. \| nindent 4 \}\}/,
    to: "selector:\n    k8s-app: calico-tyhpa",
    caughtBy: "selectorsMatch",
  },
  {
    name: "PDB selector typo",
    file: "templates/typha-pdb.yaml",
    from: /matchLabels:\n\s+\{\{- include "terway-relay.typhaSelectorLabels" \. \| nindent 6 \}\}/,
    to: "matchLabels:\n      k8s-app: typha",
    caughtBy: "selectorsMatch",
  },
  {
    name: "liveness probe on the wrong port",
    file: "templates/typha-deployment.yaml",
    from: /(livenessProbe:\n\s+httpGet:\n\s+path: \/liveness\n\s+)port: \{\{ include "terway-relay.healthPort" \. \}\}/,
    to: "$1port: 9099",
    caughtBy: "probesOnHealthPort",
  },
  {
    name: "namespace hard-coded in the PDB",
    file: "templates/typha-pdb.yaml",
    from: /"namespace" \.Release\.Namespace/,
    to: '"namespace" "default"',
    caughtBy: "inReleaseNamespace",
  },
  {
    name: "Service port renamed",
    file: "templates/typha-service.yaml",
    from: /- name: \{\{ include "terway-relay.typhaPortName" \. \}\}/,
    to: "- name: typha",
    caughtBy: "felixFindsTypha",
  },
  {
    name: "hook writes another value to eni-config",
    file: "templates/_hook.tpl",
    from: /(- name: OWNED_VALUE\n\s+value: )\{\{ include "terway-relay.ownedValue" \$root \| quote \}\}/,
    to: '$1"calico-typha-relay"',
    caughtBy: "felixFindsTypha",
  },
  {
    name: "grace period shorter than the drain timeout",
    file: "templates/typha-deployment.yaml",
    from: /terminationGracePeriodSeconds: 300/,
    to: "terminationGracePeriodSeconds: 30",
    caughtBy: "shutdownMatchesGrace",
    sets: ["typha.image.tag=v3.26.1"],
  },
  // Typha's container alone: the restricted security context is one helper shared by every pod.
  {
    name: "privileged Typha",
    file: "templates/typha-deployment.yaml",
    from: /\{\{- include "terway-relay.restrictedSecurityContext" \(dict\) \| nindent 12 \}\}/,
    to: "allowPrivilegeEscalation: true\n            privileged: true",
    caughtBy: "security-lint",
  },
  {
    name: "misspelled pod field",
    file: "templates/typha-deployment.yaml",
    from: /\n(\s+)tolerations:\n/,
    to: "\n$1toleration:\n",
    caughtBy: "strict-fields",
  },
];

/** Every check of the suite, by name, on one render: the names of those that report something. */
async function checksThatFire(
  objects: KubeObject[],
  o: RenderOptions,
  minor: number,
): Promise<Record<string, string[]>> {
  const fired: Record<string, string[]> = {};
  const add = (name: string, problems: string[]) => {
    if (problems.length) fired[name] = problems;
  };
  add(
    "api-lifecycle",
    objects
      .map((x) => notServedReason(x.apiVersion, x.kind, { minor, crds: ["calico"] }))
      .filter((x): x is string => x !== undefined),
  );
  for (const [name, check] of Object.entries(INVARIANTS)) add(name, check(objects, contextFor(o)));
  add(
    "security-lint",
    (await securityProblems(objects)).map((f) => `${f.rule} ${f.kind}/${f.name} ${f.path}`),
  );
  add(
    "strict-fields",
    objects.filter((x) => x.kind !== "CustomResourceDefinition").flatMap((x) => unknownFields(x)),
  );
  return fired;
}

const copies: string[] = [];
afterAll(() => {
  for (const d of copies) rmSync(d, { recursive: true, force: true });
});

function mutatedChart(m?: Mutation): string {
  const top = mkdtempSync(join(tmpdir(), "terway-relay-mutant-"));
  copies.push(top);
  const dir = join(top, "chart");
  cpSync(chartDir, dir, { recursive: true });
  if (m) {
    const f = join(dir, m.file);
    const text = readFileSync(f, "utf8");
    expect(m.from.test(text), `mutation "${m.name}": ${m.file} no longer contains ${m.from}`).toBe(true);
    writeFileSync(f, text.replace(m.from, m.to));
  }
  return dir;
}

const options = (chart: string, minor: number, sets: string[]): RenderOptions => ({
  helm: 4,
  chart,
  sets: [...BASE, "nodeCount=1000", ...sets],
  kubeVersion: `1.${minor}.0`,
  apiVersions: servedApiVersions({ minor, crds: ["calico"] }),
  includeCrds: true,
});

describe("deliberately broken charts", () => {
  it("the unbroken copy passes every check", async () => {
    for (const minor of [20, 22, 25, 35]) {
      const o = options(mutatedChart(), minor, ["typha.image.tag=v3.26.1"]);
      expect(await checksThatFire((await render(o)).objects, o, minor)).toEqual({});
    }
  });

  it.each(MUTATIONS.map((m) => [m.name, m] as const))("%s is caught", async (_n, m) => {
    bump("chartMutations");
    const minor = m.minor ?? 30;
    const o = options(mutatedChart(m), minor, m.sets ?? []);
    const fired = await checksThatFire((await render(o)).objects, o, minor);
    console.log(`mutation "${m.name}" caught by: ${Object.keys(fired).join(", ")}`);
    expect(Object.keys(fired)).toContain(m.caughtBy);
  });
});
