import { randomUUID } from "node:crypto";
import type { NewQueueMessage } from "../../storage/queue-store.js";
import { queueError } from "./errors.js";
import {
  contentDedupId,
  type MessageAttributes,
  md5OfAttributes,
  md5OfBody,
  messageSize,
  validateBody,
  validateMessageAttributes,
} from "./message-format.js";
import { effectiveAttributes, QUEUE_LIMITS } from "./queue-attributes.js";
import { checkSeconds } from "./queue-checks.js";
import type { QueueRecord } from "./queue-registry.js";
import type { OutgoingMessage, SentMessage } from "./queue-types.js";

/** What a stored message keeps besides its body (QueueStore `meta`). */
export interface MessageMeta {
  attributes?: MessageAttributes;
  md5OfAttributes?: string;
  systemAttributes?: MessageAttributes;
  /** The dedup id as given (the store's key may be scoped to the group). */
  dedupId?: string;
  senderId: string;
}

export interface PreparedMessage {
  /** What the store keeps. */
  stored: NewQueueMessage;
  /** The answer, before the store assigns the sequence number (and dedup may swap the id). */
  sent: SentMessage;
}

/**
 * Validates a message for `record` as SQS does (body, attributes, size, delay, FIFO ids) and
 * builds what the store keeps and what the sender is answered.
 */
export function prepareMessage(
  record: QueueRecord,
  message: OutgoingMessage,
  now: number,
  accountId: string,
): PreparedMessage {
  const body = validateBody(message.body);
  const attributes = message.attributes ?? {};
  validateMessageAttributes(attributes);
  const systemAttributes = message.systemAttributes ?? {};
  for (const name of Object.keys(systemAttributes))
    if (name !== "AWSTraceHeader")
      throw queueError.invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
  const queueAttributes = effectiveAttributes(record.fifo, record.attributes);
  const size = messageSize(body, attributes);
  const limit = Number(queueAttributes.MaximumMessageSize);
  if (size > limit)
    throw queueError.invalidParameterValue(
      `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
    );
  let delaySeconds = Number(queueAttributes.DelaySeconds);
  if (message.delaySeconds !== undefined) {
    if (record.fifo)
      throw queueError.invalidParameterValue(
        `Value ${message.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    delaySeconds = checkSeconds("DelaySeconds", message.delaySeconds, QUEUE_LIMITS.maxDelaySeconds);
  }
  const stored: NewQueueMessage = {
    messageId: randomUUID(),
    body,
    sentAt: now,
    visibleAt: now + delaySeconds * 1000,
  };
  const meta: MessageMeta = { senderId: message.senderId ?? accountId };
  const md5Attributes = md5OfAttributes(attributes);
  if (md5Attributes) {
    meta.attributes = attributes;
    meta.md5OfAttributes = md5Attributes;
  }
  if (Object.keys(systemAttributes).length > 0) meta.systemAttributes = systemAttributes;
  if (record.fifo) {
    if (!message.groupId) throw queueError.missingParameter("MessageGroupId");
    checkFifoId("MessageGroupId", message.groupId);
    const dedupId =
      message.dedupId ??
      (queueAttributes.ContentBasedDeduplication === "true" ? contentDedupId(body) : undefined);
    if (dedupId === undefined)
      throw queueError.invalidParameterValue(
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
      );
    checkFifoId("MessageDeduplicationId", dedupId);
    stored.groupId = message.groupId;
    meta.dedupId = dedupId;
    stored.dedupId =
      queueAttributes.DeduplicationScope === "messageGroup" ? `${message.groupId}\u0000${dedupId}` : dedupId;
  } else if (message.groupId !== undefined || message.dedupId !== undefined) {
    const name = message.groupId !== undefined ? "MessageGroupId" : "MessageDeduplicationId";
    throw queueError.invalidParameterValue(
      `The request include parameter ${name} that is not valid for this queue type`,
    );
  }
  stored.meta = meta;
  const sent: SentMessage = {
    messageId: stored.messageId,
    md5OfBody: md5OfBody(body),
    md5OfMessageAttributes: md5Attributes,
    md5OfMessageSystemAttributes: md5OfAttributes(systemAttributes),
    sequenceNumber: undefined,
  };
  return { stored, sent };
}

function checkFifoId(name: string, value: string): void {
  if (!/^[\x21-\x7E]{1,128}$/.test(value))
    throw queueError.invalidParameterValue(
      `Value ${value} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    );
}
