import { describe, expect, it } from "vitest";
import { peakReadingStale } from "./environment.js";

describe("peakReadingStale (REPORT's Max Memory Used)", () => {
  it("reuses a reading under 100 ms old after an invocation under 5 ms", () => {
    expect(peakReadingStale(0.4, 1_000, 1_050)).toBe(false);
    expect(peakReadingStale(4.9, 1_000, 1_099)).toBe(false);
  });

  it("reads again after a longer invocation, an older reading, or none", () => {
    expect(peakReadingStale(5, 1_000, 1_001)).toBe(true);
    expect(peakReadingStale(0.4, 1_000, 1_100)).toBe(true);
    expect(peakReadingStale(0.4, undefined, 1_000)).toBe(true);
  });
});
