import { isJsonObject, type Json } from "./json.js";
import { STATES_ERRORS } from "./states-error.js";

/** A Retry entry with AWS's defaults applied. */
export interface Retrier {
  errorEquals: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds: number | undefined;
  jitter: "FULL" | "NONE";
}

/** AWS's defaults for a retrier. */
export const RETRY_DEFAULTS = { intervalSeconds: 1, maxAttempts: 3, backoffRate: 2 } as const;

/** Reads a Retry entry, applying the defaults. */
export function toRetrier(entry: Json): Retrier {
  const r = isJsonObject(entry) ? entry : {};
  return {
    errorEquals: Array.isArray(r.ErrorEquals)
      ? r.ErrorEquals.filter((e): e is string => typeof e === "string")
      : [],
    intervalSeconds:
      typeof r.IntervalSeconds === "number" ? r.IntervalSeconds : RETRY_DEFAULTS.intervalSeconds,
    maxAttempts: typeof r.MaxAttempts === "number" ? r.MaxAttempts : RETRY_DEFAULTS.maxAttempts,
    backoffRate: typeof r.BackoffRate === "number" ? r.BackoffRate : RETRY_DEFAULTS.backoffRate,
    maxDelaySeconds: typeof r.MaxDelaySeconds === "number" ? r.MaxDelaySeconds : undefined,
    jitter: r.JitterStrategy === "FULL" ? "FULL" : "NONE",
  };
}

/**
 * Whether an error name is matched by one `ErrorEquals` list.
 * - `States.ALL` matches everything except `States.Runtime`, which is never retried or caught,
 *   and the terminal `States.DataLimitExceeded`, which only its own name matches (AWS docs,
 *   "Handling errors": "States.ALL ... can't catch the States.DataLimitExceeded terminal error").
 * - `States.TaskFailed` matches everything except timeouts.
 * - `States.Timeout` also matches `States.HeartbeatTimeout`. (AWS reports a missed heartbeat as
 *   `States.Timeout`; the engine passes `States.HeartbeatTimeout` as an alias, see findMatching.)
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (error === STATES_ERRORS.runtime) return false;
  return errorEquals.some((name) => {
    if (name === error) return true;
    if (name === STATES_ERRORS.all) return error !== STATES_ERRORS.dataLimitExceeded;
    if (name === STATES_ERRORS.taskFailed) {
      return error !== STATES_ERRORS.timeout && error !== STATES_ERRORS.heartbeatTimeout;
    }
    if (name === STATES_ERRORS.timeout) return error === STATES_ERRORS.heartbeatTimeout;
    return false;
  });
}

/** Index of the first entry (retrier or catcher) whose ErrorEquals matches, or -1. */
export function findMatching(
  entries: readonly Json[] | undefined,
  error: string,
  aliases: readonly string[] = [],
): number {
  if (!entries) return -1;
  return entries.findIndex((entry) => {
    const raw = isJsonObject(entry) && Array.isArray(entry.ErrorEquals) ? entry.ErrorEquals : [];
    const list = raw.filter((e): e is string => typeof e === "string");
    return errorMatches(list, error) || aliases.some((alias) => list.includes(alias));
  });
}

/**
 * Delay before retry number `attempt` (1 for the first retry):
 * IntervalSeconds x BackoffRate^(attempt-1), capped by MaxDelaySeconds, and with FULL jitter a
 * uniform draw in [0, delay] from the injected random source.
 */
export function retryDelayMs(retrier: Retrier, attempt: number, random: () => number): number {
  let seconds = retrier.intervalSeconds * retrier.backoffRate ** (attempt - 1);
  if (retrier.maxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.maxDelaySeconds);
  if (retrier.jitter === "FULL") seconds = random() * seconds;
  return Math.round(seconds * 1000);
}
