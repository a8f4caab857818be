// NOTES.txt, as `helm install` prints it.
import { describe, expect, it } from "vitest";
import { renderNotes } from "./support/notes.js";
import { HELM_MAJORS } from "./support/renders.js";

describe.each(HELM_MAJORS)("NOTES (helm %i)", (helm) => {
  it("says when the replica count fell back to the minimum", async () => {
    const text = await renderNotes({ helm, sets: ["region=cn-hangzhou"] });
    expect(text).toContain("node count unknown");
    expect(text).toContain("WARNING: no node count was known, so Typha runs the minimum of 3 replicas");
  });
  it("states the count and its source when the node count is known", async () => {
    const text = await renderNotes({ helm, sets: ["region=cn-hangzhou", "nodeCount=1001"] });
    expect(text).toContain("replicas=6 (rule); nodes=1001 (values)");
    expect(text).not.toContain("WARNING");
  });
  it("suggests following the install with doctor --watch, within the hook's helm --timeout", async () => {
    const text = await renderNotes({ helm, sets: ["region=cn-hangzhou", "nodeCount=1001"] });
    const timeout = /pass --timeout (\d+m)/.exec(text)?.[1];
    expect(timeout).toBeDefined();
    expect(text).toContain(`npx terway-relay doctor --watch --timeout ${timeout}\n  npx terway-relay doctor`);
  });
});
