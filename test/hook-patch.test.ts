// The hook's real patch steps, with the real kubectl --local against the fixtures (no API server): the script's
// ConfigMap step (LOCAL_CONFIGMAP) records the previous state, adds, replaces or removes the owned key, and
// leaves every other key byte for byte as it was.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { kubectlBin, repoRoot } from "../scripts/tools.js";
import { hookVariant, type HookVariant, type Phase } from "./support/hook-harness.js";

type ConfigMap = { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };

let relay: HookVariant;
let disable: HookVariant;
beforeAll(async () => {
  [relay, disable] = await Promise.all([
    hookVariant(["region=cn-hangzhou", "typha.image.tag=v3.24.5"]),
    hookVariant(["region=cn-hangzhou", "mode=disable-network-policy", "acknowledgeNetworkPolicyOff=true"]),
  ]);
});

const dir = mkdtempSync(join(tmpdir(), "terway-relay-patch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function copyOf(fixture: string, edit?: (cm: ConfigMap) => void): string {
  const path = join(dir, `cm-${++n}.yaml`);
  copyFileSync(join(repoRoot, "test/fixtures/terway", fixture), path);
  if (edit) {
    const cm = yaml.load(readFileSync(path, "utf8")) as ConfigMap;
    edit(cm);
    writeFileSync(path, yaml.dump(cm));
  }
  return path;
}
const load = (path: string) => yaml.load(readFileSync(path, "utf8")) as ConfigMap;

async function step(v: HookVariant, phase: Phase, file: string): Promise<ConfigMap> {
  const script = join(dir, "relay-hook.sh");
  writeFileSync(script, v.script);
  const r = await execa("/bin/sh", [script], {
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...v.env[phase], HOME: dir, TMPDIR: dir, KUBECTL: kubectlBin(), LOCAL_CONFIGMAP: file },
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`${phase} failed: ${r.stderr}`);
  return load(file);
}

function othersUnchanged(before: ConfigMap, after: ConfigMap, owned: string): void {
  const keys = new Set([...Object.keys(before.data), ...Object.keys(after.data)]);
  keys.delete(owned);
  for (const k of keys) expect(after.data[k], k).toBe(before.data[k]);
}

describe("relay key", () => {
  test("added when absent, recorded as absent; removed again on pre-delete", async () => {
    const file = copyOf("eni-config.yaml");
    const before = load(file);
    const after = await step(relay, "post-install", file);
    expect(after.data.felix_relay_service).toBe("calico-typha");
    expect(after.metadata.annotations).toEqual({ "terway-relay/record.felix_relay_service": "absent" });
    othersUnchanged(before, after, "felix_relay_service");
    const restored = await step(relay, "pre-delete", file);
    expect(restored.data).toEqual(before.data);
    expect(restored.metadata.annotations ?? {}).toEqual({});
  });

  test("replaced when it held another value, which comes back byte for byte", async () => {
    const odd = 'other-typha\n  "quoted" \\ back\\slash, tab\t, unicode 中文 <&>\n';
    const file = copyOf("eni-config.yaml", (cm) => (cm.data.felix_relay_service = odd));
    const before = load(file);
    const after = await step(relay, "post-install", file);
    expect(after.data.felix_relay_service).toBe("calico-typha");
    expect(after.metadata.annotations).toEqual({ "terway-relay/record.felix_relay_service": "value", "terway-relay/previous.felix_relay_service": odd });
    othersUnchanged(before, after, "felix_relay_service");
    const restored = await step(relay, "pre-delete", file);
    expect(restored.data.felix_relay_service).toBe(odd);
    expect(restored.data).toEqual(before.data);
  });

  test("a hand-made relay is left as it is, recorded as ours, and removed on pre-delete", async () => {
    const file = copyOf("eni-config-relay.yaml");
    const before = load(file);
    const after = await step(relay, "post-install", file);
    expect(after.data).toEqual(before.data);
    expect(after.metadata.annotations).toEqual({ "terway-relay/record.felix_relay_service": "ours" });
    const restored = await step(relay, "pre-delete", file);
    expect(restored.data.felix_relay_service).toBeUndefined();
    othersUnchanged(before, restored, "felix_relay_service");
  });

  test("a second post-install changes nothing (the record is written once)", async () => {
    const file = copyOf("eni-config.yaml");
    const once = await step(relay, "post-install", file);
    const twice = await step(relay, "post-install", file);
    expect(twice).toEqual(once);
  });
});

describe("disable_network_policy key", () => {
  test('"false" becomes "true" and comes back on pre-delete; the relay key is not touched', async () => {
    const file = copyOf("eni-config-relay.yaml");
    const before = load(file);
    const after = await step(disable, "post-install", file);
    expect(after.data.disable_network_policy).toBe("true");
    expect(after.metadata.annotations).toEqual({ "terway-relay/record.disable_network_policy": "value", "terway-relay/previous.disable_network_policy": "false" });
    othersUnchanged(before, after, "disable_network_policy");
    const restored = await step(disable, "pre-delete", file);
    expect(restored.data).toEqual(before.data);
  });

  test("added when absent and removed again", async () => {
    const file = copyOf("eni-config.yaml", (cm) => delete cm.data.disable_network_policy);
    const before = load(file);
    const after = await step(disable, "post-install", file);
    expect(after.data.disable_network_policy).toBe("true");
    othersUnchanged(before, after, "disable_network_policy");
    const restored = await step(disable, "pre-delete", file);
    expect(restored.data).toEqual(before.data);
  });
});
