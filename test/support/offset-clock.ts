import type { Clock } from "../../packages/platform/src/index.js";

/**
 * A real-time clock that a test can move forward: `now()` is the system time plus an offset,
 * timers run on real time, and `advance(ms)` adds to the offset and fires every timer that is
 * due at the new time. For end-to-end tests of behaviour measured in minutes (event age) on a
 * real server, without sleeping for minutes.
 */
export class OffsetClock implements Clock {
  private offset = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; handle: NodeJS.Timeout }>();
  private nextId = 1;

  now(): number {
    return Date.now() + this.offset;
  }

  monotonic(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    const handle = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    handle.unref?.();
    this.timers.set(id, { at: this.now() + ms, fn, handle });
    return () => {
      clearTimeout(handle);
      this.timers.delete(id);
    };
  }

  /** Moves time forward by `ms` and fires the timers now due, earliest first. */
  advance(ms: number): void {
    this.offset += ms;
    const due = [...this.timers.entries()]
      .filter(([, t]) => t.at <= this.now())
      .sort((a, b) => a[1].at - b[1].at);
    for (const [id, timer] of due) {
      clearTimeout(timer.handle);
      this.timers.delete(id);
      timer.fn();
    }
  }
}
