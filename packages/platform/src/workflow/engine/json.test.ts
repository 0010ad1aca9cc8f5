import { describe, expect, it } from "vitest";
import { getIn, jsonEquals, toJson } from "./json.js";

describe("json helpers", () => {
  it("compares structurally, ignoring key order", () => {
    expect(jsonEquals({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals({ a: 1 }, { a: 1, b: undefined as never })).toBe(false);
  });

  it("normalises foreign values to plain JSON", () => {
    expect(toJson({ a: undefined, b: [undefined, Number.NaN], c: () => 1 })).toEqual({ b: [null, null] });
    expect(toJson(undefined)).toBeUndefined();
  });

  it("reads nested members", () => {
    expect(getIn({ a: [{ b: 1 }] }, ["a", 0, "b"])).toBe(1);
    expect(getIn({ a: 1 }, ["a", "b"])).toBeUndefined();
  });
});
