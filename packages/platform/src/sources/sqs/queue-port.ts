/**
 * What a queue poller needs from the queue service, in its own terms. server.ts adapts the
 * messaging area's QueueService to it, so the poller depends on nothing but this shape.
 */
export interface MappedQueue {
  arn: string;
  fifo: boolean;
  /** The queue's VisibilityTimeout in seconds. */
  visibilityTimeoutSec: number;
}

export interface PolledMessageAttribute {
  dataType: string;
  stringValue?: string | undefined;
  /** Base64, as both SQS protocols carry it. */
  binaryValue?: string | undefined;
}

/** A received message, with what the SQS event record carries (events.md section 5). */
export interface PolledMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /**
   * System attributes as SQS names them (ApproximateReceiveCount, SentTimestamp, SenderId,
   * ApproximateFirstReceiveTimestamp; FIFO: SequenceNumber, MessageGroupId,
   * MessageDeduplicationId), values as strings.
   */
  attributes: Record<string, string>;
  messageAttributes: Record<string, PolledMessageAttribute>;
  md5OfBody: string;
  /** Only when the message has attributes. */
  md5OfMessageAttributes: string | undefined;
}

export interface PollOptions {
  /** 1-10 messages at most. */
  max: number;
  /** Long poll: wait up to this long for the first message. */
  waitMs: number;
  /** Visibility of the received messages; the queue's VisibilityTimeout when absent. */
  visibilityMs?: number | undefined;
  /** Ends a long poll early (the mapping stops); messages already received stay in flight. */
  signal?: AbortSignal | undefined;
}

export interface QueuePort {
  /** The queue an ARN names, or undefined when there is none. */
  describe(queueArn: string): Promise<MappedQueue | undefined>;
  /** Receives like ReceiveMessage (redrive to the dead-letter queue happens here). */
  receive(queueArn: string, options: PollOptions): Promise<PolledMessage[]>;
  /** Deletes by receipt handle; handles that are no longer current are skipped. */
  deleteBatch(queueArn: string, receiptHandles: string[]): Promise<void>;
}
