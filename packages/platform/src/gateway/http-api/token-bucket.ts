import type { Clock } from "../../core/clock.js";

/**
 * Request throttling as API Gateway does it: a token bucket per stage and route that holds at
 * most `burst` tokens and refills at `ratePerSec`; a request that finds no token is answered 429.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly clock: Clock,
    readonly ratePerSec: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.monotonic();
  }

  /** Takes one token; false when none is left (throttled). */
  take(): boolean {
    const now = this.clock.monotonic();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The buckets of every throttled stage route, rebuilt when the limits change. */
export class Throttles {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: Clock) {}

  /**
   * Takes a token for `key` under the given limits; true when the request may pass. A burst or
   * rate of 0 refuses every request, as AWS does; no limits at all means no throttling.
   */
  admit(key: string, limits: { burst: number | undefined; rate: number | undefined }): boolean {
    if (limits.burst === undefined && limits.rate === undefined) return true;
    const burst = limits.burst ?? 5000;
    const rate = limits.rate ?? 10000;
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.burst !== burst || bucket.ratePerSec !== rate) {
      bucket = new TokenBucket(this.clock, rate, burst);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** Forgets the buckets of an API (deleted or redeployed). */
  forget(prefix: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(prefix)) this.buckets.delete(key);
  }
}
