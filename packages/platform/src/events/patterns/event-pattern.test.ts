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

  // Examples from the EventBridge User Guide ("Content filtering in event patterns").
  describe("AWS documentation examples", () => {
    const ec2 = {
      version: "0",
      id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
      "detail-type": "EC2 Instance State-change Notification",
      source: "aws.ec2",
      account: "111122223333",
      time: "2017-12-22T18:43:48Z",
      region: "us-west-1",
      resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
      detail: { "instance-id": "i-1234567890abcdef0", state: "terminated", "c-count": 5, "d-count": 0.5 },
    };
    it.each<[string, unknown, boolean]>([
      [
        "source and detail-type",
        { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
        true,
      ],
      ["a nested exact value", { detail: { state: ["terminated"] } }, true],
      ["a nested value that differs", { detail: { state: ["running"] } }, false],
      ["prefix on time", { time: [{ prefix: "2017-12-22" }] }, true],
      ["suffix ignore-case", { source: [{ suffix: { "equals-ignore-case": ".EC2" } }] }, true],
      ["anything-but a list", { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } }, true],
      ["anything-but prefix", { detail: { state: [{ "anything-but": { prefix: "term" } }] } }, false],
      ["anything-but suffix list", { source: [{ "anything-but": { suffix: [".s3", ".sqs"] } }] }, true],
      ["anything-but wildcard", { source: [{ "anything-but": { wildcard: "aws.*" } }] }, false],
      [
        "numeric ranges",
        { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }] } },
        true,
      ],
      ["numeric equality", { detail: { "c-count": [{ numeric: ["=", 5] }] } }, true],
      ["numeric never matches a string", { detail: { state: [{ numeric: [">", 0] }] } }, false],
      ["resources wildcard", { resources: [{ wildcard: "arn:aws:ec2:*:instance/*" }] }, true],
      ["exists false on a missing field", { detail: { "no-such": [{ exists: false }] } }, true],
      ["exists true on a nested object is false", { detail: [{ exists: true }] }, false],
      [
        "equals-ignore-case on detail-type",
        { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] },
        true,
      ],
      [
        "$or of two nested patterns",
        { $or: [{ detail: { state: ["running"] } }, { detail: { "c-count": [5] } }] },
        true,
      ],
      ["$or where none matches", { $or: [{ source: ["aws.s3"] }, { detail: { "c-count": [6] } }] }, false],
    ])("%s", (_name, pattern, want) => {
      expect(matches(pattern, ec2)).toBe(want);
    });
  });

  it("matches null and empty strings exactly", () => {
    expect(matches({ a: [null] }, { a: null })).toBe(true);
    expect(matches({ a: [null] }, {})).toBe(false);
    expect(matches({ a: [""] }, { a: "" })).toBe(true);
  });

  it.each([
    ["not JSON", "{"],
    ["an empty list", '{"a":[]}'],
    ["a numeric range upside down", '{"a":[{"numeric":["<",5,">",1]}]}'],
    ["a numeric range with bottom above top", '{"a":[{"numeric":[">",5,"<",1]}]}'],
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
