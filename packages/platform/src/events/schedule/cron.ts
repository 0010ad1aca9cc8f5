import type { TimeZone, WallTime } from "./time-zone.js";

/**
 * AWS's six-field cron (events.md section 11): `minutes hours day-of-month month day-of-week
 * year`, day-of-week 1 = Sunday, exactly one day field `?`, `L`, `W`, `LW`, `#`, ranges that
 * wrap, lists, increments and month/day names. Evaluated on the wall clock of a zone (UTC for
 * rules). Written here rather than taken from croner, whose day-of-week numbering (0 = Sunday),
 * `?` handling and lack of a year field differ from AWS.
 */
export interface CronSpec {
  minutes: number[];
  hours: number[];
  months: number[];
  /** Undefined = every year (through 2199). */
  years: number[] | undefined;
  dayOfMonth: DayOfMonth | undefined;
  dayOfWeek: DayOfWeek | undefined;
}

interface DayOfMonth {
  days: Set<number>;
  /** `L` (0) or `L-n` (n days before the last). */
  lastOffset: number | undefined;
  /** `nW`: the weekday nearest day n, within the month. */
  nearestWeekday: number[];
  /** `LW`: the month's last weekday. */
  lastWeekday: boolean;
}

interface DayOfWeek {
  /** 1 = Sunday ... 7 = Saturday. */
  days: Set<number>;
  /** `nL`: the month's last such day. */
  lastOf: number[];
  /** `n#k`: the k-th such day of the month. */
  nth: { day: number; k: number }[];
}

/** Thrown for an expression AWS would refuse; the message says which part. */
export class CronError extends Error {}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MAX_YEAR = 2199;

/** Parses the inside of `cron(...)`. */
export function parseCron(text: string): CronSpec {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) throw new CronError("a cron expression has six fields");
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === "?") === (dow === "?"))
    throw new CronError("exactly one of day-of-month and day-of-week must be ?");
  return {
    minutes: list(min, 0, 59, "minutes"),
    hours: list(hour, 0, 23, "hours"),
    months: list(month, 1, 12, "month", MONTHS),
    years: year === "*" ? undefined : list(year, 1970, MAX_YEAR, "year"),
    dayOfMonth: dom === "?" ? undefined : parseDayOfMonth(dom),
    dayOfWeek: dow === "?" ? undefined : parseDayOfWeek(dow),
  };
}

function parseDayOfMonth(text: string): DayOfMonth {
  const spec: DayOfMonth = { days: new Set(), lastOffset: undefined, nearestWeekday: [], lastWeekday: false };
  for (const item of text.split(",")) {
    const upper = item.toUpperCase();
    if (upper === "L") spec.lastOffset = 0;
    else if (/^L-\d+$/.test(upper)) spec.lastOffset = bounded(upper.slice(2), 0, 30, "day-of-month");
    else if (upper === "LW") spec.lastWeekday = true;
    else if (/^\d+W$/.test(upper))
      spec.nearestWeekday.push(bounded(upper.slice(0, -1), 1, 31, "day-of-month"));
    else for (const d of list(item, 1, 31, "day-of-month")) spec.days.add(d);
  }
  return spec;
}

function parseDayOfWeek(text: string): DayOfWeek {
  const spec: DayOfWeek = { days: new Set(), lastOf: [], nth: [] };
  for (const item of text.split(",")) {
    const upper = item.toUpperCase();
    if (upper === "L") spec.lastOf.push(7);
    else if (/^\w+L$/.test(upper)) spec.lastOf.push(value(upper.slice(0, -1), 1, 7, "day-of-week", DAYS));
    else if (upper.includes("#")) {
      if (spec.nth.length > 0) throw new CronError("only one # expression is allowed in day-of-week");
      const [day = "", k = ""] = upper.split("#");
      spec.nth.push({ day: value(day, 1, 7, "day-of-week", DAYS), k: bounded(k, 1, 5, "day-of-week") });
    } else for (const d of list(item, 1, 7, "day-of-week", DAYS)) spec.days.add(d);
  }
  return spec;
}

/** `*`, `a`, `a-b` (wrapping when a > b), each with an optional `/step`, comma-separated. */
function list(text: string, min: number, max: number, field: string, names?: string[]): number[] {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : bounded(stepText, 1, max - min + 1, field);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [min, max];
    else if (range.includes("-")) {
      const [a = "", b = ""] = range.split("-");
      [from, to] = [value(a, min, max, field, names), value(b, min, max, field, names)];
    } else {
      from = value(range, min, max, field, names);
      to = stepText === undefined ? from : max;
    }
    const span = to >= from ? to - from : max - min + 1 - (from - to);
    for (let i = 0; i <= span; i += step) out.add(((from - min + i) % (max - min + 1)) + min);
  }
  return [...out].sort((a, b) => a - b);
}

function value(text: string, min: number, max: number, field: string, names?: string[]): number {
  const index = names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + min;
  return bounded(text, min, max, field);
}

function bounded(text: string, min: number, max: number, field: string): number {
  if (!/^\d+$/.test(text)) throw new CronError(`${field}: ${text} is not a valid value`);
  const n = Number(text);
  if (n < min || n > max) throw new CronError(`${field}: ${n} is outside ${min}-${max}`);
  return n;
}

/** The first fire time strictly after `afterMs`, on the wall clock of `zone`; undefined if none. */
export function nextCron(spec: CronSpec, afterMs: number, zone: TimeZone): number | undefined {
  // Start at the next whole minute of the wall clock.
  const start = zone.wallTime(afterMs + 60_000 - (afterMs % 60_000));
  for (const wall of candidates(spec, start)) {
    const instant = zone.toInstant(wall);
    if (instant > afterMs) return instant;
  }
  return undefined;
}

/** Wall times matching the spec, in order, from `start` (inclusive). */
function* candidates(spec: CronSpec, start: WallTime): Generator<WallTime> {
  const years = spec.years ?? range(start.year, MAX_YEAR);
  for (const year of years) {
    if (year < start.year) continue;
    const y0 = year === start.year;
    for (const month of spec.months) {
      if (y0 && month < start.month) continue;
      const m0 = y0 && month === start.month;
      const dim = daysInMonth(year, month);
      for (let day = m0 ? start.day : 1; day <= dim; day++) {
        if (!dayMatches(spec, year, month, day, dim)) continue;
        const d0 = m0 && day === start.day;
        for (const hour of spec.hours) {
          if (d0 && hour < start.hour) continue;
          const h0 = d0 && hour === start.hour;
          for (const minute of spec.minutes) {
            if (h0 && minute < start.minute) continue;
            yield { year, month, day, hour, minute, second: 0 };
          }
        }
      }
    }
  }
}

function dayMatches(spec: CronSpec, year: number, month: number, day: number, dim: number): boolean {
  const dom = spec.dayOfMonth;
  if (dom) {
    if (dom.days.has(day)) return true;
    if (dom.lastOffset !== undefined && day === dim - dom.lastOffset) return true;
    if (dom.lastWeekday && day === nearestWeekday(year, month, dim, dim)) return true;
    return dom.nearestWeekday.some((n) => n <= dim && day === nearestWeekday(year, month, n, dim));
  }
  const dow = spec.dayOfWeek;
  if (!dow) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
  if (dow.days.has(weekday)) return true;
  if (dow.lastOf.includes(weekday) && day + 7 > dim) return true;
  return dow.nth.some((n) => n.day === weekday && Math.ceil(day / 7) === n.k);
}

/** The weekday (Mon-Fri) nearest day `n`, never leaving the month (Quartz/AWS `W`). */
function nearestWeekday(year: number, month: number, n: number, dim: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, n)).getUTCDay();
  if (weekday === 6) return n === 1 ? 3 : n - 1;
  if (weekday === 0) return n === dim ? n - 2 : n + 1;
  return n;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
