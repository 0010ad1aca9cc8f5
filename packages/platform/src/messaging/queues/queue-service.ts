import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { QueueStore, StoredQueueMessage } from "../../storage/queue-store.js";
import { queueError } from "./errors.js";
import { md5OfBody, messageSize } from "./message-format.js";
import { type MessageMeta, type PreparedMessage, prepareMessage } from "./message-prepare.js";
import { effectiveAttributes, parseRedrivePolicy, QUEUE_LIMITS } from "./queue-attributes.js";
import { checkBatch, checkSeconds, decodeHandle, encodeHandle } from "./queue-checks.js";
import type { QueueRecord, QueueRegistry } from "./queue-registry.js";
import type {
  BatchEntry,
  BatchFailure,
  BatchResult,
  OutgoingMessage,
  QueueDescription,
  QueueMessage,
  ReceiveRequest,
  SentMessage,
} from "./queue-types.js";
import { QueueWaiters } from "./queue-waiters.js";

/** ReceiveRequestAttemptIds remembered at most (oldest forgotten first). */
const MAX_ATTEMPTS = 10_000;

/**
 * The queues' message operations, used by the SQS wire layers and directly by other areas
 * (event source mappings, async destinations, topic subscriptions). Queues are named by ARN.
 */
export class QueueService {
  readonly waiters: QueueWaiters;
  private readonly attempts = new Map<string, { expiresAt: number; messages: QueueMessage[] }>();

  constructor(
    private readonly registry: QueueRegistry,
    private readonly store: QueueStore,
    private readonly clock: Clock,
  ) {
    this.waiters = new QueueWaiters(clock);
  }

  /** The account every queue of this server belongs to. */
  get accountId(): string {
    return this.registry.accountId;
  }

  /** The queue of this ARN; QueueDoesNotExist otherwise. */
  async queueByArn(arn: string): Promise<QueueRecord> {
    const record = await this.registry.findByArn(arn);
    if (!record) throw queueError.notFound();
    return record;
  }

  /**
   * The queue of a queue URL (`<origin>/<account>/<name>`, any host, so every client that
   * reaches this server may use it); QueueDoesNotExist otherwise.
   */
  async queueByUrl(url: string): Promise<QueueRecord> {
    const path = url.replace(/^[a-z]+:\/\/[^/]*/i, "").replace(/\?.*$/, "");
    const parts = path.split("/").filter(Boolean);
    const [account, name] = parts.length === 2 ? parts : [undefined, undefined];
    if (account !== this.registry.accountId || name === undefined) throw queueError.notFound();
    let decoded: string;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      throw queueError.notFound();
    }
    return this.registry.require(decoded);
  }

  /** `<origin>/<account>/<name>`: built from the request's origin, as AWS does from its host. */
  urlOf(origin: string, record: QueueRecord): string {
    return `${origin}/${this.registry.accountId}/${record.name}`;
  }

  async describe(arn: string): Promise<QueueDescription> {
    const record = await this.queueByArn(arn);
    const attributes = effectiveAttributes(record.fifo, record.attributes);
    return {
      name: record.name,
      arn: record.arn,
      fifo: record.fifo,
      visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout),
      redrivePolicy: attributes.RedrivePolicy ? parseRedrivePolicy(attributes.RedrivePolicy) : undefined,
      attributes,
      createdAt: record.createdAt,
      modifiedAt: record.modifiedAt,
    };
  }

  /** Calls `listener` whenever the queue may have new messages; returns the unsubscribe. */
  async onMessages(arn: string, listener: () => void): Promise<() => void> {
    const record = await this.queueByArn(arn);
    return this.waiters.listen(record.storeId, listener);
  }

  /** Sends one message; resolves once it is committed. */
  async send(arn: string, message: OutgoingMessage): Promise<SentMessage> {
    const record = await this.queueByArn(arn);
    const now = this.clock.now();
    const prepared = prepareMessage(record, message, now, this.registry.accountId);
    const outcome = await this.store.send(record.storeId, prepared.stored, this.dedupWindow(record, now));
    this.waiters.notify(record.storeId);
    return {
      ...prepared.sent,
      messageId: outcome?.messageId ?? prepared.stored.messageId,
      sequenceNumber: this.sequence(record, outcome?.sequence),
    };
  }

  /** SendMessageBatch: entries that fail validation are reported; the rest commit together. */
  async sendBatch(arn: string, entries: BatchEntry<OutgoingMessage>[]): Promise<BatchResult<SentMessage>> {
    checkBatch(entries.map((e) => e.id));
    const total = entries.reduce((n, e) => n + messageSize(e.value.body ?? "", e.value.attributes ?? {}), 0);
    if (total > QUEUE_LIMITS.maxMessageBytes)
      throw queueError.batchTooLong(total, QUEUE_LIMITS.maxMessageBytes);
    const record = await this.queueByArn(arn);
    const now = this.clock.now();
    const result: BatchResult<SentMessage> = { successful: [], failed: [] };
    const accepted: { id: string; prepared: PreparedMessage }[] = [];
    for (const entry of entries) {
      try {
        accepted.push({
          id: entry.id,
          prepared: prepareMessage(record, entry.value, now, this.registry.accountId),
        });
      } catch (error) {
        result.failed.push(failure(entry.id, error));
      }
    }
    if (accepted.length > 0) {
      const outcomes = await this.store.sendBatch(
        record.storeId,
        accepted.map((a) => a.prepared.stored),
        this.dedupWindow(record, now),
      );
      accepted.forEach((a, i) => {
        result.successful.push({
          id: a.id,
          ...a.prepared.sent,
          messageId: outcomes[i]?.messageId ?? a.prepared.stored.messageId,
          sequenceNumber: this.sequence(record, outcomes[i]?.sequence),
        });
      });
      this.waiters.notify(record.storeId);
    }
    return result;
  }

  /**
   * Receives up to `max` messages. With a wait time, waits until a message arrives (woken by the
   * send, not by polling), the wait ends, the signal aborts, or the service closes.
   */
  async receive(arn: string, request: ReceiveRequest): Promise<QueueMessage[]> {
    const record = await this.queueByArn(arn);
    const attempt =
      record.fifo && request.attemptId !== undefined ? `${record.storeId}\n${request.attemptId}` : undefined;
    if (attempt !== undefined) {
      const earlier = this.attempts.get(attempt);
      if (earlier && earlier.expiresAt > this.clock.now()) return earlier.messages;
    }
    const messages = await this.receiveNow(record, request);
    if (attempt !== undefined && messages.length > 0) {
      // FIFO receive retries: the same attempt id answers the same messages for 5 minutes.
      if (this.attempts.size >= MAX_ATTEMPTS)
        this.attempts.delete(this.attempts.keys().next().value as string);
      this.attempts.set(attempt, { expiresAt: this.clock.now() + QUEUE_LIMITS.dedupWindowMs, messages });
    }
    return messages;
  }

  private async receiveNow(first: QueueRecord, request: ReceiveRequest): Promise<QueueMessage[]> {
    let record = first;
    const arn = record.arn;
    const attributes = effectiveAttributes(record.fifo, record.attributes);
    const max = request.max;
    if (!Number.isInteger(max) || max < 1 || max > QUEUE_LIMITS.maxBatchEntries)
      throw queueError.invalidParameterValue(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    const visibilityMs = request.visibilityMs ?? Number(attributes.VisibilityTimeout) * 1000;
    const waitMs = request.waitMs ?? Number(attributes.ReceiveMessageWaitTimeSeconds) * 1000;
    const deadline = this.clock.now() + waitMs;
    for (;;) {
      const now = this.clock.now();
      const current = effectiveAttributes(record.fifo, record.attributes);
      const redrive = current.RedrivePolicy ? parseRedrivePolicy(current.RedrivePolicy) : undefined;
      const deadLetter = redrive ? await this.registry.findByArn(redrive.deadLetterTargetArn) : undefined;
      const seen = this.waiters.version(record.storeId);
      const outcome = await this.store.receive(record.storeId, {
        max,
        now,
        visibilityMs,
        fifo: record.fifo,
        expireBefore: now - Number(current.MessageRetentionPeriod) * 1000,
        ...(redrive && deadLetter
          ? { redrive: { maxReceiveCount: redrive.maxReceiveCount, deadLetterQueueId: deadLetter.storeId } }
          : {}),
      });
      if (outcome.movedToDeadLetter.length > 0 && deadLetter) this.waiters.notify(deadLetter.storeId);
      if (outcome.messages.length > 0) return outcome.messages.map((m) => this.toMessage(record, m));
      if (now >= deadline || this.waiters.isClosed || request.signal?.aborted) return [];
      const next = await this.store.nextVisibleAt(record.storeId, now);
      const until = next === undefined ? deadline : Math.min(deadline, next);
      await this.waiters.wait(record.storeId, until - now, request.signal, seen);
      if (this.waiters.isClosed) return [];
      const again = await this.registry.findByArn(arn);
      if (!again || again.storeId !== record.storeId) return [];
      record = again;
    }
  }

  /** DeleteMessage: a malformed handle or another queue's is ReceiptHandleIsInvalid. */
  async delete(arn: string, receiptHandle: string): Promise<void> {
    const record = await this.queueByArn(arn);
    // A stale handle (the message was received again or already deleted) succeeds, as in SQS.
    if (await this.store.delete(record.storeId, decodeHandle(record, receiptHandle))) this.deleted(record);
  }

  async deleteBatch(arn: string, entries: BatchEntry<string>[]): Promise<BatchResult<object>> {
    checkBatch(entries.map((e) => e.id));
    const record = await this.queueByArn(arn);
    const result: BatchResult<object> = { successful: [], failed: [] };
    const valid: { id: string; handle: string }[] = [];
    for (const entry of entries) {
      try {
        valid.push({ id: entry.id, handle: decodeHandle(record, entry.value) });
      } catch (error) {
        result.failed.push(failure(entry.id, error));
      }
    }
    const done = await this.store.deleteBatch(
      record.storeId,
      valid.map((v) => v.handle),
    );
    if (done.some(Boolean)) this.deleted(record);
    for (const v of valid) result.successful.push({ id: v.id });
    return result;
  }

  /** A delete in a FIFO queue may unblock its group: long polls waiting on it look again. */
  private deleted(record: QueueRecord): void {
    if (record.fifo) this.waiters.notify(record.storeId);
  }

  /** ChangeMessageVisibility: the message must be in flight under this (latest) handle. */
  async changeVisibility(arn: string, receiptHandle: string, seconds: number): Promise<void> {
    const { failed } = await this.changeVisibilities(arn, [{ id: "0", value: { receiptHandle, seconds } }]);
    if (failed[0]) throw failed[0].error;
  }

  async changeVisibilityBatch(
    arn: string,
    entries: BatchEntry<{ receiptHandle: string; seconds: number }>[],
  ): Promise<BatchResult<object>> {
    checkBatch(entries.map((e) => e.id));
    const { successful, failed } = await this.changeVisibilities(arn, entries);
    return { successful, failed: failed.map(({ error: _error, ...rest }) => rest) };
  }

  private async changeVisibilities(
    arn: string,
    entries: BatchEntry<{ receiptHandle: string; seconds: number }>[],
  ): Promise<{ successful: { id: string }[]; failed: (BatchFailure & { error: unknown })[] }> {
    const record = await this.queueByArn(arn);
    const now = this.clock.now();
    const failed: (BatchFailure & { error: unknown })[] = [];
    const valid: { id: string; receiptHandle: string; visibleAt: number; inFlightAt: number }[] = [];
    for (const entry of entries) {
      try {
        const seconds = checkSeconds(
          "VisibilityTimeout",
          entry.value.seconds,
          QUEUE_LIMITS.maxVisibilitySeconds,
        );
        const receiptHandle = decodeHandle(record, entry.value.receiptHandle);
        valid.push({ id: entry.id, receiptHandle, visibleAt: now + seconds * 1000, inFlightAt: now });
      } catch (error) {
        failed.push({ ...failure(entry.id, error), error });
      }
    }
    const changed = await this.store.changeVisibilityBatch(record.storeId, valid);
    const successful: { id: string }[] = [];
    valid.forEach((v, i) => {
      if (changed[i]) successful.push({ id: v.id });
      else {
        const error = queueError.messageNotInflight();
        failed.push({ ...failure(v.id, error), error });
      }
    });
    // A message made visible again (timeout 0) may be what a long poll waits for.
    if (successful.length > 0) this.waiters.notify(record.storeId);
    return { successful, failed };
  }

  /** Releases every long poll; later receives return at once. */
  close(): void {
    this.waiters.close();
  }

  private dedupWindow(record: QueueRecord, now: number) {
    return record.fifo ? { dedupSince: now - QUEUE_LIMITS.dedupWindowMs } : undefined;
  }

  private sequence(record: QueueRecord, sequence: number | undefined): string | undefined {
    return record.fifo && sequence !== undefined ? String(sequence).padStart(20, "0") : undefined;
  }

  private toMessage(record: QueueRecord, m: StoredQueueMessage & { receiptHandle: string }): QueueMessage {
    const meta = (m.meta ?? {}) as MessageMeta;
    const attributes: QueueMessage["attributes"] = {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      SenderId: meta.senderId ?? this.registry.accountId,
    };
    if (m.groupId !== undefined) attributes.MessageGroupId = m.groupId;
    if (meta.dedupId !== undefined) attributes.MessageDeduplicationId = meta.dedupId;
    if (record.fifo) attributes.SequenceNumber = String(m.sequence).padStart(20, "0");
    const trace = meta.systemAttributes?.AWSTraceHeader?.stringValue;
    if (trace !== undefined) attributes.AWSTraceHeader = trace;
    // Store ids are `<name>/<incarnation>`: the source queue's ARN needs only the name.
    const source = m.deadLetterSourceQueueId?.split("/")[0];
    if (source) attributes.DeadLetterQueueSourceArn = this.registry.arnOf(source);
    return {
      messageId: m.messageId,
      receiptHandle: encodeHandle(record, m.receiptHandle),
      body: m.body,
      md5OfBody: md5OfBody(m.body),
      md5OfMessageAttributes: meta.md5OfAttributes,
      messageAttributes: meta.attributes ?? {},
      attributes,
    };
  }
}

function failure(id: string, error: unknown): BatchFailure {
  if (isPlatformError(error))
    return {
      id,
      code: error.queryCode ?? error.awsName ?? error.code,
      message: error.message,
      senderFault: error.status < 500,
    };
  throw error;
}
