import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { QueueStore, ReceivedQueueMessage } from "../../storage/queue-store.js";

/** What a handler decided for one message: done (delete it) or try again at `retryAt` (epoch ms). */
export type WorkOutcome = { done: true } | { done: false; retryAt: number };

export interface QueueWorkerOptions {
  store: QueueStore;
  queueId: string;
  /** Receive in FIFO order (one message of a group in flight at a time). */
  fifo: boolean;
  clock: Clock;
  logger: Logger;
  /** Decides for each message, in order. */
  handle: (messages: ReceivedQueueMessage[]) => Promise<WorkOutcome[]>;
  /**
   * Hand each received batch to one `handle` call (fan-out: one transaction for a batch), else
   * one call per message (deliveries: a slow endpoint holds up only its own message).
   */
  batch: boolean;
  /** Messages handled at the same time. */
  concurrency: number;
  /** How long a received message stays invisible while handled; a crash makes it due again. */
  leaseMs: number;
}

/**
 * Drains one internal queue of the QueueStore: receives due messages, runs the handler, deletes
 * what is done and reschedules what is not. Wakes on `kick()` (a send) and on a timer at the
 * queue's next visible message. Everything it works on is already durable; a crash only delays
 * (in-flight messages are released at the next start), so delivery is at least once.
 */
export class QueueWorker {
  private inFlight = 0;
  private pumping = false;
  private again = false;
  private closed = false;
  /** Nothing is received before `start()` has released the leases of a previous run. */
  private started = false;
  private cancelTimer: (() => void) | undefined;
  private readonly running = new Set<Promise<void>>();
  /** Receipt handles of finished messages, deleted together (concurrent completions coalesce). */
  private pendingDeletes: string[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: QueueWorkerOptions) {}

  /** Releases the leases of a previous run and starts draining. */
  async start(): Promise<void> {
    await this.options.store.releaseInFlight(this.options.queueId, this.options.clock.now());
    this.started = true;
    this.kick();
  }

  /** Something was sent: look for due messages. */
  kick(): void {
    if (this.closed || !this.started) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .catch((error: unknown) =>
        this.options.logger.error(
          { err: error, queue: this.options.queueId },
          "topic delivery worker failed",
        ),
      )
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.scheduleNext().catch(() => undefined);
        }
      });
  }

  /** Stops receiving and waits for the handlers running now. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    await Promise.allSettled([...this.running]);
    while (this.flushing) await this.flushing;
  }

  private async pump(): Promise<void> {
    const { store, queueId, clock, concurrency, leaseMs, fifo } = this.options;
    while (!this.closed && this.inFlight < concurrency) {
      const { messages } = await store.receive(queueId, {
        max: Math.min(10, concurrency - this.inFlight),
        now: clock.now(),
        visibilityMs: leaseMs,
        fifo,
      });
      if (messages.length === 0) return;
      if (this.options.batch) this.run(messages);
      else for (const message of messages) this.run([message]);
    }
  }

  private run(messages: ReceivedQueueMessage[]): void {
    this.inFlight += messages.length;
    const task = this.settle(messages).finally(() => {
      this.inFlight -= messages.length;
      this.running.delete(task);
      this.kick();
    });
    this.running.add(task);
  }

  private async settle(messages: ReceivedQueueMessage[]): Promise<void> {
    const { store, queueId, logger } = this.options;
    let outcomes: WorkOutcome[];
    try {
      outcomes = await this.options.handle(messages);
    } catch (error) {
      // A handler bug or a storage failure: try again after the lease rather than lose the messages.
      logger.error(
        { err: error, queue: queueId, messageIds: messages.map((m) => m.messageId) },
        "topic message handling failed",
      );
      return;
    }
    const retries: { receiptHandle: string; visibleAt: number }[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const handle = messages[i]?.receiptHandle;
      if (handle === undefined) continue;
      if (outcome.done) this.pendingDeletes.push(handle);
      else if (!this.closed) retries.push({ receiptHandle: handle, visibleAt: outcome.retryAt });
    }
    this.scheduleFlush();
    if (retries.length > 0) await store.changeVisibilityBatch(queueId, retries);
  }

  private scheduleFlush(): void {
    if (this.flushing || this.pendingDeletes.length === 0) return;
    this.flushing = this.flushDeletes().finally(() => {
      this.flushing = undefined;
      // Deleted FIFO messages free their group: its next message may be due now.
      this.kick();
      this.scheduleFlush();
    });
  }

  private async flushDeletes(): Promise<void> {
    const { store, queueId, logger } = this.options;
    while (this.pendingDeletes.length > 0) {
      const batch = this.pendingDeletes.splice(0, 100);
      // A delete that fails leaves the message to come back after its lease: at least once.
      await store
        .deleteBatch(queueId, batch)
        .catch((error: unknown) =>
          logger.error({ err: error, queue: queueId }, "topic messages could not be deleted"),
        );
    }
  }

  private async scheduleNext(): Promise<void> {
    if (this.closed) return;
    const { store, queueId, clock } = this.options;
    const next = await store.nextVisibleAt(queueId, clock.now());
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (next === undefined || this.closed) return;
    this.cancelTimer = clock.setTimer(Math.max(0, next - clock.now()), () => this.kick());
  }
}
