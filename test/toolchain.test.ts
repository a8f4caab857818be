// `npm ci` leaves both Helm majors and kubectl, extracted from the npm layer packages.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { helmBin, kubectlBin, provisionedDir } from "../scripts/tools.js";

describe("provisioned tools", () => {
  it.each([
    [3, /^v3\.17\./],
    [4, /^v4\.1\./],
  ] as const)("helm %i", async (major, version) => {
    expect(helmBin(major).startsWith(provisionedDir(major))).toBe(true);
    const r = await execa(helmBin(major), ["version", "--template", "{{.Version}}"]);
    expect(r.stdout).toMatch(version);
  });

  it("kubectl", async () => {
    const r = await execa(kubectlBin(), ["version", "--client", "-o", "json"], { env: { KUBECTL_BIN: "" } });
    expect(JSON.parse(r.stdout).clientVersion.gitVersion).toMatch(/^v1\.35\./);
  });

  it("HELM_BIN wins when no major is asked for, and never over an explicit major", () => {
    const saved = process.env.HELM_BIN;
    process.env.HELM_BIN = helmBin(3);
    try {
      expect(helmBin()).toBe(helmBin(3));
      expect(helmBin(4)).toBe(`${provisionedDir(4)}/helm`);
      expect(helmBin(3)).toBe(`${provisionedDir(3)}/helm`);
    } finally {
      if (saved === undefined) delete process.env.HELM_BIN;
      else process.env.HELM_BIN = saved;
    }
  });

  it("re-running the provisioner is idempotent", async () => {
    const r = await execa("node", ["dist/scripts/build/provision-tools.js"]);
    expect(r.stdout.match(/already there/g)).toHaveLength(4);
  });
});
