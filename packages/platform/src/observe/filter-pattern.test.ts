import { describe, expect, it } from "vitest";
import { OBSERVE_ERRORS } from "./errors.js";
import { compileFilterPattern } from "./filter-pattern.js";

const matches = (pattern: string | undefined, message: string) => compileFilterPattern(pattern)(message);

function expectInvalid(pattern: string, text: RegExp): void {
  let caught: unknown;
  try {
    compileFilterPattern(pattern);
  } catch (error) {
    caught = error;
  }
  expect(caught).toMatchObject({
    code: OBSERVE_ERRORS.invalidParameter,
    awsName: "InvalidParameterException",
  });
  expect((caught as Error).message).toMatch(text);
}

describe("term filter patterns", () => {
  it("matches everything when the pattern is absent, empty or an empty quoted term", () => {
    expect(matches(undefined, "anything")).toBe(true);
    expect(matches("   ", "anything")).toBe(true);
    expect(matches('""', "anything")).toBe(true);
  });

  it("requires every plain term, case-sensitively, anywhere in the message", () => {
    expect(matches("ERROR Exception", "ERROR: NullPointerException at x")).toBe(true);
    expect(matches("ERROR Exception", "ERROR: all good")).toBe(false);
    expect(matches("ERROR", "error: lower case")).toBe(false);
  });

  it("matches a quoted phrase with spaces and punctuation literally", () => {
    expect(matches('"took 5 ms"', "request took 5 ms")).toBe(true);
    expect(matches('"took 5 ms"', "took 5 seconds, 5 ms")).toBe(false);
    expect(matches('"user@example.com" login', "login by user@example.com")).toBe(true);
    expect(matches('"say \\"hi\\""', 'they say "hi"')).toBe(true);
  });

  it("matches when any ?term appears", () => {
    expect(matches("?ERROR ?WARN", "WARN disk almost full")).toBe(true);
    expect(matches("?ERROR ?WARN", "INFO fine")).toBe(false);
    expect(matches('?"timed out" ?ERROR', "Task timed out after 3.00 seconds")).toBe(true);
  });

  it("combines required, optional and excluded terms", () => {
    expect(matches("REPORT ?Init ?Restore", "REPORT Duration: 2 ms Init Duration: 90 ms")).toBe(true);
    expect(matches("REPORT ?Init ?Restore", "REPORT Duration: 2 ms")).toBe(false);
    expect(matches("ERROR -Retrying", "ERROR upstream failed")).toBe(true);
    expect(matches("ERROR -Retrying", "ERROR upstream failed. Retrying")).toBe(false);
    expect(matches('-"health check"', "GET /health-check ok")).toBe(true);
    expect(matches('-"health check"', "GET health check ok")).toBe(false);
  });

  it("rejects unterminated quotes and stray quotes", () => {
    expectInvalid('"open', /unterminated/);
    expectInvalid('"a"b', /after the quoted term/);
    expectInvalid('ab"c', /quote inside/);
  });

  it("names space-delimited and regex patterns as unsupported", () => {
    expectInvalid("[ip, user, status=404]", /space-delimited/);
    expectInvalid("%ERR.*%", /regular expression/);
  });
});

describe("JSON filter patterns", () => {
  const event = JSON.stringify({
    level: "ERROR",
    code: 503,
    latency: 12.5,
    ok: false,
    missingValue: null,
    user: { id: "u-42", roles: ["admin", "dev"] },
    path: "/api/v1/items",
  });

  it("compares strings with = and != including * wildcards", () => {
    expect(matches('{ $.level = "ERROR" }', event)).toBe(true);
    expect(matches("{ $.level = ERROR }", event)).toBe(true);
    expect(matches('{ $.level = "WARN" }', event)).toBe(false);
    expect(matches('{ $.level != "WARN" }', event)).toBe(true);
    expect(matches('{ $.level != "ERROR" }', event)).toBe(false);
    expect(matches('{ $.path = "/api/*" }', event)).toBe(true);
    expect(matches('{ $.path = "/web/*" }', event)).toBe(false);
    expect(matches("{ $.level = ERR* }", event)).toBe(true);
  });

  it("compares numbers with = != < <= > >=", () => {
    expect(matches("{ $.code = 503 }", event)).toBe(true);
    expect(matches("{ $.code != 500 }", event)).toBe(true);
    expect(matches("{ $.code != 503 }", event)).toBe(false);
    expect(matches("{ $.latency > 10 }", event)).toBe(true);
    expect(matches("{ $.latency >= 12.5 }", event)).toBe(true);
    expect(matches("{ $.latency < 12.5 }", event)).toBe(false);
    expect(matches("{ $.latency <= 12.5 }", event)).toBe(true);
    expect(matches("{ $.level > 1 }", event)).toBe(false);
  });

  it("does not match a number field against a quoted string", () => {
    expect(matches('{ $.code = "503" }', event)).toBe(false);
  });

  it("follows nested fields and array indexes", () => {
    expect(matches('{ $.user.id = "u-42" }', event)).toBe(true);
    expect(matches('{ $.user.roles[1] = "dev" }', event)).toBe(true);
    expect(matches('{ $.user.roles[5] = "dev" }', event)).toBe(false);
  });

  it("treats a comparison on a missing field as false, even with !=", () => {
    expect(matches('{ $.nope = "x" }', event)).toBe(false);
    expect(matches('{ $.nope != "x" }', event)).toBe(false);
    expect(matches("{ $.nope > 1 }", event)).toBe(false);
  });

  it("supports IS TRUE/FALSE/NULL, EXISTS and NOT EXISTS", () => {
    expect(matches("{ $.ok IS FALSE }", event)).toBe(true);
    expect(matches("{ $.ok IS TRUE }", event)).toBe(false);
    expect(matches("{ $.missingValue IS NULL }", event)).toBe(true);
    expect(matches("{ $.nope NOT EXISTS }", event)).toBe(true);
    expect(matches("{ $.level NOT EXISTS }", event)).toBe(false);
    expect(matches("{ $.level EXISTS }", event)).toBe(true);
  });

  it("combines comparisons with &&, || and parentheses, && binding tighter", () => {
    expect(matches('{ $.level = "ERROR" && $.code = 503 }', event)).toBe(true);
    expect(matches('{ $.level = "ERROR" && $.code = 500 }', event)).toBe(false);
    expect(matches('{ $.level = "WARN" || $.code = 503 }', event)).toBe(true);
    expect(matches("{ $.code = 1 && $.code = 2 || $.ok IS FALSE }", event)).toBe(true);
    expect(matches("{ $.code = 1 && ($.code = 2 || $.ok IS FALSE) }", event)).toBe(false);
  });

  it("matches nothing in messages that are not JSON", () => {
    expect(matches('{ $.level = "ERROR" }', 'ERROR {"level": "ERROR"')).toBe(false);
    expect(matches('{ $.level = "ERROR" }', "{ not json")).toBe(false);
  });

  it("rejects malformed JSON patterns with a reason", () => {
    expectInvalid('{ $.level = "ERROR" ', /must end with/);
    expectInvalid("{ }", /empty/);
    expectInvalid('{ level = "x" }', /expected a selector/);
    expectInvalid("{ $.level }", /expected an operator/);
    expectInvalid('{ $.a = "x" && }', /expected a selector/);
    expectInvalid('{ ($.a = "x" }', /missing \)/);
    expectInvalid('{ $.a > "x" }', /needs a number/);
    expectInvalid('{ $.a = "x" $.b = "y" }', /unexpected a selector/);
    expectInvalid("{ $. = 1 }", /bad selector/);
  });

  it("names wildcard selectors and regex values as unsupported", () => {
    expectInvalid('{ $.list[*] = "x" }', /wildcard selector/);
    expectInvalid("{ $.a = %ab+% }", /regular expressions/);
  });
});
