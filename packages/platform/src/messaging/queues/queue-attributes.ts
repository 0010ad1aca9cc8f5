import { queueError } from "./errors.js";

/** SQS's limits (seconds and bytes, as on the wire). */
export const QUEUE_LIMITS = {
  maxMessageBytes: 262_144,
  maxBatchEntries: 10,
  maxVisibilitySeconds: 43_200,
  maxWaitSeconds: 20,
  maxDelaySeconds: 900,
  minRetentionSeconds: 60,
  maxRetentionSeconds: 1_209_600,
  maxReceiveCount: 1_000,
  maxMessageAttributes: 10,
  maxTags: 50,
  dedupWindowMs: 300_000,
  purgeIntervalMs: 60_000,
} as const;

/** Attributes a user sets; values as strings, as SQS keeps them. */
export type QueueAttributes = Record<string, string>;

const NUMERIC: Record<string, { min: number; max: number; default: number }> = {
  DelaySeconds: { min: 0, max: QUEUE_LIMITS.maxDelaySeconds, default: 0 },
  MaximumMessageSize: {
    min: 1_024,
    max: QUEUE_LIMITS.maxMessageBytes,
    default: QUEUE_LIMITS.maxMessageBytes,
  },
  MessageRetentionPeriod: {
    min: QUEUE_LIMITS.minRetentionSeconds,
    max: QUEUE_LIMITS.maxRetentionSeconds,
    default: 345_600,
  },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: QUEUE_LIMITS.maxWaitSeconds, default: 0 },
  VisibilityTimeout: { min: 0, max: QUEUE_LIMITS.maxVisibilitySeconds, default: 30 },
};

/** FIFO-only attributes and their allowed values. */
const FIFO_ONLY: Record<string, readonly string[]> = {
  ContentBasedDeduplication: ["true", "false"],
  DeduplicationScope: ["messageGroup", "queue"],
  FifoThroughputLimit: ["perQueue", "perMessageGroupId"],
};

/** Computed by Nimbus; naming one in Create/SetQueueAttributes is InvalidAttributeName. */
export const READ_ONLY_ATTRIBUTES = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn",
] as const;

/** Encryption at rest that Nimbus does not do: refused rather than pretended (docs/queues.md). */
const ENCRYPTION = ["KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"];

/** Every attribute name GetQueueAttributes knows, in the order AWS lists them. */
export const ALL_ATTRIBUTE_NAMES = [
  "QueueArn",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "VisibilityTimeout",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "DelaySeconds",
  "ReceiveMessageWaitTimeSeconds",
  "Policy",
  "RedrivePolicy",
  "RedriveAllowPolicy",
  "SqsManagedSseEnabled",
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
] as const;

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** The effective value of every settable attribute of a queue (defaults filled in). */
export function effectiveAttributes(fifo: boolean, set: QueueAttributes): QueueAttributes {
  const out: QueueAttributes = {};
  for (const [name, spec] of Object.entries(NUMERIC)) out[name] = set[name] ?? String(spec.default);
  out.SqsManagedSseEnabled = "false";
  for (const name of ["Policy", "RedrivePolicy", "RedriveAllowPolicy"]) {
    const value = set[name];
    if (value !== undefined && value !== "") out[name] = value;
  }
  if (fifo) {
    out.FifoQueue = "true";
    out.ContentBasedDeduplication = set.ContentBasedDeduplication ?? "false";
    out.DeduplicationScope = set.DeduplicationScope ?? "queue";
    out.FifoThroughputLimit = set.FifoThroughputLimit ?? "perQueue";
  }
  return out;
}

/**
 * Validates attributes given to CreateQueue (`creating`) or SetQueueAttributes and returns them
 * normalized. RedrivePolicy's target is checked by the caller (it needs the queue registry).
 */
export function validateAttributes(
  fifo: boolean,
  given: QueueAttributes,
  creating: boolean,
): QueueAttributes {
  const out: QueueAttributes = {};
  for (const [name, value] of Object.entries(given)) {
    const numeric = NUMERIC[name];
    if (numeric) {
      out[name] = String(integerIn(name, value, numeric.min, numeric.max));
    } else if (name === "FifoQueue") {
      if (!creating) throw queueError.invalidAttributeName(name);
      if (value !== String(fifo))
        throw queueError.invalidAttributeValue(`Invalid value for the parameter FifoQueue.`);
    } else if (FIFO_ONLY[name]) {
      if (!fifo) throw queueError.invalidAttributeName(name);
      if (!FIFO_ONLY[name]?.includes(value))
        throw queueError.invalidAttributeValue(`Invalid value for the parameter ${name}.`);
      out[name] = value;
    } else if (name === "RedrivePolicy") {
      // Kept as SQS returns it: exactly these two members, maxReceiveCount a number.
      out[name] = value === "" ? "" : JSON.stringify(parseRedrivePolicy(value));
    } else if (name === "RedriveAllowPolicy") {
      if (value !== "") parseRedriveAllowPolicy(value);
      out[name] = value;
    } else if (name === "Policy") {
      if (value !== "") parseJsonObject(name, value);
      out[name] = value;
    } else if (name === "SqsManagedSseEnabled") {
      if (value === "true")
        throw queueError.invalidAttributeValue(
          "SqsManagedSseEnabled=true is not supported by Nimbus: messages are not encrypted at rest.",
        );
      if (value !== "false")
        throw queueError.invalidAttributeValue("Invalid value for the parameter SqsManagedSseEnabled.");
    } else if (ENCRYPTION.includes(name)) {
      throw queueError.invalidAttributeValue(
        `${name} is not supported by Nimbus: messages are not encrypted at rest.`,
      );
    } else {
      throw queueError.invalidAttributeName(name);
    }
  }
  return out;
}

/** Parses a RedrivePolicy attribute (AWS accepts maxReceiveCount as a number or a string). */
export function parseRedrivePolicy(value: string): RedrivePolicy {
  const policy = parseJsonObject("RedrivePolicy", value);
  const target = policy.deadLetterTargetArn;
  const count = Number(policy.maxReceiveCount);
  const invalid = (reason: string) =>
    queueError.invalidParameterValue(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
    );
  if (typeof target !== "string" || !/^arn:aws[a-z-]*:sqs:[^:]+:\d{12}:[^:]+$/.test(target))
    throw invalid("Invalid value for deadLetterTargetArn.");
  if (!Number.isInteger(count) || count < 1 || count > QUEUE_LIMITS.maxReceiveCount)
    throw invalid(
      `Invalid value for maxReceiveCount: ${String(policy.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
    );
  return { deadLetterTargetArn: target, maxReceiveCount: count };
}

/** RedriveAllowPolicy: which source queues may name this queue as their dead-letter queue. */
export interface RedriveAllowPolicy {
  redrivePermission: "allowAll" | "denyAll" | "byQueue";
  sourceQueueArns: string[];
}

/** Parses and checks a RedriveAllowPolicy attribute (InvalidAttributeValue when malformed). */
export function parseRedriveAllowPolicy(value: string): RedriveAllowPolicy {
  const policy = parseJsonObject("RedriveAllowPolicy", value);
  const permission = policy.redrivePermission;
  const sources = policy.sourceQueueArns ?? [];
  if (permission !== "allowAll" && permission !== "denyAll" && permission !== "byQueue")
    throw queueError.invalidAttributeValue(
      "Invalid value for the parameter RedriveAllowPolicy: redrivePermission.",
    );
  if (!Array.isArray(sources) || !sources.every((s) => typeof s === "string") || sources.length > 10)
    throw queueError.invalidAttributeValue(
      "Invalid value for the parameter RedriveAllowPolicy: sourceQueueArns.",
    );
  if (permission === "byQueue" && sources.length === 0)
    throw queueError.invalidAttributeValue(
      "Invalid value for the parameter RedriveAllowPolicy: byQueue needs sourceQueueArns.",
    );
  return { redrivePermission: permission, sourceQueueArns: sources as string[] };
}

function parseJsonObject(name: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw queueError.invalidAttributeValue(`Invalid value for the parameter ${name}.`);
  return parsed as Record<string, unknown>;
}

function integerIn(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max)
    throw queueError.invalidAttributeValue(`Invalid value for the parameter ${name}.`);
  return n;
}
