// scripts/helm-yaml.ts against the real thing: a throwaway chart prints `toJson .Values` and Helm 3 and Helm 4 read
// the same values file the harness reads. Every scalar must come out with the same type and value; the dumper must
// write strings that Helm reads back as the same strings; duplicate keys and .inf must be treated as Helm treats them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { dumpHelmYaml, loadHelmYaml } from "../scripts/helm-yaml.js";
import { helmBin } from "../scripts/tools.js";
import { readYamlObject } from "../scripts/values.js";
import { HELM_MAJORS } from "./support/renders.js";
import { bump } from "./support/stats.js";

const dir = mkdtempSync(join(tmpdir(), "terway-relay-helm-yaml-"));
const chart = join(dir, "echo");
mkdirSync(join(chart, "templates"), { recursive: true });
writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: echo\nversion: 0.1.0\n");
writeFileSync(join(chart, "templates", "values.yaml"), "# values: {{ toJson .Values }}\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What Helm makes of a values file: the JSON of .Values, or its error message. */
async function helmReads(helm: 3 | 4, text: string): Promise<unknown> {
  const f = join(dir, `v-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  bump("helmYamlReads");
  const r = await execa(helmBin(helm), ["template", chart, "-f", f], { reject: false });
  if (r.exitCode !== 0) return { error: r.stderr };
  return JSON.parse(/^# values: (.*)$/m.exec(r.stdout)![1]);
}

/** Plain scalars where YAML 1.1 and 1.2 disagree, edge cases of go-yaml v2's resolver, and controls. */
const SCALARS = [
  ...["yes", "No", "on", "OFF", "y", "n", "Y", "N", "true", "False", "TRUE", "true_", "yes please"],
  ...["1_0", "1__0", "1_", "0_", "+1_0", "1_000.5", "12_34.5_6", "1e1_0", "1_000_000"],
  ...["0b11", "0B11", "+0b1", "-0b1", "0b_1", "0b1_1", "0b", "0b2", "0o17", "0O17", "0o1_7", "-0o17", "0o", "0o8"],
  ...["017", "0017", "-017", "0_17", "010", "0777", "08", "09", "08.5", "00", "0", "-0"],
  ...["0x1F", "0X1F", "0x_1", "0x1_F", "+0x10", "-0x10", "0x", "0xG"],
  ...["1e3", "1e+3", "12e03", "1.5e3", "0.1e-2", "1e", ".5", "+.5", "-.5", "1.", "3.", "1.0", "0.0", "._", "1.2.3"],
  ...["+12", "9223372036854775807", "9223372036854775808", "123456789012345678901234"],
  ...["~", "null", "Null", "NULL"],
  ...[
    "v3.5.8",
    "1.21.0",
    "_1",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "1:20",
    "1:20:30",
    "190:20:30",
    "a-b",
    "-x",
  ],
];

describe("helm-yaml: the harness reads values files as Helm does", () => {
  const text = `s:\n${SCALARS.map((s, i) => `  k${i}: ${s}\n`).join("")}keys:\n  on: a\n  y: y\n  1_0: b\n  017: c\n  no: d\n  1.5: e\nexplicit:\n  a: !!str 1_0\n  b: !!int "12"\n  c: !!float 1\n  d: !!bool yes\n  e: &x 017\n  f: *x\nbase: &b\n  a: on\n  c: 3\nmerged:\n  <<: *b\n  c: 4\n`;

  it.each(HELM_MAJORS)(`${SCALARS.length} plain scalars, keys, explicit tags and merge keys: helm %i`, async (helm) => {
    bump("helmYamlCases", SCALARS.length);
    const ours = JSON.parse(JSON.stringify(loadHelmYaml(text)));
    expect(ours.s.k0).toBe(true);
    expect(ours.merged).toEqual({ a: true, c: 4 });
    expect(await helmReads(helm, text)).toEqual(ours);
  });

  it.each(HELM_MAJORS)("a repeated key: the last one wins (helm %i)", async (helm) => {
    const text = "a:\n  x: 1\na:\n  z: yes\n";
    expect(loadHelmYaml(text)).toEqual({ a: { z: true } });
    expect(await helmReads(helm, text)).toEqual({ a: { z: true } });
  });

  it.each(HELM_MAJORS)(".inf and .nan make the file unreadable (helm %i)", async (helm) => {
    for (const bad of [".inf", "-.Inf", ".NaN"]) {
      const text = `a:\n  b: ${bad}\n`;
      expect(() => loadHelmYaml(text)).toThrow(/unsupported value/);
      expect(await helmReads(helm, text)).toEqual({ error: expect.stringMatching(/unsupported value/) });
    }
    const f = join(dir, "inf.yaml");
    writeFileSync(f, "nodeCount: .inf\n");
    expect(() => readYamlObject(f)).toThrow(`failed to parse ${f}: `);
  });

  it.each(HELM_MAJORS)("strings dumped by the harness read back as the same strings (helm %i)", async (helm) => {
    const strings = [
      ...SCALARS,
      ".inf",
      "-.Inf",
      ".NaN",
      "",
      "a: b",
      "- x",
      "#x",
      "'q'",
      '"q"',
      "multi\nline",
      " lead",
      "trail ",
    ];
    const value = { s: strings, n: [1, 0, 1.5, 1e21, 0.001, -3], b: [true, false], z: null, on: "key", "017": "key" };
    const text = dumpHelmYaml(value);
    expect(loadHelmYaml(text)).toEqual(value);
    expect(await helmReads(helm, text)).toEqual(value);
  });
});
