import { describe, expect, it } from "vitest";
import { billedMs, endLine, reportLine, startLine, tailBytes, timeoutLine } from "./log-lines.js";

describe("platform log lines", () => {
  it("formats START and END as Lambda does", () => {
    expect(startLine("abc", "$LATEST")).toBe("START RequestId: abc Version: $LATEST");
    expect(endLine("abc")).toBe("END RequestId: abc");
  });

  it("formats REPORT with tab-separated fields and Init Duration on cold starts", () => {
    const line = reportLine({
      requestId: "r1",
      durationMs: 128.834,
      memorySizeMb: 128,
      maxMemoryUsedMb: 74,
      initDurationMs: 166.62,
    });
    expect(line).toBe(
      "REPORT RequestId: r1\tDuration: 128.83 ms\tBilled Duration: 129 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\t",
    );
  });

  it("omits Init Duration on warm invocations and marks timeouts", () => {
    const line = reportLine({
      requestId: "r1",
      durationMs: 3000,
      memorySizeMb: 128,
      maxMemoryUsedMb: 10,
      initDurationMs: undefined,
      status: "timeout",
    });
    expect(line).not.toContain("Init Duration");
    expect(line.endsWith("Status: timeout")).toBe(true);
  });

  it("bills whole milliseconds rounded up", () => {
    expect(billedMs(0.2)).toBe(1);
    expect(billedMs(2.0001)).toBe(3);
    expect(billedMs(5)).toBe(5);
  });

  it("writes the timeout line with two decimals of the configured timeout", () => {
    expect(timeoutLine(Date.UTC(2025, 0, 1), "r", 3)).toBe(
      "2025-01-01T00:00:00.000Z r Task timed out after 3.00 seconds",
    );
  });

  it("keeps the last bytes of a log without splitting a character", () => {
    expect(tailBytes("hello", 10)).toBe("hello");
    expect(tailBytes("abcdef", 3)).toBe("def");
    expect(tailBytes("aé", 1)).toBe("");
  });
});
