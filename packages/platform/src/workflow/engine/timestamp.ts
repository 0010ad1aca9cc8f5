/**
 * RFC 3339 timestamps as the States Language requires them: uppercase `T` between date and
 * time, `Z` or a numeric offset, optional fractional seconds.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds (with a sub-millisecond fraction) of a timestamp, or undefined if invalid. */
export function parseTimestamp(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const base = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const fraction = frac ? Number(`0${frac}`) * 1000 : 0;
  return base + fraction - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whether a value is a valid RFC 3339 timestamp string. */
export function isTimestamp(value: unknown): value is string {
  return typeof value === "string" && parseTimestamp(value) !== undefined;
}

/** ISO 8601 UTC with milliseconds, as the context object and history show times. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
