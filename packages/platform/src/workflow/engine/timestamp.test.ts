import { describe, expect, it } from "vitest";
import { isTimestamp, parseTimestamp } from "./timestamp.js";

describe("parseTimestamp", () => {
  it("parses RFC 3339 timestamps with Z, offsets and fractions", () => {
    expect(parseTimestamp("2016-03-14T01:59:00Z")).toBe(Date.UTC(2016, 2, 14, 1, 59));
    expect(parseTimestamp("2016-03-14T03:59:00+02:00")).toBe(Date.UTC(2016, 2, 14, 1, 59));
    expect(parseTimestamp("2016-03-14T01:59:00.5Z")).toBe(Date.UTC(2016, 2, 14, 1, 59) + 500);
  });

  it("rejects lowercase separators, missing zones and impossible dates", () => {
    expect(isTimestamp("2016-03-14t01:59:00z")).toBe(false);
    expect(isTimestamp("2016-03-14T01:59:00")).toBe(false);
    expect(isTimestamp("2016-02-30T00:00:00Z")).toBe(false);
    expect(isTimestamp("2016-03-14 01:59:00Z")).toBe(false);
    expect(isTimestamp(5)).toBe(false);
  });
});
