// Fuzz test of the CLI: argv drawn from the grammar of its commands, flags and values, mixed with garbage. Every
// run must end within a bound, exit 0, 1 or 2, never print a stack trace, and on failure start stderr with one
// "terway-relay: <reason>" line (only invalid values add "- path: message" lines); on success stderr holds only
// warnings and notes. Most cases go through run(argv, io) in this process (the function the bin calls), with
// HELM_BIN=/bin/false so a case that reaches Helm costs a fork, not a render; a sample goes through the real bin
// with the real Helm.
import { join } from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adopt } from "../scripts/commands/adopt.js";
import { example } from "../scripts/commands/example.js";
import { plan } from "../scripts/commands/plan.js";
import { render } from "../scripts/commands/render.js";
import { validate } from "../scripts/commands/validate.js";
import { repoRoot } from "../scripts/tools.js";
import { type CliResult, runCli } from "./support/cli-io.js";
import { fcSeed } from "./support/fc-seed.js";
import { bump } from "./support/stats.js";

const IN_PROCESS_RUNS = Number(process.env.CLI_FUZZ_RUNS ?? 2000);
const BIN_RUNS = Number(process.env.CLI_FUZZ_BIN_RUNS ?? 8);
/** Far above any honest case (a render is well under a second); a hang fails instead of stalling the suite. */
const BOUND_MS = 30_000;

const commands = [render, validate, plan, adopt, example];
const options = commands.flatMap((c) => Object.entries(c.options).map(([name, o]) => ({ name, ...o })));
const flags = [...new Set(options.flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]))];
const valueFlags = [...new Set(options.filter((o) => o.type === "string").map((o) => `--${o.name}`))];

const value = fc.oneof(
  fc.constantFrom(
    "region=cn-hangzhou",
    "region=cn-shanghai,nodeCount=1001",
    "nodeCount=1000",
    "nodeCount=2",
    "typha.replicas=25",
    "region=cn-hangzhou-a",
    "typha.tolerations[99999999].operator=Exists",
    "a[65537]=1",
    "a[-1]=x",
    "a[x]=1",
    "a..b=1",
    "a=b,c",
    "region",
    "=",
    ",",
    "{",
    "x={a,b",
    'typha.nodeSelector={"pool":"x"}',
    "typha.nodeSelector.-bad=x",
    "typha.resources.requests.memory=9Ei",
    "mode=disable-network-policy",
    "-",
    "examples/values-1000-nodes.yaml",
    "no-such.yaml",
    "/dev/null",
    "/",
    "chart",
    "3",
    "4",
    "5",
    "0",
    "-1",
    "1e3",
    "99999999999999999999",
    "kube-system",
    "default",
    "1.26",
    "v1.20.11-aliyun.1",
    "policy/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "Relay",
    "a".repeat(60),
  ),
  fc.string({ maxLength: 16 }),
  fc.stringMatching(/^[a-z.[\]0-9=,{}"-]{0,20}$/),
);
/** Tokens for one command: mostly its own flags with values, sometimes any flag, a bare value or garbage. */
function tokenFor(own: string[]): fc.Arbitrary<string[]> {
  const ownFlags = own.length ? own : flags;
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ownFlags), value).map(([f, v]) => [f, v]) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...valueFlags), value).map(([f, v]) => [`${f}=${v}`]) },
    { weight: 1, arbitrary: fc.constantFrom(...flags, "--", "-h", "--help", "-x", "--no-such").map((f) => [f]) },
    { weight: 1, arbitrary: value.map((v) => [v]) },
  );
}
const ownFlags = (name: string | undefined): string[] =>
  Object.entries(commands.find((c) => c.name === name)?.options ?? {}).flatMap(([n, o]) => [
    `--${n}`,
    ...(o.short ? [`-${o.short}`] : []),
  ]);
const command = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("render", "validate", "plan", "adopt") },
  { weight: 1, arbitrary: fc.constantFrom("example", "help", "--help", "-h", "frob", "", "RENDER", "--set") },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const argvArb = fc
  .option(command, { freq: 20, nil: undefined })
  .chain((c) =>
    fc.array(tokenFor(ownFlags(c)), { maxLength: 5 }).map((ts) => [...(c === undefined ? [] : [c]), ...ts.flat()]),
  );
const stdinArb = fc.constantFrom(
  "",
  "region: cn-hangzhou\nnodeCount: 500\n",
  "region: [\n",
  "- a list\n",
  "\u0000\u00ff",
  "region: cn-hangzhou-a\n",
);

/** What every answer must look like. */
function expectWellFormed(argv: string[], r: CliResult): void {
  const what = `argv ${JSON.stringify(argv)} exit ${r.code}\n${r.stderr}`;
  expect([0, 1, 2], what).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/^\s+at .+(:\d+:\d+\)?|\(native\))$/m);
  expect(r.stderr, what).not.toMatch(
    /^(TypeError|RangeError|SyntaxError|Error|ReferenceError)\b|node:internal|Uncaught/m,
  );
  const lines = r.stderr.split("\n").filter((l, i, all) => !(i === all.length - 1 && l === ""));
  if (r.code === 0) {
    for (const l of lines) expect(l, what).toMatch(/^(warning|note): \S/);
  } else {
    expect(lines.length, what).toBeGreaterThan(0);
    expect(lines[0], what).toMatch(/^terway-relay: \S/);
    for (const l of lines.slice(1)) expect(l, what).toMatch(/^- \S/);
  }
}

function bounded<T>(p: Promise<T>, argv: string[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`no answer within ${BOUND_MS} ms: ${JSON.stringify(argv)}`)),
        BOUND_MS,
      )),
  );
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe("CLI fuzz", () => {
  it(`${IN_PROCESS_RUNS} generated argv, in process: bounded, exit 0/1/2, one-line reasons, no stack trace`, async () => {
    const env = { ...process.env, HELM_BIN: "/bin/false" };
    const codes = [0, 0, 0];
    await fc.assert(
      fc.asyncProperty(argvArb, stdinArb, async (argv, stdin) => {
        const r = await bounded(runCli(argv, { stdin, env }), argv);
        codes[r.code] = (codes[r.code] ?? 0) + 1;
        expectWellFormed(argv, r);
      }),
      { numRuns: IN_PROCESS_RUNS, seed: fcSeed("cli-fuzz"), endOnFailure: true },
    );
    bump("cliFuzzCases", IN_PROCESS_RUNS);
    console.log(`cli fuzz: exit 0 x${codes[0]}, exit 1 x${codes[1]}, exit 2 x${codes[2]}`);
    // The grammar must reach every outcome, or it tests less than it claims.
    for (const c of [0, 1, 2]) expect(codes[c], `exit ${c}`).toBeGreaterThan(IN_PROCESS_RUNS / 50);
  }, 600_000);

  it(`${BIN_RUNS} generated argv through the real bin and the real Helm`, async () => {
    const samples = fc.sample(fc.tuple(argvArb, stdinArb), { numRuns: BIN_RUNS, seed: fcSeed("cli-fuzz-bin") });
    for (const [argv, stdin] of samples) {
      const r = await execa("node", [join(repoRoot, "dist/terway-relay.js"), ...argv], {
        cwd: repoRoot,
        reject: false,
        input: stdin,
        timeout: BOUND_MS,
      });
      expect(r.timedOut, JSON.stringify(argv)).toBe(false);
      expectWellFormed(argv, { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr });
    }
    bump("cliFuzzCases", BIN_RUNS);
  }, 600_000);
});
