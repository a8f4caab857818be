// NOTES.txt, as `helm install` prints it (offline: --dry-run=client, which prints NOTES and needs no cluster).
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { chartDir, helmBin } from "../scripts/tools.js";
import { HELM_MAJORS } from "./support/renders.js";

async function notes(helm: 3 | 4, ...sets: string[]): Promise<string> {
  const args = ["install", "terway-relay", chartDir, "-n", "kube-system", "--dry-run=client", ...sets.flatMap((s) => ["--set", s])];
  const r = await execa(helmBin(helm), args);
  return r.stdout.slice(r.stdout.indexOf("NOTES:"));
}

describe.each(HELM_MAJORS)("NOTES (helm %i)", (helm) => {
  it("says when the replica count fell back to the minimum", async () => {
    const text = await notes(helm, "region=cn-hangzhou");
    expect(text).toContain("node count unknown");
    expect(text).toContain("WARNING: no node count was known, so Typha runs the minimum of 3 replicas");
  });
  it("states the count and its source when the node count is known", async () => {
    const text = await notes(helm, "region=cn-hangzhou", "nodeCount=1001");
    expect(text).toContain("replicas=6 (rule); nodes=1001 (values)");
    expect(text).not.toContain("WARNING");
  });
});
