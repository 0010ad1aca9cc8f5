import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { quotaWindow, UsageMeter } from "./usage-meter.js";

describe("UsageMeter token buckets", () => {
  it("lets a burst through, refuses the next, and refills at the rate", () => {
    const clock = new ManualClock();
    const meter = new UsageMeter(clock);
    const taken = Array.from({ length: 4 }, () => meter.take("k", 2, 3));
    expect(taken).toEqual([true, true, true, false]);
    clock.advance(499);
    expect(meter.take("k", 2, 3)).toBe(false);
    clock.advance(1);
    expect(meter.take("k", 2, 3)).toBe(true);
    clock.advance(10_000);
    // Never more than the burst, however long the pause.
    expect(Array.from({ length: 4 }, () => meter.take("k", 2, 3))).toEqual([true, true, true, false]);
  });

  it("keeps buckets apart by key and starts over when the limits change", () => {
    const meter = new UsageMeter(new ManualClock());
    expect(meter.take("a", 1, 1)).toBe(true);
    expect(meter.take("a", 1, 1)).toBe(false);
    expect(meter.take("b", 1, 1)).toBe(true);
    expect(meter.take("a", 1, 2)).toBe(true);
  });

  it("refuses everything with a burst of 0", () => {
    expect(new UsageMeter(new ManualClock()).take("z", 100, 0)).toBe(false);
  });
});

describe("UsageMeter quotas", () => {
  it("counts a DAY quota and resets at the next UTC day", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 23, 0));
    const meter = new UsageMeter(clock);
    const quota = { limit: 2, offset: 0, period: "DAY" as const };
    expect([meter.consume("q", quota), meter.consume("q", quota), meter.consume("q", quota)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(meter.remaining("q", quota)).toBe(0);
    clock.advance(60 * 60 * 1000);
    expect(meter.remaining("q", quota)).toBe(2);
    expect(meter.consume("q", quota)).toBe(true);
    expect(meter.usedPerDay("q")).toEqual(
      new Map([
        ["2026-01-05", 2],
        ["2026-01-06", 1],
      ]),
    );
  });

  it("starts weeks on Monday and months on the 1st (UTC)", () => {
    // Sunday 2026-01-11 belongs to the week of Monday 2026-01-05.
    expect(quotaWindow(Date.UTC(2026, 0, 11, 12), "WEEK")).toBe(Date.UTC(2026, 0, 5));
    expect(quotaWindow(Date.UTC(2026, 0, 12, 0), "WEEK")).toBe(Date.UTC(2026, 0, 12));
    expect(quotaWindow(Date.UTC(2026, 1, 28, 23), "MONTH")).toBe(Date.UTC(2026, 1, 1));
    expect(quotaWindow(Date.UTC(2026, 1, 28, 23), "DAY")).toBe(Date.UTC(2026, 1, 28));
  });

  it("resets a MONTH quota in the next month", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 12));
    const meter = new UsageMeter(clock);
    const quota = { limit: 1, offset: 0, period: "MONTH" as const };
    expect(meter.consume("m", quota)).toBe(true);
    expect(meter.consume("m", quota)).toBe(false);
    clock.advance(24 * 60 * 60 * 1000);
    expect(meter.consume("m", quota)).toBe(true);
  });
});
