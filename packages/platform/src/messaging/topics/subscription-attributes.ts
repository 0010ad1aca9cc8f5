import { DEFAULT_HTTP_RETRY_POLICY, validateDeliveryPolicy } from "./delivery-policy.js";
import { topicError } from "./errors.js";
import { FilterPolicyError, type FilterPolicyScope, parseFilterPolicy } from "./filter-policy-validate.js";
import type { SubscriptionRecord } from "./topic-model.js";

/**
 * Subscription attributes: checks (with SNS's messages) and the document GetSubscriptionAttributes
 * returns. `reason` prefixes messages the way SNS does: Subscribe says
 * `Invalid parameter: Attributes Reason: ...`, SetSubscriptionAttributes `Invalid parameter: ...`.
 */
const UNSUPPORTED = new Set(["SubscriptionRoleArn", "ReplayPolicy"]);
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** Applies one attribute to `sub` (validated against its protocol). */
export function applySubscriptionAttribute(
  sub: SubscriptionRecord,
  name: string,
  value: string,
  onSubscribe: boolean,
  canDeliver: (arn: string) => boolean,
): void {
  const reason = onSubscribe ? "Attributes Reason: " : "";
  const invalid = (why: string) => topicError.invalidParameter(`${reason}${why}`);
  if (UNSUPPORTED.has(name)) throw topicError.unsupported(`The subscription attribute ${name}`);
  switch (name) {
    case "RawMessageDelivery":
      if (value !== "true" && value !== "false")
        throw invalid(`RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
      if (value === "true" && sub.protocol === "lambda")
        throw invalid(`Delivery protocol [${sub.protocol}] does not support raw message delivery.`);
      sub.rawMessageDelivery = value === "true";
      return;
    case "FilterPolicy":
      if (value === "") {
        delete sub.filterPolicy;
        return;
      }
      checkPolicy(value, sub.filterPolicyScope, invalid);
      sub.filterPolicy = value;
      return;
    case "FilterPolicyScope": {
      if (value !== "MessageAttributes" && value !== "MessageBody")
        throw invalid(
          "FilterPolicyScope: Invalid filter policy scope, please use either MessageBody or MessageAttributes",
        );
      if (sub.filterPolicy !== undefined) checkPolicy(sub.filterPolicy, value, invalid);
      sub.filterPolicyScope = value;
      return;
    }
    case "RedrivePolicy":
      if (value === "") {
        delete sub.redrivePolicy;
        return;
      }
      checkRedrivePolicy(value, invalid, canDeliver);
      sub.redrivePolicy = value;
      return;
    case "DeliveryPolicy":
      if (sub.protocol !== "http" && sub.protocol !== "https")
        throw invalid(
          `DeliveryPolicy: Delivery protocol [${sub.protocol}] does not support delivery policies`,
        );
      if (value === "") {
        delete sub.deliveryPolicy;
        return;
      }
      validateDeliveryPolicy(value, false);
      sub.deliveryPolicy = value;
      return;
    default:
      throw invalid("AttributeName");
  }
}

function checkPolicy(text: string, scope: FilterPolicyScope, invalid: (why: string) => Error): void {
  try {
    parseFilterPolicy(text, scope);
  } catch (error) {
    if (error instanceof FilterPolicyError) throw invalid(error.message);
    throw error;
  }
}

function checkRedrivePolicy(
  value: string,
  invalid: (why: string) => Error,
  canDeliver: (arn: string) => boolean,
): void {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    throw invalid("RedrivePolicy: failed to parse JSON.");
  }
  const arn = (doc as { deadLetterTargetArn?: unknown } | null)?.deadLetterTargetArn;
  if (typeof arn !== "string") throw invalid("RedrivePolicy: deadLetterTargetArn is missing");
  if (!SQS_ARN.test(arn)) throw invalid(`RedrivePolicy: deadLetterTargetArn is an invalid arn`);
  if (!canDeliver(arn))
    throw topicError.unsupported(`RedrivePolicy to ${arn} (no queue service is available)`);
}

/** The dead-letter queue ARN of a subscription, if it has one. */
export function deadLetterArn(sub: SubscriptionRecord): string | undefined {
  if (!sub.redrivePolicy) return undefined;
  return (JSON.parse(sub.redrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
}

/** Everything GetSubscriptionAttributes returns. */
export function subscriptionAttributes(
  sub: SubscriptionRecord,
  owner: string,
  topicDeliveryPolicy: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {
    ConfirmationWasAuthenticated: String(sub.confirmationWasAuthenticated),
    Endpoint: sub.endpoint,
    Owner: owner,
    PendingConfirmation: String(!sub.confirmed),
    Protocol: sub.protocol,
    RawMessageDelivery: String(sub.rawMessageDelivery),
    SubscriptionArn: sub.arn,
    TopicArn: sub.topicArn,
    SubscriptionPrincipal: `arn:aws:iam::${owner}:user/nimbus`,
  };
  if (sub.filterPolicy !== undefined) {
    out.FilterPolicy = sub.filterPolicy;
    out.FilterPolicyScope = sub.filterPolicyScope;
  }
  if (sub.redrivePolicy !== undefined) out.RedrivePolicy = sub.redrivePolicy;
  if (sub.protocol === "http" || sub.protocol === "https") {
    if (sub.deliveryPolicy !== undefined) out.DeliveryPolicy = sub.deliveryPolicy;
    out.EffectiveDeliveryPolicy = effectiveHttpPolicy(sub.deliveryPolicy, topicDeliveryPolicy);
  }
  return out;
}

function effectiveHttpPolicy(sub: string | undefined, topic: string | undefined): string {
  const topicHttp = topic ? ((JSON.parse(topic) as { http?: Record<string, unknown> }).http ?? {}) : {};
  const own = sub ? (JSON.parse(sub) as Record<string, unknown>) : {};
  return JSON.stringify({
    healthyRetryPolicy:
      own.healthyRetryPolicy ?? topicHttp.defaultHealthyRetryPolicy ?? DEFAULT_HTTP_RETRY_POLICY,
    requestPolicy: own.requestPolicy ??
      topicHttp.defaultRequestPolicy ?? { headerContentType: "text/plain; charset=UTF-8" },
  });
}
