import type { Clock } from "../../core/clock.js";
import type { QuotaDoc } from "./model.js";

/** A token bucket: `burst` tokens, refilled at `rate` per second. */
interface Bucket {
  tokens: number;
  at: number;
  rate: number;
  burst: number;
}

/** Why a request may not pass: throttled (`Too Many Requests`) or over quota (`Limit Exceeded`). */
export type Refusal = "throttled" | "quota";

/**
 * Token buckets (stage, method and usage-plan throttles) and quota windows (usage plans), read
 * from the injected clock. Counts live in memory: a restart starts every bucket full and every
 * quota window from zero (documented in docs/rest-apis.md).
 */
export class UsageMeter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotas = new Map<string, { window: number; used: number }>();
  /** Daily request counts per usage plan and key, for GetUsage: `plan/key` -> day -> [used, remaining]. */
  private readonly daily = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Clock) {}

  /**
   * Takes one token from the bucket `key` (created full). A rate or burst of 0 refuses every
   * request, as API Gateway does.
   */
  take(key: string, rate: number, burst: number): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.rate !== rate || bucket.burst !== burst) {
      bucket = { tokens: burst, at: now, rate, burst };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Counts one request against a quota; false when the window's limit is used up. */
  consume(key: string, quota: QuotaDoc): boolean {
    const window = quotaWindow(this.clock.now(), quota.period);
    const current = this.quotas.get(key);
    const state = current && current.window === window ? current : { window, used: 0 };
    if (state.used >= quota.limit) return false;
    state.used += 1;
    this.quotas.set(key, state);
    const day = new Date(this.clock.now()).toISOString().slice(0, 10);
    const days = this.daily.get(key) ?? new Map<string, number>();
    days.set(day, (days.get(day) ?? 0) + 1);
    this.daily.set(key, days);
    return true;
  }

  /** Requests left in the current window of a quota. */
  remaining(key: string, quota: QuotaDoc): number {
    const state = this.quotas.get(key);
    const window = quotaWindow(this.clock.now(), quota.period);
    return state && state.window === window ? Math.max(0, quota.limit - state.used) : quota.limit;
  }

  /** Requests counted per UTC day (`YYYY-MM-DD`) for a quota key. */
  usedPerDay(key: string): Map<string, number> {
    return this.daily.get(key) ?? new Map();
  }
}

/** The start (epoch ms) of the UTC day, ISO week (Monday) or month holding `now`. */
export function quotaWindow(now: number, period: QuotaDoc["period"]): number {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === "DAY") return day;
  if (period === "WEEK") return day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}
