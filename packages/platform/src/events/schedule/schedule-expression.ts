import { CronError, type CronSpec, nextCron, parseCron } from "./cron.js";
import type { TimeZone, WallTime } from "./time-zone.js";

/** A parsed `rate(...)`, `cron(...)` or `at(...)` (events.md section 11). */
export type ScheduleExpression =
  | { kind: "rate"; periodMs: number }
  | { kind: "cron"; spec: CronSpec }
  | { kind: "at"; wall: WallTime };

/** Thrown for an expression AWS would refuse; the message says why. */
export class ScheduleExpressionError extends Error {}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses a schedule expression; `at()` only when `allowAt` (the Scheduler API, not rules). */
export function parseScheduleExpression(text: string, options: { allowAt: boolean }): ScheduleExpression {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    const singular = !unit.endsWith("s");
    if (value < 1) throw new ScheduleExpressionError("the rate value must be a positive integer");
    // AWS: the singular unit iff the value is 1 (`rate(1 hour)`, `rate(5 hours)`).
    if (singular !== (value === 1))
      throw new ScheduleExpressionError(`use ${value === 1 ? "a singular" : "a plural"} unit with ${value}`);
    return { kind: "rate", periodMs: value * (UNITS[singular ? unit : unit.slice(0, -1)] as number) };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) {
    try {
      return { kind: "cron", spec: parseCron(cron[1] as string) };
    } catch (error) {
      if (error instanceof CronError) throw new ScheduleExpressionError(error.message);
      throw error;
    }
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at && options.allowAt) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as number[];
    const wall = { year, month, day, hour, minute, second } as WallTime;
    const check = new Date(
      Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second),
    );
    if (check.getUTCMonth() !== wall.month - 1 || check.getUTCDate() !== wall.day || wall.hour > 23)
      throw new ScheduleExpressionError("at() names a date that does not exist");
    return { kind: "at", wall };
  }
  throw new ScheduleExpressionError(
    options.allowAt ? "use at(), rate() or cron()" : "use rate(value unit) or cron(six fields)",
  );
}

/** Where slots of an expression are counted from. */
export interface SlotContext {
  zone: TimeZone;
  /** rate(): slots are anchor + k * period. */
  anchor: number;
  /** rate(): whether the anchor itself is a slot (a Scheduler StartDate is; a rule's creation is not). */
  anchorIsSlot: boolean;
}

/** The first slot strictly after `afterMs`, or undefined when the expression has no more. */
export function nextSlot(
  expression: ScheduleExpression,
  afterMs: number,
  ctx: SlotContext,
): number | undefined {
  switch (expression.kind) {
    case "rate": {
      const { periodMs } = expression;
      if (afterMs < ctx.anchor) return ctx.anchorIsSlot ? ctx.anchor : ctx.anchor + periodMs;
      const k = Math.floor((afterMs - ctx.anchor) / periodMs) + 1;
      return ctx.anchor + k * periodMs;
    }
    case "cron":
      return nextCron(expression.spec, afterMs, ctx.zone);
    case "at": {
      const instant = ctx.zone.toInstant(expression.wall);
      return instant > afterMs ? instant : undefined;
    }
  }
}

/**
 * The latest slot in (`afterMs`, `nowMs`], walking forward from `afterMs` (callers bound
 * `afterMs` to the grace window, so the walk is short); undefined when none.
 */
export function latestSlot(
  expression: ScheduleExpression,
  afterMs: number,
  nowMs: number,
  ctx: SlotContext,
): number | undefined {
  let latest: number | undefined;
  let cursor = afterMs;
  for (;;) {
    const slot = nextSlot(expression, cursor, ctx);
    if (slot === undefined || slot > nowMs) return latest;
    latest = slot;
    cursor = slot;
  }
}
