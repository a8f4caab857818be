// The Typha/Felix pairing rules (scripts/version-skew.ts): the same-minor match and the refusal no value accepts,
// at the edges the upstream lines set (Typha v3.13/v3.14, Felix v3.22/v3.23); and the harness's reading of the
// chart's Terway -> Felix table (felixRow), held to the same edges as the chart's and the hook's.
import { describe, expect, it } from "vitest";
import { felixRowOf } from "../scripts/felix-table.js";
import { minorOf, sameMinor, typhaFelixRefusal } from "../scripts/version-skew.js";
import { terwayImage, VERSION_EDGES } from "./support/terway-versions.js";

describe("minorOf and sameMinor", () => {
  it.each([
    ["v3.5.8", "v3.5"],
    ["3.24.5", "v3.24"],
    ["v3.20.2-aliyun.1", "v3.20"],
    ["latest", undefined],
    ["v3", undefined],
  ])("minorOf(%s) is %s", (v, m) => expect(minorOf(v)).toBe(m));

  it("matches one Calico line, not a prefix of another", () => {
    expect(sameMinor("v3.5.8", "v3.5.2")).toBe(true);
    expect(sameMinor("v3.24.5", "3.24.1")).toBe(true);
    expect(sameMinor("v3.2.0", "v3.20.2")).toBe(false);
    expect(sameMinor("v3.5.8", "v3.24.5")).toBe(false);
    expect(sameMinor("latest", "latest")).toBe(false);
  });
});

describe("typhaFelixRefusal", () => {
  it.each([
    ["v3.5.8", "v3.24.5"],
    ["v3.13.4", "v3.23.0"],
    ["v2.6.0", "v3.24.5"],
    ["v3.5.8", "v4.0.0"],
  ])("refuses Typha %s in front of Felix %s", (typha, felix) => {
    const why = `Typha ${typha} is older than v3.14 and sends no v3 Profiles, which Felix ${felix} (from v3.23) needs for namespace and service-account labels: every namespaceSelector and serviceAccountSelector would match nothing (projectcalico/calico#5524), so no typha.allowVersionSkew can pair it with`;
    expect(typhaFelixRefusal(typha, felix)).toBe(`${why} Felix ${felix}: set typha.image.tag=${felix}`);
    expect(typhaFelixRefusal(typha, felix, "r/acs/terway:v1.9.0")).toBe(
      `${why} Terway r/acs/terway:v1.9.0: set typha.image.tag=${felix}`,
    );
  });

  it.each([
    ["v3.14.0", "v3.24.5"], // Typha streams v3 Profiles from v3.14
    ["v3.20.2", "v3.24.5"], // skew, but labels reach Felix: the skew rule's business
    ["v3.5.8", "v3.22.5"], // Felix before v3.23 still reads v1 ProfileLabels
    ["v3.5.8", "v3.20.2"],
    ["v3.5.8", "v3.5.2"],
    ["latest", "v3.24.5"], // not a version: the skew rule refuses it
    ["v3.5.8", "unknown"],
  ])("leaves Typha %s with Felix %s to the skew rule", (typha, felix) => {
    expect(typhaFelixRefusal(typha, felix)).toBeUndefined();
  });
});

describe("felixRow of terwayVersion: the chart's table as the harness reads it", () => {
  it.each(VERSION_EDGES)("Terway $tag -> Felix $felix, Typha $typha", ({ tag, felix, typha }) => {
    for (const given of [terwayImage(tag), tag]) {
      const row = felixRowOf(given);
      expect({ felix: row?.felix ?? null, typha: row?.typha ?? null }).toEqual({ felix, typha });
    }
  });
});
