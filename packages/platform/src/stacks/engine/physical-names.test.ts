import { describe, expect, it } from "vitest";
import { physicalName, randomSuffix } from "./physical-names.js";

describe("physicalName", () => {
  it("joins stack, logical id and a 13-character upper-case suffix", () => {
    const name = physicalName("my-stack", "Queue");
    expect(name).toMatch(/^my-stack-Queue-[A-Z0-9]{13}$/);
  });

  it("keeps the suffix whole and shortens the longer part first", () => {
    const name = physicalName("a".repeat(60), "LogicalId", { maxLength: 40, suffix: "ABCDEFGHIJKLM" });
    expect(name).toHaveLength(40);
    expect(name.endsWith("-LogicalId-ABCDEFGHIJKLM")).toBe(true);
  });

  it("lower-cases on request (bucket names)", () => {
    expect(physicalName("Stack", "Bucket", { lowerCase: true, suffix: "XYZ" })).toBe("stack-bucket-xyz");
  });

  it("draws suffixes from upper-case letters and digits", () => {
    expect(randomSuffix()).toMatch(/^[A-Z0-9]{13}$/);
  });
});
