import type { AccountScope } from "../../core/arn.js";
import { topicError } from "./errors.js";
import type { FilterPolicyScope } from "./filter-policy-validate.js";

/** Metadata kinds: topics keyed by name, subscriptions by `<topic name>/<subscription id>`. */
export const TOPIC_KIND = "sns-topic";
export const SUBSCRIPTION_KIND = "sns-subscription";

export interface TopicRecord {
  arn: string;
  name: string;
  fifo: boolean;
  contentBasedDeduplication: boolean;
  /** Settable attributes as given (DisplayName, Policy, DeliveryPolicy, ...). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
}

export type SubscriptionProtocol = "sqs" | "lambda" | "http" | "https";

export interface SubscriptionRecord {
  arn: string;
  topicArn: string;
  protocol: SubscriptionProtocol;
  endpoint: string;
  confirmed: boolean;
  /** Pending http/https subscriptions: the confirmation token and when it expires (epoch ms). */
  token?: string;
  tokenExpiresAt?: number;
  confirmationWasAuthenticated: boolean;
  rawMessageDelivery: boolean;
  /** The policy as given (returned verbatim by GetSubscriptionAttributes). */
  filterPolicy?: string;
  filterPolicyScope: FilterPolicyScope;
  /** `{"deadLetterTargetArn": "<sqs arn>"}` as given. */
  redrivePolicy?: string;
  deliveryPolicy?: string;
  createdAt: number;
}

/** Subscription key in the metadata store. */
export function subscriptionKey(topicName: string, id: string): string {
  return `${topicName}/${id}`;
}

export function topicArn(scope: AccountScope, name: string): string {
  return `arn:aws:sns:${scope.region}:${scope.accountId}:${name}`;
}

const TOPIC_ARN = /^arn:aws[a-zA-Z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const SUBSCRIPTION_ARN =
  /^arn:aws[a-zA-Z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?):([0-9a-f-]{36})$/;

/**
 * The topic name of a topic ARN of this account and region; InvalidParameter for a malformed ARN,
 * NotFound for another account or region (no such topic here).
 */
export function topicNameOf(scope: AccountScope, arn: string | undefined, parameter = "TopicArn"): string {
  const m = TOPIC_ARN.exec(arn ?? "");
  if (!m) throw topicError.invalidParameter(`${parameter}`);
  if (m[1] !== scope.region || m[2] !== scope.accountId) throw topicError.topicNotFound();
  return m[3] ?? "";
}

/** `{ topicName, id }` of a subscription ARN; InvalidParameter when malformed. */
export function parseSubscriptionArn(
  scope: AccountScope,
  arn: string | undefined,
): { topicName: string; id: string } | undefined {
  const m = SUBSCRIPTION_ARN.exec(arn ?? "");
  if (!m) throw topicError.invalidParameter("SubscriptionArn");
  if (m[1] !== scope.region || m[2] !== scope.accountId) return undefined;
  return { topicName: m[3] ?? "", id: m[4] ?? "" };
}

const NAME = /^[A-Za-z0-9_-]{1,256}$/;

/** Checks a CreateTopic name against the FifoTopic attribute, with SNS's messages. */
export function assertTopicName(name: string | undefined, fifo: boolean): string {
  if (name === undefined || name === "") throw topicError.invalidParameter("Topic Name");
  if (fifo) {
    if (!name.endsWith(".fifo") || !NAME.test(name.slice(0, -5)) || name.length > 256)
      throw topicError.invalidParameter(
        "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
      );
    return name;
  }
  if (!NAME.test(name)) throw topicError.invalidParameter("Topic Name");
  return name;
}
