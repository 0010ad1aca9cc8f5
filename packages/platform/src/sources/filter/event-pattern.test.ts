import { describe, expect, it } from "vitest";
import { compilePattern, PatternError } from "./event-pattern.js";

const matches = (pattern: unknown, event: unknown) => compilePattern(JSON.stringify(pattern))(event);

describe("compilePattern", () => {
  it("matches exact values, AND across fields and OR within a list", () => {
    const p = { body: { state: ["running", "pending"], n: [5] } };
    expect(matches(p, { body: { state: "pending", n: 5 } })).toBe(true);
    expect(matches(p, { body: { state: "stopped", n: 5 } })).toBe(false);
    expect(matches(p, { body: { state: "running" } })).toBe(false);
  });

  it("matches any element of an array, arrays of objects flattened", () => {
    expect(matches({ a: { b: ["x"] } }, { a: [{ b: "y" }, { b: "x" }] })).toBe(true);
    expect(matches({ tags: ["red"] }, { tags: ["blue", "red"] })).toBe(true);
    expect(matches({ tags: ["red"] }, { tags: ["blue"] })).toBe(false);
  });

  it("supports prefix, suffix, equals-ignore-case and wildcard", () => {
    expect(matches({ s: [{ prefix: "ord" }] }, { s: "order" })).toBe(true);
    expect(matches({ s: [{ prefix: { "equals-ignore-case": "ORD" } }] }, { s: "order" })).toBe(true);
    expect(matches({ s: [{ suffix: ".png" }] }, { s: "a.jpg" })).toBe(false);
    expect(matches({ s: [{ "equals-ignore-case": "HeLLo" }] }, { s: "hello" })).toBe(true);
    expect(matches({ s: [{ wildcard: "dir/*.png" }] }, { s: "dir/a/b.png" })).toBe(true);
    expect(matches({ s: [{ wildcard: "dir/*.png" }] }, { s: "dir/a.gif" })).toBe(false);
  });

  it("supports anything-but, numeric ranges, cidr and exists", () => {
    expect(matches({ s: [{ "anything-but": ["a", "b"] }] }, { s: "c" })).toBe(true);
    expect(matches({ s: [{ "anything-but": ["a", "b"] }] }, { s: "a" })).toBe(false);
    expect(matches({ s: [{ "anything-but": { prefix: "init" } }] }, { s: "initial" })).toBe(false);
    expect(matches({ n: [{ numeric: [">", 0, "<=", 5] }] }, { n: 5 })).toBe(true);
    expect(matches({ n: [{ numeric: [">", 0, "<=", 5] }] }, { n: 6 })).toBe(false);
    expect(matches({ ip: [{ cidr: "10.0.0.0/24" }] }, { ip: "10.0.0.7" })).toBe(true);
    expect(matches({ ip: [{ cidr: "10.0.0.0/24" }] }, { ip: "10.0.1.7" })).toBe(false);
    expect(matches({ k: [{ exists: true }] }, { k: "v" })).toBe(true);
    expect(matches({ k: [{ exists: false }] }, { other: 1 })).toBe(true);
    expect(matches({ k: [{ exists: false }] }, { k: 1 })).toBe(false);
  });

  it("supports $or across fields", () => {
    const p = { $or: [{ a: ["x"] }, { b: [{ numeric: ["<", 10] }] }] };
    expect(matches(p, { b: 3 })).toBe(true);
    expect(matches(p, { a: "y", b: 30 })).toBe(false);
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", "[1]"],
    ["a leaf that is not a list", '{"a":"x"}'],
    ["an unknown matcher", '{"a":[{"like":"x"}]}'],
    ["a bad numeric operator", '{"a":[{"numeric":["!=",1]}]}'],
    ["mixed anything-but", '{"a":[{"anything-but":["x",1]}]}'],
    ["a double star", '{"a":[{"wildcard":"a**"}]}'],
    ["a one-element $or", '{"$or":[{"a":["x"]}]}'],
    ["a bad cidr", '{"a":[{"cidr":"10.0.0.0/99"}]}'],
  ])("refuses %s", (_name, text) => {
    expect(() => compilePattern(text)).toThrow(PatternError);
  });
});
