import { describe, expect, it } from "vitest";
import { parseRange } from "./range.js";

describe("parseRange", () => {
  it("reads closed, open and suffix ranges", () => {
    expect(parseRange("bytes=0-4", 10)).toEqual({ start: 0, end: 4 });
    expect(parseRange("bytes=5-", 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange("bytes=-3", 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange("bytes=-30", 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=8-100", 10)).toEqual({ start: 8, end: 9 });
  });

  it("ignores what S3 ignores", () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange("items=0-1", 10)).toBeUndefined();
    expect(parseRange("bytes=0-1,3-4", 10)).toBeUndefined();
    expect(parseRange("bytes=5-2", 10)).toBeUndefined();
  });

  it("refuses ranges past the end as InvalidRange (416)", () => {
    expect(() => parseRange("bytes=10-", 10)).toThrow(
      expect.objectContaining({ awsName: "InvalidRange", status: 416 }),
    );
    expect(() => parseRange("bytes=-0", 10)).toThrow(expect.objectContaining({ awsName: "InvalidRange" }));
    expect(() => parseRange("bytes=0-0", 0)).toThrow(expect.objectContaining({ awsName: "InvalidRange" }));
  });
});
