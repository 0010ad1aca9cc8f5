/**
 * Durable messages in named queues, with SQS's delivery model: a received message stays in the
 * queue, invisible until its visibility deadline, and is gone only when deleted with the receipt
 * handle of its latest receive. Queues for users (messaging/queues) and Nimbus's own internal
 * queues (the async invocation queue in async/) both live here.
 *
 * What a queue *is* (attributes, names, ARNs) is the owner's business and lives in the
 * MetadataStore; this store only holds messages, keyed by an opaque `queueId`.
 *
 * Everything a method returns has been committed: callers acknowledge a send only after `send`
 * resolves, so a `kill -9` loses nothing acknowledged. The contract suite is
 * `queue-store.contract.ts`; every backend (SQLite now, PostgreSQL/NATS later) must pass it.
 */
export interface NewQueueMessage {
  messageId: string;
  body: string;
  /**
   * Anything the owner keeps with the message (message attributes, their MD5, the async event's
   * invoke settings). JSON-serializable; returned as given.
   */
  meta?: unknown;
  /** Epoch ms when the message was sent. */
  sentAt: number;
  /** Epoch ms before which no receive returns it (sentAt + delay). */
  visibleAt: number;
  /** FIFO: the message group; messages of one group are received in order, one batch at a time. */
  groupId?: string;
  /**
   * FIFO: the deduplication id. A send with an id seen on this queue at or after
   * `dedupSince` stores nothing and returns the first message's id and sequence number.
   */
  dedupId?: string;
}

export interface DedupWindow {
  /** Epoch ms; an earlier send with the same `dedupId` at or after this time is a duplicate. */
  dedupSince: number;
}

export interface SendOutcome {
  messageId: string;
  /** Strictly increasing per queue (FIFO's SequenceNumber). */
  sequence: number;
  /** True when the send was a duplicate within the deduplication window and stored nothing. */
  duplicate: boolean;
}

export interface StoredQueueMessage {
  messageId: string;
  body: string;
  meta: unknown;
  sentAt: number;
  sequence: number;
  groupId: string | undefined;
  dedupId: string | undefined;
  /** How many times a receive returned it (this receive included, for received messages). */
  receiveCount: number;
  /** Epoch ms of the first receive, if any. */
  firstReceivedAt: number | undefined;
  visibleAt: number;
  /** The queue a redrive moved it from (SQS's DeadLetterQueueSourceArn); undefined otherwise. */
  deadLetterSourceQueueId?: string | undefined;
}

export interface ReceivedQueueMessage extends StoredQueueMessage {
  /** Opaque token of this receive; only the latest receive's handle deletes or changes visibility. */
  receiptHandle: string;
}

export interface ReceiveOptions {
  /** 1..n messages at most. */
  max: number;
  /** The clock's now (epoch ms): messages with visibleAt <= now are receivable. */
  now: number;
  /** New visibility deadline for the received messages: now + visibilityMs. */
  visibilityMs: number;
  /**
   * FIFO ordering: return the oldest messages of groups that have no message in flight, in
   * sequence order within a group, and never skip a message of a group. Groups are served
   * round-robin (so one busy group cannot starve the others); messages without a groupId are
   * not returned by a FIFO receive.
   */
  fifo?: boolean;
  /**
   * Redrive: a message that has already been received `maxReceiveCount` times is moved, in the
   * same transaction, to `deadLetterQueueId` (keeping its id, body, meta and sentAt; its receive
   * count starts again at 0) instead of being returned.
   */
  redrive?: { maxReceiveCount: number; deadLetterQueueId: string };
  /** Messages sent before this epoch ms are deleted instead of returned (retention period). */
  expireBefore?: number;
}

export interface ReceiveOutcome {
  messages: ReceivedQueueMessage[];
  /** Ids of the messages moved to the dead-letter queue by this receive. */
  movedToDeadLetter: string[];
}

export interface QueueCounts {
  /** visibleAt <= now. */
  visible: number;
  /** Received at least once and visibleAt > now. */
  inFlight: number;
  /** Never received and visibleAt > now (delay). */
  delayed: number;
}

export interface VisibilityChangeOptions {
  /** When given, only a message still in flight at this epoch ms (visibleAt > it) changes (SQS's MessageNotInflight). */
  inFlightAt?: number;
}

export interface QueueStore {
  /** Stores one message (committed when the promise resolves). */
  send(queueId: string, message: NewQueueMessage, dedup?: DedupWindow): Promise<SendOutcome>;
  /** Stores several messages in one transaction; outcomes in the same order. */
  sendBatch(queueId: string, messages: NewQueueMessage[], dedup?: DedupWindow): Promise<SendOutcome[]>;
  receive(queueId: string, options: ReceiveOptions): Promise<ReceiveOutcome>;
  /** Deletes the message of this receipt handle. False when the handle is not the latest receive's. */
  delete(queueId: string, receiptHandle: string): Promise<boolean>;
  /** Deletes several; one boolean per handle, same order, one transaction. */
  deleteBatch(queueId: string, receiptHandles: string[]): Promise<boolean[]>;
  /** Sets a received message's visibility deadline. False when the handle is not current. */
  changeVisibility(
    queueId: string,
    receiptHandle: string,
    visibleAt: number,
    options?: VisibilityChangeOptions,
  ): Promise<boolean>;
  /** Sets several received messages' deadlines in one transaction; one boolean per entry, same order. */
  changeVisibilityBatch(
    queueId: string,
    entries: ({ receiptHandle: string; visibleAt: number } & VisibilityChangeOptions)[],
  ): Promise<boolean[]>;
  /** Makes every in-flight message visible now (an embedded server's own leases, at start-up). */
  releaseInFlight(queueId: string, now: number): Promise<number>;
  /** Deletes every message of the queue (PurgeQueue, DeleteQueue). */
  purge(queueId: string): Promise<number>;
  /** Deletes the queue's messages and its deduplication records (the queue itself is deleted). */
  drop(queueId: string): Promise<void>;
  /** Deletes the queue's messages sent before `before` (retention without a receive); returns how many. */
  expire(queueId: string, before: number): Promise<number>;
  counts(queueId: string, now: number): Promise<QueueCounts>;
  /** Earliest visibleAt among the queue's messages after `now`, for timers; undefined if none. */
  nextVisibleAt(queueId: string, now: number): Promise<number | undefined>;
  /** Reads messages without receiving them (failure listings, tests, the console). */
  peek(queueId: string, options: { limit: number; afterSequence?: number }): Promise<StoredQueueMessage[]>;
  close(): Promise<void>;
}
