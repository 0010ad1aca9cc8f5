import type { MessageAttributes } from "./message-format.js";
import type { QueueAttributes, RedrivePolicy } from "./queue-attributes.js";

/** A message to send, wire-neutral. */
export interface OutgoingMessage {
  body: string;
  attributes?: MessageAttributes;
  /** Message system attributes (only AWSTraceHeader exists). */
  systemAttributes?: MessageAttributes;
  /** Per-message delay; refused on FIFO queues, as AWS does. */
  delaySeconds?: number;
  /** FIFO: required. */
  groupId?: string;
  /** FIFO: required unless the queue has ContentBasedDeduplication. */
  dedupId?: string;
  /** Who sent it (SenderId); the account id when not given. */
  senderId?: string;
}

export interface SentMessage {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes: string | undefined;
  md5OfMessageSystemAttributes: string | undefined;
  /** FIFO only. */
  sequenceNumber: string | undefined;
}

/** System attributes of a received message, under AWS's names. */
export interface MessageSystemAttributes {
  ApproximateReceiveCount: string;
  SentTimestamp: string;
  ApproximateFirstReceiveTimestamp: string;
  SenderId: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  SequenceNumber?: string;
  AWSTraceHeader?: string;
  /** On a message a redrive moved to this (dead-letter) queue: the queue it came from. */
  DeadLetterQueueSourceArn?: string;
}

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  md5OfMessageAttributes: string | undefined;
  messageAttributes: MessageAttributes;
  attributes: MessageSystemAttributes;
}

export interface ReceiveRequest {
  /** 1..10. */
  max: number;
  /** Long-poll bound; the queue's ReceiveMessageWaitTimeSeconds when undefined. */
  waitMs?: number;
  /** The queue's VisibilityTimeout when undefined. */
  visibilityMs?: number;
  /** Ends a long poll early (a consumer shutting down). */
  signal?: AbortSignal;
  /** FIFO ReceiveRequestAttemptId: a retry with the same id gets the same messages (5 minutes). */
  attemptId?: string;
}

export interface BatchEntry<T> {
  id: string;
  value: T;
}

export interface BatchFailure {
  id: string;
  /** The awsQuery code (`InvalidParameterValue`, `ReceiptHandleIsInvalid`, ...). */
  code: string;
  message: string;
  senderFault: boolean;
}

export interface BatchResult<T> {
  successful: ({ id: string } & T)[];
  failed: BatchFailure[];
}

/** What other areas need to know about a queue. */
export interface QueueDescription {
  name: string;
  arn: string;
  fifo: boolean;
  visibilityTimeoutSeconds: number;
  redrivePolicy: RedrivePolicy | undefined;
  /** Every settable attribute's effective value (defaults filled in). */
  attributes: QueueAttributes;
  createdAt: number;
  modifiedAt: number;
}
