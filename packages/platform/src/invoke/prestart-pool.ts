import type { Clock } from "../core/clock.js";

/** A pre-started, isolated runtime waiting for a function (see docs/prestarted-pool.md). */
export interface Standby {
  readonly alive: boolean;
  /** Milliseconds from spawn to the runtime's `standby` frame (sandbox + runtime start). */
  readonly startMs: number;
  shutdown(): Promise<void>;
}

export interface PrestartPoolOptions<S extends Standby> {
  /** Starts one standby environment of a family (undefined when it cannot start). */
  start: (family: string) => Promise<S | undefined>;
  /** How many to keep ready per family at first. */
  initial: number;
  /** Upper bound per family, however high demand gets. */
  max: number;
  /** After this long without a cold start, a family's target shrinks by one (never below 1). */
  decayMs: number;
  clock: Clock;
}

/**
 * Keeps a few generic environments per runtime family started and waiting, so a cold start
 * only loads the function's code. Sized from demand: a take that finds the family empty raises
 * its target (up to `max`), a quiet `decayMs` lowers it. Refills in the background.
 */
export class PrestartPool<S extends Standby> {
  private readonly ready = new Map<string, S[]>();
  private readonly starting = new Map<string, number>();
  private readonly target = new Map<string, number>();
  private readonly lastTake = new Map<string, number>();
  private cancelDecay: (() => void) | undefined;
  private closed = false;
  /** Starts in flight, so close() can wait for them (and stop what they started). */
  private readonly pending = new Set<Promise<void>>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly options: PrestartPoolOptions<S>) {}

  /** Starts filling `families` to their initial size. */
  warm(families: string[]): void {
    for (const family of families) {
      this.target.set(family, this.options.initial);
      this.fill(family);
    }
    this.scheduleDecay();
  }

  /** A ready standby environment of `family`, or undefined (then demand raises the target). */
  take(family: string): S | undefined {
    if (!this.target.has(family)) return undefined;
    this.lastTake.set(family, this.options.clock.now());
    const list = this.ready.get(family) ?? [];
    let standby = list.shift();
    while (standby && !standby.alive) {
      void standby.shutdown();
      standby = list.shift();
    }
    if (standby) this.hits++;
    else {
      this.misses++;
      this.target.set(family, Math.min(this.options.max, (this.target.get(family) ?? 0) + 1));
    }
    this.fill(family);
    return standby;
  }

  stats(): Record<string, unknown> {
    const families: Record<string, { ready: number; starting: number; target: number }> = {};
    for (const [family, target] of this.target) {
      families[family] = {
        ready: this.ready.get(family)?.length ?? 0,
        starting: this.starting.get(family) ?? 0,
        target,
      };
    }
    return { families, hits: this.hits, misses: this.misses };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelDecay?.();
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all([...all.map((s) => s.shutdown()), ...this.pending]);
  }

  private fill(family: string): void {
    if (this.closed) return;
    const have = (this.ready.get(family)?.length ?? 0) + (this.starting.get(family) ?? 0);
    const missing = (this.target.get(family) ?? 0) - have;
    for (let i = 0; i < missing; i++) {
      this.starting.set(family, (this.starting.get(family) ?? 0) + 1);
      const started: Promise<void> = this.options
        .start(family)
        .catch(() => undefined)
        .then(async (standby) => {
          this.starting.set(family, (this.starting.get(family) ?? 1) - 1);
          if (!standby) return;
          if (this.closed) {
            await standby.shutdown();
            return;
          }
          const list = this.ready.get(family) ?? [];
          list.push(standby);
          this.ready.set(family, list);
        })
        .finally(() => this.pending.delete(started));
      this.pending.add(started);
    }
  }

  private scheduleDecay(): void {
    this.cancelDecay = this.options.clock.setTimer(this.options.decayMs, () => {
      const now = this.options.clock.now();
      for (const [family, target] of this.target) {
        if (target > 1 && now - (this.lastTake.get(family) ?? 0) >= this.options.decayMs) {
          this.target.set(family, target - 1);
          const extra = this.ready.get(family)?.pop();
          if (extra) void extra.shutdown();
        }
      }
      if (!this.closed) this.scheduleDecay();
    });
  }
}
