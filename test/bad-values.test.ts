// Bad values are refused by the harness, Helm 3 and Helm 4 alike, each naming the offending path.
import { describe, expect, it } from "vitest";
import { validateValues } from "../scripts/validate.js";
import { mergeValues } from "../scripts/values.js";
import { SCHEMA_REFUSAL, helmNamesPath } from "./support/helm-paths.js";
import { HELM_MAJORS, renderError } from "./support/renders.js";

/** --set lists, and the path each must be refused for (Helm 3 names it a.b, Helm 4 /a/b). */
const CASES: [string[], string][] = [
  [["region=BAD!"], "region"],
  [["region=cn-hangzhou", "typo=1"], "typo"],
  [["region=cn-hangzhou", "typha.replica=3"], "typha.replica"],
  [["region=cn-hangzhou", "nodeCount=-1"], "nodeCount"],
  [["region=cn-hangzhou", "nodeCount=lots"], "nodeCount"],
  [["region=cn-hangzhou", "mode=relai"], "mode"],
  [["region=cn-hangzhou", "typha.maxReplicas=2"], "typha.maxReplicas"],
  [["region=cn-hangzhou", "typha.image.pullPolicy=Sometimes"], "typha.image.pullPolicy"],
  [["region=cn-hangzhou", "typha.serviceAccount.create=yes"], "typha.serviceAccount.create"],
  [["region=cn-hangzhou", "typha.image=null"], "typha.image"],
  [["region=cn-hangzhou", "typha.resources.requests.memory=lots"], "typha.resources.requests.memory"],
];

describe("bad values", () => {
  it.each(CASES)("harness refuses %j at %s", (sets, path) => {
    const problems = validateValues(mergeValues({ sets }));
    expect(problems.map((p) => p.path)).toContain(path);
  });

  describe.each(HELM_MAJORS)("helm %i", (helm) => {
    it.each(CASES)("refuses %j naming %s", async (sets, path) => {
      const msg = await renderError({ helm, sets });
      expect(msg).toMatch(SCHEMA_REFUSAL);
      // One problem, in the form this Helm names a path in (Helm 3 "- a.b: ...", Helm 4 "- at '/a/b': ...", unknown
      // and missing keys under their parent), not a bare substring that another path could contain.
      expect(
        msg.split("\n").filter((l) => l.startsWith("- ")),
        msg,
      ).toHaveLength(1);
      expect(helmNamesPath(helm, msg, path), msg).toBe(true);
    });
  });
});
