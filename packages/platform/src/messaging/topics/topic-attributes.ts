import type { AccountScope } from "../../core/arn.js";
import { DEFAULT_EFFECTIVE_DELIVERY_POLICY, validateDeliveryPolicy } from "./delivery-policy.js";
import { topicError } from "./errors.js";
import type { TopicRecord } from "./topic-model.js";

/**
 * Topic attributes: which ones Nimbus stores and applies, their checks, and the read-only ones
 * GetTopicAttributes adds. KMS encryption, archiving, data protection and X-Ray tracing are SNS
 * features Nimbus does not have: setting them is refused with an error that names them.
 */
const SETTABLE = new Set(["DisplayName", "Policy", "DeliveryPolicy", "SignatureVersion", "TracingConfig"]);
const CREATE_ONLY = new Set(["FifoTopic"]);
const FIFO_ONLY = new Set(["ContentBasedDeduplication"]);
const UNSUPPORTED = new Set([
  "KmsMasterKeyId",
  "ArchivePolicy",
  "DataProtectionPolicy",
  "FifoThroughputScope",
  "HTTPSuccessFeedbackRoleArn",
  "HTTPFailureFeedbackRoleArn",
  "HTTPSuccessFeedbackSampleRate",
  "SQSSuccessFeedbackRoleArn",
  "SQSFailureFeedbackRoleArn",
  "SQSSuccessFeedbackSampleRate",
  "LambdaSuccessFeedbackRoleArn",
  "LambdaFailureFeedbackRoleArn",
  "LambdaSuccessFeedbackSampleRate",
]);

/** Checks one attribute for CreateTopic (`creating`) or SetTopicAttributes; returns the stored value. */
export function checkTopicAttribute(name: string, value: string, fifo: boolean, creating: boolean): string {
  if (UNSUPPORTED.has(name)) throw topicError.unsupported(`The topic attribute ${name}`);
  if (CREATE_ONLY.has(name)) {
    if (!creating) throw topicError.invalidParameter("AttributeName");
    if (value !== "true" && value !== "false") throw topicError.invalidParameter("FifoTopic");
    return value;
  }
  if (FIFO_ONLY.has(name)) {
    if (!fifo)
      throw topicError.invalidParameter(
        "ContentBasedDeduplication Reason: ContentBasedDeduplication can only be set for FIFO topics",
      );
    if (value !== "true" && value !== "false") throw topicError.invalidParameter("ContentBasedDeduplication");
    return value;
  }
  if (!SETTABLE.has(name)) throw topicError.invalidParameter("AttributeName");
  switch (name) {
    case "DisplayName":
      if (value.length > 100) throw topicError.invalidParameter("DisplayName");
      break;
    case "Policy":
      if (value !== "") assertJsonObject(value, "Policy");
      break;
    case "DeliveryPolicy":
      if (value !== "") validateDeliveryPolicy(value, true);
      break;
    case "SignatureVersion":
      if (value !== "1" && value !== "2") throw topicError.invalidParameter("SignatureVersion");
      break;
    case "TracingConfig":
      if (value === "Active") throw topicError.unsupported("TracingConfig Active (X-Ray tracing)");
      if (value !== "PassThrough") throw topicError.invalidParameter("TracingConfig");
      break;
  }
  return value;
}

function assertJsonObject(value: string, name: string): void {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return;
  } catch {
    // reported below
  }
  throw topicError.invalidParameter(`${name}: Invalid policy document`);
}

/** SNS's default access policy of a new topic. */
export function defaultPolicy(scope: AccountScope, arn: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": scope.accountId } },
      },
    ],
  });
}

/** Everything GetTopicAttributes returns. */
export function topicAttributes(
  scope: AccountScope,
  topic: TopicRecord,
  counts: { confirmed: number; pending: number },
): Record<string, string> {
  const a = topic.attributes;
  const out: Record<string, string> = {
    Policy: a.Policy || defaultPolicy(scope, topic.arn),
    Owner: scope.accountId,
    SubscriptionsPending: String(counts.pending),
    TopicArn: topic.arn,
    EffectiveDeliveryPolicy: a.DeliveryPolicy || DEFAULT_EFFECTIVE_DELIVERY_POLICY,
    SubscriptionsConfirmed: String(counts.confirmed),
    DisplayName: a.DisplayName ?? "",
    SubscriptionsDeleted: "0",
  };
  if (a.DeliveryPolicy) out.DeliveryPolicy = a.DeliveryPolicy;
  if (a.SignatureVersion) out.SignatureVersion = a.SignatureVersion;
  if (a.TracingConfig) out.TracingConfig = a.TracingConfig;
  if (topic.fifo) {
    out.FifoTopic = "true";
    out.ContentBasedDeduplication = String(topic.contentBasedDeduplication);
  }
  return out;
}
