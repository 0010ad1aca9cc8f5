import { createHash } from "node:crypto";
import type { QueryParams } from "../../aws/query-protocol.js";
import { topicError } from "./errors.js";
import { attributesSize, type MessageAttributeValue, readMessageAttributes } from "./message-attributes.js";
import type { TopicRecord } from "./topic-model.js";

/** SNS's limit on a message with its attributes, and on a whole PublishBatch. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** One message to publish, validated against its topic. */
export interface PublishInput {
  message: string;
  /** MessageStructure=json: the message per protocol (`default` always present). */
  messages?: Record<string, string>;
  subject?: string;
  attributes: Record<string, MessageAttributeValue>;
  groupId?: string;
  dedupId?: string;
  /** Bytes counted toward the limits. */
  size: number;
}

const ID_CHARS = /^[\x21-\x7e]{1,128}$/;

/**
 * Reads and validates the fields of a Publish (or of one PublishBatch entry, whose fields have the
 * same names) for `topic`, with SNS's errors.
 */
export function readPublishInput(params: QueryParams, topic: TopicRecord): PublishInput {
  const message = params.get("Message");
  if (message === undefined || message === "") throw topicError.invalidParameter("Empty message");
  const attributes = readMessageAttributes(params);
  const size = Buffer.byteLength(message) + attributesSize(attributes);
  if (size > MAX_MESSAGE_BYTES) throw topicError.invalidParameter("Message too long");
  const input: PublishInput = { message, attributes, size };

  const structure = params.get("MessageStructure");
  if (structure !== undefined && structure !== "") {
    if (structure !== "json") throw topicError.invalidParameter("MessageStructure");
    input.messages = perProtocol(message);
  }
  const subject = params.get("Subject");
  if (subject !== undefined) {
    // Subjects are 1-100 printable ASCII characters without line breaks.
    if (subject === "" || subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject))
      throw topicError.invalidParameter("Subject");
    input.subject = subject;
  }

  const groupId = params.get("MessageGroupId");
  const dedupId = params.get("MessageDeduplicationId");
  if (!topic.fifo) {
    if (dedupId !== undefined)
      throw topicError.invalidParameter(
        "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
      );
    if (groupId !== undefined)
      throw topicError.invalidParameter(
        "MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type",
      );
    return input;
  }
  if (groupId === undefined || groupId === "")
    throw topicError.invalidParameter("The MessageGroupId parameter is required for FIFO topics");
  if (!ID_CHARS.test(groupId))
    throw topicError.invalidParameter(
      "MessageGroupId Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
    );
  input.groupId = groupId;
  if (dedupId !== undefined) {
    if (!ID_CHARS.test(dedupId))
      throw topicError.invalidParameter(
        "MessageDeduplicationId Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
      );
    input.dedupId = dedupId;
  } else if (topic.contentBasedDeduplication) {
    input.dedupId = createHash("sha256").update(message).digest("hex");
  } else {
    throw topicError.invalidParameter(
      "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
    );
  }
  return input;
}

function perProtocol(message: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    throw topicError.invalidParameter("Message Structure - JSON message body failed to parse");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw topicError.invalidParameter("Message Structure - JSON message body failed to parse");
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (typeof value !== "string")
      throw topicError.invalidParameter(`Message Structure - the value of ${key} must be a string`);
    out[key] = value;
  }
  if (out.default === undefined)
    throw topicError.invalidParameter("Message Structure - No default entry in JSON message body");
  return out;
}

/** The message a subscriber of `protocol` receives. */
export function messageFor(
  input: { message: string; messages?: Record<string, string> },
  protocol: string,
): string {
  if (!input.messages) return input.message;
  return input.messages[protocol] ?? input.messages.default ?? input.message;
}
