import { describe, expect, it } from "vitest";
import { matchesAttributes, matchesBody } from "./filter-policy.js";
import { FilterPolicyError, parseFilterPolicy } from "./filter-policy-validate.js";
import type { MessageAttributeValue } from "./message-attributes.js";

const str = (v: string): MessageAttributeValue => ({ dataType: "String", stringValue: v });
const num = (v: string): MessageAttributeValue => ({ dataType: "Number", stringValue: v });
const arr = (v: unknown[]): MessageAttributeValue => ({
  dataType: "String.Array",
  stringValue: JSON.stringify(v),
});

function attrs(policy: unknown, attributes: Record<string, MessageAttributeValue>): boolean {
  return matchesAttributes(parseFilterPolicy(JSON.stringify(policy), "MessageAttributes"), attributes);
}

function body(policy: unknown, message: unknown): boolean {
  const text = typeof message === "string" ? message : JSON.stringify(message);
  return matchesBody(parseFilterPolicy(JSON.stringify(policy), "MessageBody"), text);
}

function invalid(policy: unknown, scope: "MessageAttributes" | "MessageBody" = "MessageAttributes"): string {
  try {
    parseFilterPolicy(typeof policy === "string" ? policy : JSON.stringify(policy), scope);
  } catch (error) {
    if (error instanceof FilterPolicyError) return error.message;
    throw error;
  }
  throw new Error("the policy was accepted");
}

describe("filter policies: attribute scope", () => {
  it("matches exact strings (any of the listed) and requires every key", () => {
    expect(attrs({ color: ["red", "blue"] }, { color: str("blue") })).toBe(true);
    expect(attrs({ color: ["red"] }, { color: str("Red") })).toBe(false);
    expect(attrs({ color: ["red"], size: ["L"] }, { color: str("red") })).toBe(false);
    expect(attrs({ color: ["red"], size: ["L"] }, { color: str("red"), size: str("L") })).toBe(true);
  });

  it("matches numbers numerically against Number attributes, not strings", () => {
    expect(attrs({ n: [42] }, { n: num("42.0") })).toBe(true);
    expect(attrs({ n: [42] }, { n: str("42") })).toBe(false);
    expect(attrs({ n: [{ numeric: [">", 0, "<=", 100] }] }, { n: num("100") })).toBe(true);
    expect(attrs({ n: [{ numeric: [">", 0, "<=", 100] }] }, { n: num("100.5") })).toBe(false);
    expect(attrs({ n: [{ numeric: ["=", 3.5] }] }, { n: num("3.5") })).toBe(true);
  });

  it("matches prefix, suffix and equals-ignore-case on strings", () => {
    expect(attrs({ k: [{ prefix: "ord" }] }, { k: str("order") })).toBe(true);
    expect(attrs({ k: [{ suffix: ".png" }] }, { k: str("a.png") })).toBe(true);
    expect(attrs({ k: [{ suffix: ".png" }] }, { k: str("a.jpg") })).toBe(false);
    expect(attrs({ k: [{ "equals-ignore-case": "ReD" }] }, { k: str("rEd") })).toBe(true);
  });

  it("matches anything-but with values, lists and prefix, never a missing key", () => {
    expect(attrs({ k: [{ "anything-but": "a" }] }, { k: str("b") })).toBe(true);
    expect(attrs({ k: [{ "anything-but": ["a", "b"] }] }, { k: str("b") })).toBe(false);
    expect(attrs({ k: [{ "anything-but": [1, 2] }] }, { k: num("3") })).toBe(true);
    expect(attrs({ k: [{ "anything-but": { prefix: "tmp" } }] }, { k: str("tmp-1") })).toBe(false);
    expect(attrs({ k: [{ "anything-but": { prefix: "tmp" } }] }, { k: str("real") })).toBe(true);
    expect(attrs({ k: [{ "anything-but": "a" }] }, {})).toBe(false);
  });

  it("matches exists true and false", () => {
    expect(attrs({ k: [{ exists: true }] }, { k: str("x") })).toBe(true);
    expect(attrs({ k: [{ exists: true }] }, {})).toBe(false);
    expect(attrs({ k: [{ exists: false }] }, {})).toBe(true);
    expect(attrs({ k: [{ exists: false }] }, { k: { dataType: "Binary", binaryValue: "AQI=" } })).toBe(false);
  });

  it("matches String.Array attributes when any element matches", () => {
    expect(attrs({ tags: ["b"] }, { tags: arr(["a", "b"]) })).toBe(true);
    expect(attrs({ tags: [{ numeric: [">", 5] }] }, { tags: arr(["a", 7]) })).toBe(true);
    expect(attrs({ tags: ["c"] }, { tags: arr(["a", "b"]) })).toBe(false);
  });

  it("matches $or branches", () => {
    const policy = { source: ["shop"], $or: [{ kind: ["order"] }, { amount: [{ numeric: [">", 100] }] }] };
    expect(attrs(policy, { source: str("shop"), kind: str("order") })).toBe(true);
    expect(attrs(policy, { source: str("shop"), amount: num("150") })).toBe(true);
    expect(attrs(policy, { source: str("shop"), amount: num("50") })).toBe(false);
    expect(attrs(policy, { source: str("web"), kind: str("order") })).toBe(false);
  });
});

describe("filter policies: body scope", () => {
  it("follows nested keys and arrays", () => {
    const policy = { order: { status: ["paid"], lines: { sku: [{ prefix: "A-" }] } } };
    expect(body(policy, { order: { status: "paid", lines: [{ sku: "B-1" }, { sku: "A-9" }] } })).toBe(true);
    expect(body(policy, { order: { status: "paid", lines: [{ sku: "B-1" }] } })).toBe(false);
    expect(body(policy, { order: { status: "open", lines: [{ sku: "A-1" }] } })).toBe(false);
  });

  it("matches booleans, null and exists false on a missing object", () => {
    expect(body({ ok: [true] }, { ok: true })).toBe(true);
    expect(body({ v: [null] }, { v: null })).toBe(true);
    expect(body({ meta: { trace: [{ exists: false }] } }, { other: 1 })).toBe(true);
    expect(body({ meta: { trace: [{ exists: false }] } }, { meta: { trace: "t" } })).toBe(false);
  });

  it("matches no message that is not a JSON object", () => {
    expect(body({ a: [{ exists: false }] }, "plain text")).toBe(false);
    expect(body({ a: [{ exists: false }] }, "[1,2]")).toBe(false);
  });
});

describe("filter policy validation", () => {
  it("refuses what SNS refuses, with SNS's messages", () => {
    expect(invalid("{not json")).toBe("FilterPolicy: failed to parse JSON.");
    expect(invalid({ a: [] })).toBe("FilterPolicy: Empty arrays are not allowed");
    expect(invalid({ a: "x" })).toBe('FilterPolicy: "a" must be an object or an array');
    expect(invalid({ a: [{ prefix: 1 }] })).toBe("FilterPolicy: prefix match pattern must be a string");
    expect(invalid({ a: [{ exists: "yes" }] })).toBe(
      "FilterPolicy: exists match pattern must be either true or false.",
    );
    expect(invalid({ a: [{ numeric: ["<", "x"] }] })).toBe("FilterPolicy: Value of < must be numeric");
    expect(invalid({ a: [{ numeric: ["!", 1] }] })).toBe(
      "FilterPolicy: Unrecognized numeric range operator: !",
    );
    expect(invalid({ a: [{ numeric: ["<", 1, ">", 0] }] })).toBe(
      "FilterPolicy: Too many elements in numeric expression",
    );
    expect(invalid({ a: [{ numeric: [">", 1, "<", 0] }] })).toBe(
      "FilterPolicy: Bottom must be less than top",
    );
    expect(invalid({ a: [{ prefix: "a", suffix: "b" }] })).toBe(
      "FilterPolicy: Only one key allowed in match expression",
    );
    expect(invalid({ a: [{ "anything-but": { wildcard: "x" } }] })).toBe(
      "FilterPolicy: Unsupported anything-but pattern: wildcard",
    );
    expect(invalid({ a: [["nested"]] })).toBe(
      "FilterPolicy: Match value must be String, number, true, false, or null",
    );
    expect(invalid({ a: [{ cidr: "10.0.0.0/8" }] })).toBe(
      "FilterPolicy: Nimbus does not support the match type cidr",
    );
  });

  it("enforces 5 keys, 150 combinations and no nesting in attribute scope", () => {
    expect(invalid({ a: ["1"], b: ["1"], c: ["1"], d: ["1"], e: ["1"], f: ["1"] })).toBe(
      "FilterPolicy: Filter policy can not have more than 5 keys",
    );
    const ten = Array.from({ length: 10 }, (_, i) => `v${i}`);
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(invalid({ a: values(13), b: values(12) })).toBe("FilterPolicy: Filter policy is too complex");
    expect(() =>
      parseFilterPolicy(JSON.stringify({ a: ten, b: ten.slice(0, 5) }), "MessageAttributes"),
    ).not.toThrow();
    expect(invalid({ a: { b: ["x"] } })).toBe(
      "Filter policy scope MessageAttributes does not support nested filter policy",
    );
    expect(() => parseFilterPolicy(JSON.stringify({ a: { b: ["x"] } }), "MessageBody")).not.toThrow();
  });
});
