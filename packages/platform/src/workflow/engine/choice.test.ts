import { describe, expect, it } from "vitest";
import { compareCodePoints, evaluateChoiceRule, wildcardMatch } from "./choice.js";
import type { Json, JsonObject } from "./json.js";
import type { PathScope } from "./path-scope.js";
import { StatesError } from "./states-error.js";

const input: Json = {
  str: "b",
  num: 5,
  bool: true,
  nil: null,
  ts: "2016-03-14T01:59:00Z",
  ts2: "2016-03-14T02:00:00+00:00",
  other: { str: "a", num: 7, bool: false },
};

function scope(variables: JsonObject = {}): PathScope {
  return {
    input,
    context: { Execution: { Name: "ex" } },
    variables: (name) => variables[name],
    random: () => 0,
    uuid: () => "u",
  };
}

const matches = (rule: JsonObject, vars?: JsonObject) => evaluateChoiceRule(rule, scope(vars));

describe("comparison operators", () => {
  it.each([
    ["StringEquals", "b", true],
    ["StringEquals", "a", false],
    ["StringLessThan", "c", true],
    ["StringGreaterThan", "a", true],
    ["StringLessThanEquals", "b", true],
    ["StringGreaterThanEquals", "c", false],
  ])("%s %s on $.str is %s", (op, operand, expected) => {
    expect(matches({ Variable: "$.str", [op]: operand })).toBe(expected);
  });

  it.each([
    ["NumericEquals", 5, true],
    ["NumericLessThan", 6, true],
    ["NumericGreaterThan", 5, false],
    ["NumericLessThanEquals", 5, true],
    ["NumericGreaterThanEquals", 4.5, true],
  ])("%s %s on $.num is %s", (op, operand, expected) => {
    expect(matches({ Variable: "$.num", [op]: operand })).toBe(expected);
  });

  it.each([
    ["TimestampEquals", "2016-03-14T01:59:00Z", true],
    ["TimestampLessThan", "2016-03-14T02:00:00Z", true],
    ["TimestampGreaterThan", "2016-03-14T01:58:59.999Z", true],
    ["TimestampLessThanEquals", "2016-03-14T03:59:00+02:00", true],
    ["TimestampGreaterThanEquals", "2016-03-15T00:00:00Z", false],
  ])("%s %s on $.ts is %s", (op, operand, expected) => {
    expect(matches({ Variable: "$.ts", [op]: operand })).toBe(expected);
  });

  it("BooleanEquals compares booleans", () => {
    expect(matches({ Variable: "$.bool", BooleanEquals: true })).toBe(true);
    expect(matches({ Variable: "$.bool", BooleanEquals: false })).toBe(false);
  });

  it("...Path variants compare with another value of the input", () => {
    expect(matches({ Variable: "$.str", StringGreaterThanPath: "$.other.str" })).toBe(true);
    expect(matches({ Variable: "$.num", NumericLessThanPath: "$.other.num" })).toBe(true);
    expect(matches({ Variable: "$.num", NumericEqualsPath: "$.num" })).toBe(true);
    expect(matches({ Variable: "$.bool", BooleanEqualsPath: "$.other.bool" })).toBe(false);
    expect(matches({ Variable: "$.ts", TimestampLessThanPath: "$.ts2" })).toBe(true);
    expect(matches({ Variable: "$.str", StringEqualsPath: "$.other.str" })).toBe(false);
  });

  it("is false, not an error, when the types do not match", () => {
    expect(matches({ Variable: "$.str", NumericEquals: 5 })).toBe(false);
    expect(matches({ Variable: "$.num", StringEquals: "5" })).toBe(false);
    expect(matches({ Variable: "$.str", TimestampEquals: "2016-03-14T01:59:00Z" })).toBe(false);
    expect(matches({ Variable: "$.nil", BooleanEquals: false })).toBe(false);
  });

  it("StringMatches supports * wildcards and escapes", () => {
    expect(matches({ Variable: "$.str", StringMatches: "*" })).toBe(true);
    expect(wildcardMatch("log-*.txt", "log-2024.txt")).toBe(true);
    expect(wildcardMatch("log-*.txt", "log-2024.csv")).toBe(false);
    expect(wildcardMatch("*.log", "a.log")).toBe(true);
    expect(wildcardMatch("a\\*b", "a*b")).toBe(true);
    expect(wildcardMatch("a\\*b", "axxb")).toBe(false);
    expect(wildcardMatch("a\\\\b", "a\\b")).toBe(true);
    expect(wildcardMatch("a.c", "abc")).toBe(false);
  });
});

describe("type tests", () => {
  it.each([
    ["IsNull", "$.nil", true],
    ["IsNull", "$.str", false],
    ["IsNumeric", "$.num", true],
    ["IsString", "$.str", true],
    ["IsString", "$.num", false],
    ["IsBoolean", "$.bool", true],
    ["IsTimestamp", "$.ts", true],
    ["IsTimestamp", "$.str", false],
    ["IsPresent", "$.str", true],
    ["IsPresent", "$.missing", false],
  ])("%s on %s is %s", (op, variable, expected) => {
    expect(matches({ Variable: variable, [op]: true })).toBe(expected);
    expect(matches({ Variable: variable, [op]: false })).toBe(!expected);
  });
});

describe("boolean expressions", () => {
  it("combine And, Or and Not", () => {
    const rule = {
      And: [
        { Not: { Variable: "$.str", StringEquals: "z" } },
        {
          Or: [
            { Variable: "$.num", NumericLessThan: 0 },
            { Variable: "$.bool", BooleanEquals: true },
          ],
        },
      ],
    };
    expect(matches(rule)).toBe(true);
    expect(
      matches({
        Or: [
          { Variable: "$.num", NumericEquals: 1 },
          { Variable: "$.num", NumericEquals: 2 },
        ],
      }),
    ).toBe(false);
  });
});

describe("variables and context", () => {
  it("reads $$ and workflow variables", () => {
    expect(matches({ Variable: "$$.Execution.Name", StringEquals: "ex" })).toBe(true);
    expect(matches({ Variable: "$count", NumericGreaterThan: 2 }, { count: 3 })).toBe(true);
    expect(matches({ Variable: "$cfg.on", BooleanEquals: true }, { cfg: { on: true } })).toBe(true);
  });
});

describe("invalid paths", () => {
  it("fail with States.Runtime unless guarded by IsPresent", () => {
    const attempt = () => matches({ Variable: "$.missing", StringEquals: "x" });
    expect(attempt).toThrow(StatesError);
    expect(attempt).toThrow(
      "Invalid path '$.missing': The choice state's condition path references an invalid value.",
    );
    expect(() => matches({ Variable: "$.str", StringEqualsPath: "$.missing" })).toThrow(StatesError);
  });
});

describe("compareCodePoints", () => {
  it("orders by code point, not UTF-16 unit", () => {
    expect(compareCodePoints("\u{1F600}", "\uFFFF")).toBe(1);
    expect("\u{1F600}" < "\uFFFF").toBe(true);
    expect(compareCodePoints("a", "ab")).toBe(-1);
    expect(compareCodePoints("abc", "abc")).toBe(0);
  });
});
