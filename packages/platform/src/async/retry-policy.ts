/**
 * When an asynchronous event runs again, and when it is given up (invocation-semantics.md
 * section 2). Pure functions of the event's history and the clock's now, so the schedule is
 * tested without a server.
 */

/** AWS's defaults: 2 retries, 6 hours. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;

/** Base delays before the 1st and 2nd retry after a function error: about 1 and 2 minutes. */
const RETRY_DELAYS_MS = [60_000, 120_000];

/** Throttles and system errors back off from 1 s, doubling, up to 5 minutes. */
const THROTTLE_FIRST_MS = 1_000;
const THROTTLE_MAX_MS = 300_000;

/** The settings that govern one event (its qualifier's FunctionEventInvokeConfig, or defaults). */
export interface RetrySettings {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

/** Where an event goes after a function error. */
export type AfterFunctionError =
  | { kind: "retry"; visibleAt: number }
  | { kind: "give-up"; condition: "RetriesExhausted" };

/**
 * The step after attempt number `attemptsMade` (1-based) ended in a function error.
 * @param scale `async.retryDelayScale`: multiplies the 1 and 2 minute delays (tests use 0.001)
 */
export function afterFunctionError(
  attemptsMade: number,
  settings: RetrySettings,
  now: number,
  scale: number,
): AfterFunctionError {
  const retriesMade = attemptsMade - 1;
  if (retriesMade >= settings.maximumRetryAttempts) return { kind: "give-up", condition: "RetriesExhausted" };
  const base = RETRY_DELAYS_MS[Math.min(retriesMade, RETRY_DELAYS_MS.length - 1)] ?? 60_000;
  return { kind: "retry", visibleAt: now + Math.round(base * scale) };
}

/**
 * How long a throttled event (or one hit by a system error) waits before it is tried again.
 * @param deferrals how many times this event was already put back for a throttle (0 the first time)
 */
export function throttleBackoffMs(deferrals: number): number {
  const exponent = Math.min(Math.max(0, deferrals), 20);
  return Math.min(THROTTLE_MAX_MS, THROTTLE_FIRST_MS * 2 ** exponent);
}

/** True when the event is older than its maximum age and must not run again. */
export function isExpired(acceptedAt: number, settings: RetrySettings, now: number): boolean {
  return now - acceptedAt >= settings.maximumEventAgeSeconds * 1000;
}
