import { topicError } from "./errors.js";

/**
 * SNS's HTTP/S delivery policy (docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html):
 * after a failed attempt, `numNoDelayRetries` immediate retries, `numMinDelayRetries` at
 * `minDelayTarget`, a backoff phase from min to max delay, then `numMaxDelayRetries` at
 * `maxDelayTarget`; `numRetries` in all. Delays are seconds.
 */
export interface RetryPolicy {
  numRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  numMaxDelayRetries: number;
  minDelayTarget: number;
  maxDelayTarget: number;
  backoffFunction: "linear" | "arithmetic" | "geometric" | "exponential";
}

/** SNS's default for HTTP/S: 3 retries, 20 seconds apart. */
export const DEFAULT_HTTP_RETRY_POLICY: RetryPolicy = {
  numRetries: 3,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  numMaxDelayRetries: 0,
  minDelayTarget: 20,
  maxDelayTarget: 20,
  backoffFunction: "linear",
};

/** The default topic DeliveryPolicy, as GetTopicAttributes' EffectiveDeliveryPolicy shows it. */
export const DEFAULT_EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: DEFAULT_HTTP_RETRY_POLICY,
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" },
  },
});

const FUNCTIONS = new Set(["linear", "arithmetic", "geometric", "exponential"]);
const CONTENT_TYPES = new Set([
  "text/plain",
  "application/json",
  "application/xml",
  "text/plain; charset=UTF-8",
]);

/** What a delivery needs from the topic and subscription policies. */
export interface HttpDeliverySettings {
  retry: RetryPolicy;
  contentType: string;
}

/** Validates a DeliveryPolicy document (topic form when `topic`, else subscription form). */
export function validateDeliveryPolicy(text: string, topic: boolean): void {
  const bad = (why: string) => topicError.invalidParameter(`DeliveryPolicy: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad("failed to parse JSON");
  }
  if (typeof doc !== "object" || doc === null) throw bad("must be a JSON object");
  const section = topic ? (doc as { http?: unknown }).http : doc;
  if (topic) {
    const keys = Object.keys(doc).filter((k) => k !== "http");
    if (keys.length > 0) throw topicError.unsupported(`DeliveryPolicy for protocol ${keys.join(", ")}`);
    if (section === undefined) return;
  }
  if (typeof section !== "object" || section === null) throw bad("http must be a JSON object");
  const s = section as Record<string, unknown>;
  const allowed = topic
    ? ["defaultHealthyRetryPolicy", "disableSubscriptionOverrides", "defaultRequestPolicy"]
    : ["healthyRetryPolicy", "requestPolicy"];
  for (const key of Object.keys(s)) {
    if (key === "throttlePolicy" || key === "defaultThrottlePolicy")
      throw topicError.unsupported(`DeliveryPolicy ${key}`);
    if (!allowed.includes(key)) throw bad(`Unknown field ${key}`);
  }
  const retry = s[topic ? "defaultHealthyRetryPolicy" : "healthyRetryPolicy"];
  if (retry !== undefined) retryPolicy(retry, bad);
  const request = s[topic ? "defaultRequestPolicy" : "requestPolicy"] as
    | { headerContentType?: unknown }
    | undefined;
  if (request?.headerContentType !== undefined && !CONTENT_TYPES.has(String(request.headerContentType)))
    throw bad(`headerContentType ${String(request.headerContentType)} is not supported`);
}

function retryPolicy(value: unknown, bad: (why: string) => Error): RetryPolicy {
  if (typeof value !== "object" || value === null) throw bad("healthyRetryPolicy must be a JSON object");
  const v = { ...DEFAULT_HTTP_RETRY_POLICY, ...(value as Partial<RetryPolicy>) };
  const ints: (keyof RetryPolicy)[] = [
    "numRetries",
    "numNoDelayRetries",
    "numMinDelayRetries",
    "numMaxDelayRetries",
    "minDelayTarget",
    "maxDelayTarget",
  ];
  for (const key of ints)
    if (!Number.isInteger(v[key]) || (v[key] as number) < 0)
      throw bad(`${key} must be a non-negative integer`);
  if (v.numRetries > 100) throw bad("numRetries must be at most 100");
  if (v.minDelayTarget < 1 || v.maxDelayTarget > 3600 || v.minDelayTarget > v.maxDelayTarget)
    throw bad("minDelayTarget must be at least 1 and at most maxDelayTarget, which must be at most 3600");
  if (v.numNoDelayRetries + v.numMinDelayRetries + v.numMaxDelayRetries > v.numRetries)
    throw bad("numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries");
  if (!FUNCTIONS.has(v.backoffFunction)) throw bad(`Unknown backoffFunction ${String(v.backoffFunction)}`);
  return v;
}

/** The settings in force for one HTTP/S subscription (subscription overrides the topic). */
export function httpDeliverySettings(
  topicPolicy: string | undefined,
  subscriptionPolicy: string | undefined,
): HttpDeliverySettings {
  const noop = (why: string) => new Error(why);
  const topic = topicPolicy
    ? ((JSON.parse(topicPolicy) as { http?: Record<string, unknown> }).http ?? {})
    : {};
  const sub = subscriptionPolicy ? (JSON.parse(subscriptionPolicy) as Record<string, unknown>) : {};
  const overrides = topic.disableSubscriptionOverrides !== true;
  const retrySource =
    (overrides ? sub.healthyRetryPolicy : undefined) ??
    topic.defaultHealthyRetryPolicy ??
    DEFAULT_HTTP_RETRY_POLICY;
  const request = ((overrides ? sub.requestPolicy : undefined) ?? topic.defaultRequestPolicy) as
    | { headerContentType?: string }
    | undefined;
  return {
    retry: retryPolicy(retrySource, noop),
    contentType: request?.headerContentType ?? "text/plain; charset=UTF-8",
  };
}

/**
 * Delay in seconds before retry number `retry` (1-based), or undefined when the policy has no
 * retry left.
 */
export function retryDelaySeconds(policy: RetryPolicy, retry: number): number | undefined {
  if (retry > policy.numRetries) return undefined;
  if (retry <= policy.numNoDelayRetries) return 0;
  if (retry <= policy.numNoDelayRetries + policy.numMinDelayRetries) return policy.minDelayTarget;
  const backoffRetries =
    policy.numRetries - policy.numNoDelayRetries - policy.numMinDelayRetries - policy.numMaxDelayRetries;
  const index = retry - policy.numNoDelayRetries - policy.numMinDelayRetries;
  if (index > backoffRetries) return policy.maxDelayTarget;
  const { minDelayTarget: min, maxDelayTarget: max } = policy;
  if (backoffRetries <= 1) return min;
  const t = (index - 1) / (backoffRetries - 1);
  const curve =
    policy.backoffFunction === "linear"
      ? t
      : policy.backoffFunction === "arithmetic"
        ? t * t
        : policy.backoffFunction === "geometric"
          ? t ** 3
          : t ** 4;
  return Math.round(min + (max - min) * curve);
}
