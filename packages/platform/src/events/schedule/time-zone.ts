/** A wall-clock time in some zone, to the minute (month 1-12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * An IANA time zone, read through Intl (no tz database of our own). Converts instants to wall
 * times and back; the formatter is built once per zone object, so callers keep the object for
 * a whole computation.
 */
export class TimeZone {
  private readonly format: Intl.DateTimeFormat;

  /** Throws RangeError for a name Intl does not know. */
  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** True when Intl knows the zone name. */
  static isValid(name: string): boolean {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }

  /** The wall time at an instant (epoch ms). */
  wallTime(epochMs: number): WallTime {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(epochMs))) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    return {
      year: parts.year ?? 1970,
      month: parts.month ?? 1,
      day: parts.day ?? 1,
      hour: (parts.hour ?? 0) % 24,
      minute: parts.minute ?? 0,
      second: parts.second ?? 0,
    };
  }

  /** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
  offsetAt(epochMs: number): number {
    const w = this.wallTime(epochMs);
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    return asUtc - Math.floor(epochMs / 1000) * 1000;
  }

  /**
   * The instant of a wall time. An ambiguous time (clocks going back) is its first occurrence; a
   * time inside a gap (clocks going forward) is moved forward by the gap, as the clocks were.
   */
  toInstant(w: WallTime): number {
    const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    const first = naive - this.offsetAt(naive);
    const second = naive - this.offsetAt(first);
    if (first === second) {
      // Ambiguous: the earlier instant with the same wall time, an hour (or the DST delta) before.
      const earlier = naive - this.offsetAt(first - 3_600_000);
      return earlier < first && this.sameWall(earlier, w) ? earlier : first;
    }
    return this.sameWall(second, w) ? second : Math.max(first, second);
  }

  private sameWall(epochMs: number, w: WallTime): boolean {
    const got = this.wallTime(epochMs);
    return (
      got.year === w.year &&
      got.month === w.month &&
      got.day === w.day &&
      got.hour === w.hour &&
      got.minute === w.minute
    );
  }
}

export const UTC_ZONE = "UTC";
