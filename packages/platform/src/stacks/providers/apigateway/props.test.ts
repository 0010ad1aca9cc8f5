import { describe, expect, it } from "vitest";
import { changed, checkMembers, mapChanges, Props, pointer } from "./props.js";

const T = "AWS::ApiGateway::Thing";

describe("API Gateway provider props", () => {
  it("reads values as CloudFormation coerces them", () => {
    const p = new Props(T, {
      N: "5",
      B: "true",
      S: 7,
      L: ["a", 1],
      M: { a: 1, b: true },
      Tags: [{ Key: "k", Value: "v" }],
    });
    expect(p.num("N")).toBe(5);
    expect(p.bool("B")).toBe(true);
    expect(p.str("S")).toBe("7");
    expect(p.strList("L")).toEqual(["a", "1"]);
    expect(p.strMap("M")).toEqual({ a: "1", b: "true" });
    expect(p.tagList()).toEqual({ k: "v" });
    expect(() => p.required("Missing")).toThrow(/Missing is required/);
    expect(() => new Props(T, { N: "x" }).num("N")).toThrow(/must be a number/);
    expect(() => new Props(T, { O: [] }).obj("O")).toThrow(/must be an object/);
  });

  it("refuses unknown nested members, and known-off members unless they hold their default", () => {
    expect(() => checkMembers(T, "X", { A: 1, Off: false }, ["A"], { Off: false })).not.toThrow();
    expect(() => checkMembers(T, "X", { Off: "false" }, [], { Off: false })).not.toThrow();
    expect(() => checkMembers(T, "X", { Off: true }, [], { Off: false })).toThrow(/X.Off = true/);
    expect(() => checkMembers(T, "X", { Other: 1 }, ["A"])).toThrow(/X.Other is not supported/);
  });

  it("diffs maps and property sets; encodes pointer segments", () => {
    expect(mapChanges({ a: "1", b: "2" }, { b: "3" })).toEqual({ set: { b: "3" }, remove: ["a"] });
    expect(changed({ A: { x: 1 } }, { A: { x: 1 } }, "A")).toBe(false);
    expect(changed({ A: 1 }, {}, "A")).toBe(true);
    expect(pointer("image/png")).toBe("image~1png");
    expect(pointer("a~b/c")).toBe("a~0b~1c");
  });
});
