import { describe, expect, it } from "vitest";
import {
  latestSlot,
  nextSlot,
  parseScheduleExpression,
  ScheduleExpressionError,
  type SlotContext,
} from "./schedule-expression.js";
import { TimeZone } from "./time-zone.js";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const ctx = (zone = "UTC", anchor = 0, anchorIsSlot = false): SlotContext => ({
  zone: new TimeZone(zone),
  anchor,
  anchorIsSlot,
});
const next = (expr: string, after: string, zone = "UTC") =>
  iso(nextSlot(parseScheduleExpression(expr, { allowAt: true }), Date.parse(after), ctx(zone)));

describe("cron() next fire times (UTC)", () => {
  it.each([
    ["cron(0 10 * * ? *)", "2025-01-01T09:00:00Z", "2025-01-01T10:00:00.000Z"],
    ["cron(0 10 * * ? *)", "2025-01-01T10:00:00Z", "2025-01-02T10:00:00.000Z"],
    ["cron(0 * * * ? *)", "2025-01-01T10:00:00Z", "2025-01-01T11:00:00.000Z"],
    ["cron(0 * * * ? *)", "2025-01-01T10:59:59Z", "2025-01-01T11:00:00.000Z"],
    ["cron(0/15 * * * ? *)", "2025-01-01T10:16:00Z", "2025-01-01T10:30:00.000Z"],
    ["cron(1/10 * * * ? *)", "2025-01-01T10:12:00Z", "2025-01-01T10:21:00.000Z"],
    // Weekdays 8-17 every 5 minutes: Friday evening -> Monday 08:00. 2025-01-03 is a Friday.
    ["cron(0/5 8-17 ? * MON-FRI *)", "2025-01-03T17:56:00Z", "2025-01-06T08:00:00.000Z"],
    ["cron(0 8 1 * ? *)", "2025-01-01T08:00:00Z", "2025-02-01T08:00:00.000Z"],
    // 6L = last Friday of the month, only 2019-2022.
    ["cron(15 10 ? * 6L 2019-2022)", "2019-01-01T00:00:00Z", "2019-01-25T10:15:00.000Z"],
    ["cron(15 10 ? * 6L 2019-2022)", "2022-12-30T10:15:00Z", undefined],
    // L = last day of the month; February of a leap year.
    ["cron(0 0 L * ? *)", "2024-02-01T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["cron(0 0 L-2 * ? *)", "2025-01-01T00:00:00Z", "2025-01-29T00:00:00.000Z"],
    // 3#2 = second Tuesday (1 = Sunday). January 2025: Tuesdays 7, 14.
    ["cron(0 12 ? * 3#2 *)", "2025-01-01T00:00:00Z", "2025-01-14T12:00:00.000Z"],
    // W: 2025-03-01 is a Saturday; the nearest weekday inside the month is Monday the 3rd.
    ["cron(0 9 1W * ? *)", "2025-02-15T00:00:00Z", "2025-03-03T09:00:00.000Z"],
    // 15W with the 15th on a Saturday (2025-02-15) -> Friday the 14th.
    ["cron(0 9 15W * ? *)", "2025-02-01T00:00:00Z", "2025-02-14T09:00:00.000Z"],
    // LW = last weekday: 2025-05-31 is a Saturday -> Friday the 30th.
    ["cron(0 9 LW * ? *)", "2025-05-01T00:00:00Z", "2025-05-30T09:00:00.000Z"],
    // Ranges that wrap: 22-2 hours.
    ["cron(0 22-2 * * ? *)", "2025-01-01T02:30:00Z", "2025-01-01T22:00:00.000Z"],
    ["cron(0 22-2 * * ? *)", "2025-01-01T23:30:00Z", "2025-01-02T00:00:00.000Z"],
    // Names and lists.
    ["cron(30 6 ? JAN,JUL SUN *)", "2025-02-01T00:00:00Z", "2025-07-06T06:30:00.000Z"],
    ["cron(0 0 1 1 ? 2030)", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z"],
    ["cron(0 0 L * ? *)", "2025-01-31T00:00:00Z", "2025-02-28T00:00:00.000Z"],
    ["cron(0 0 ? * L *)", "2025-01-01T00:00:00Z", "2025-01-25T00:00:00.000Z"],
  ])("%s after %s -> %s", (expr, after, want) => {
    expect(next(expr, after)).toBe(want);
  });
});

describe("time zones (Scheduler)", () => {
  it.each([
    // 09:00 in New York in winter (UTC-5) and summer (UTC-4).
    ["cron(0 9 * * ? *)", "2025-01-10T00:00:00Z", "America/New_York", "2025-01-10T14:00:00.000Z"],
    ["cron(0 9 * * ? *)", "2025-07-10T00:00:00Z", "America/New_York", "2025-07-10T13:00:00.000Z"],
    // 02:30 does not exist on 2025-03-09 in New York: it runs at 03:30 EDT (07:30Z).
    ["cron(30 2 * * ? *)", "2025-03-09T05:00:00Z", "America/New_York", "2025-03-09T07:30:00.000Z"],
    // 01:30 happens twice on 2025-11-02: the first (EDT, 05:30Z) only.
    ["cron(30 1 * * ? *)", "2025-11-02T04:00:00Z", "America/New_York", "2025-11-02T05:30:00.000Z"],
    ["cron(30 1 * * ? *)", "2025-11-02T05:30:00Z", "America/New_York", "2025-11-03T06:30:00.000Z"],
    ["at(2025-06-01T12:00:00)", "2025-01-01T00:00:00Z", "Asia/Tokyo", "2025-06-01T03:00:00.000Z"],
    ["at(2025-06-01T12:00:00)", "2025-06-01T03:00:00Z", "Asia/Tokyo", undefined],
    ["cron(0 0 * * ? *)", "2025-01-01T00:00:00Z", "Asia/Kolkata", "2025-01-01T18:30:00.000Z"],
  ])("%s after %s in %s -> %s", (expr, after, zone, want) => {
    expect(next(expr, after, zone)).toBe(want);
  });
});

describe("rate()", () => {
  const anchor = Date.parse("2025-01-01T00:00:00Z");
  const rate = parseScheduleExpression("rate(5 minutes)", { allowAt: false });
  it("counts slots from the anchor, which is a slot only for a Scheduler StartDate", () => {
    expect(iso(nextSlot(rate, anchor - 1, ctx("UTC", anchor, false)))).toBe("2025-01-01T00:05:00.000Z");
    expect(iso(nextSlot(rate, anchor - 1, ctx("UTC", anchor, true)))).toBe("2025-01-01T00:00:00.000Z");
    expect(iso(nextSlot(rate, anchor + 300_000, ctx("UTC", anchor)))).toBe("2025-01-01T00:10:00.000Z");
    expect(iso(nextSlot(rate, anchor + 299_999, ctx("UTC", anchor)))).toBe("2025-01-01T00:05:00.000Z");
  });

  it("finds the latest slot of a window", () => {
    const c = ctx("UTC", anchor);
    expect(iso(latestSlot(rate, anchor, anchor + 17 * 60_000, c))).toBe("2025-01-01T00:15:00.000Z");
    expect(latestSlot(rate, anchor, anchor + 4 * 60_000, c)).toBeUndefined();
  });

  it.each([
    ["rate(1 minute)", 60_000],
    ["rate(2 minutes)", 120_000],
    ["rate(1 hour)", 3_600_000],
    ["rate(12 hours)", 43_200_000],
    ["rate(1 day)", 86_400_000],
    ["rate(7 days)", 604_800_000],
  ])("%s is %d ms", (expr, period) => {
    expect(parseScheduleExpression(expr, { allowAt: false })).toEqual({ kind: "rate", periodMs: period });
  });
});

describe("refused expressions", () => {
  it.each([
    "rate(1 minutes)",
    "rate(5 minute)",
    "rate(0 minutes)",
    "rate(5 seconds)",
    "rate(-1 minutes)",
    "cron(0 10 * * *)",
    "cron(0 10 * * * *)",
    "cron(0 10 ? * ? *)",
    "cron(60 10 * * ? *)",
    "cron(0 24 * * ? *)",
    "cron(0 0 32 * ? *)",
    "cron(0 0 ? * 8 *)",
    "cron(0 0 ? * 1#2,2#3 *)",
    "cron(0 0 1 13 ? *)",
    "cron(0 0 1 * ? 2200)",
    "cron(x 0 1 * ? *)",
    "at(2025-02-30T00:00:00)",
    "at(2025-01-01 00:00:00)",
    "every 5 minutes",
  ])("%s", (expr) => {
    expect(() => parseScheduleExpression(expr, { allowAt: true })).toThrow(ScheduleExpressionError);
  });

  it("refuses at() for rules", () => {
    expect(() => parseScheduleExpression("at(2025-01-01T00:00:00)", { allowAt: false })).toThrow(
      ScheduleExpressionError,
    );
  });
});
