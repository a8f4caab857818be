// Values merging the way Helm does it: the harness validates the same object Helm validates.
import { describe, expect, it } from "vitest";
import { coalesce, mergeUser, parseSet } from "../scripts/values.js";

describe("parseSet (Helm --set)", () => {
  it.each([
    ["a=1", { a: 1 }],
    ["a=01", { a: "01" }],
    ["a=-5", { a: -5 }],
    ["a=1.5", { a: "1.5" }],
    ["a=true,b=FALSE", { a: true, b: false }],
    ["a=null", { a: null }],
    ["a.b.c=x", { a: { b: { c: "x" } } }],
    ["a={x,y,3}", { a: ["x", "y", 3] }],
    ["a[1].b=x", { a: [undefined, { b: "x" }] }],
    ["a=x\\,y", { a: "x,y" }],
    ["a\\.b=1", { "a.b": 1 }],
    ["a=b=c", { a: "b=c" }],
    ["a=", { a: "" }],
  ])("%s", (expr, expected) => {
    expect(parseSet(expr)).toEqual(expected);
  });

  it("refuses an assignment without =", () => {
    expect(() => parseSet("region")).toThrow(/key "region" has no value/);
  });
});

describe("merging", () => {
  it("merges user layers, later wins, nulls kept", () => {
    expect(mergeUser({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 }, d: null })).toEqual({ a: { b: 3, c: 2 }, d: null });
  });
  it("coalesces over defaults: a null removes a default key, and stays for a key the defaults lack", () => {
    expect(coalesce({ a: 1, b: { c: 1, d: 2 } }, { a: null, b: { d: null }, x: null })).toEqual({
      b: { c: 1 },
      x: null,
    });
  });
  it("replaces lists whole", () => {
    expect(coalesce({ t: [{ a: 1 }, { b: 2 }] }, { t: [{ c: 3 }] })).toEqual({ t: [{ c: 3 }] });
  });
});
