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
  handle: (message: ReceivedQueueMessage) => Promise<WorkOutcome>;
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
      for (const message of messages) this.run(message);
    }
  }

  private run(message: ReceivedQueueMessage): void {
    this.inFlight++;
    const task = this.settle(message).finally(() => {
      this.inFlight--;
      this.running.delete(task);
      this.kick();
    });
    this.running.add(task);
  }

  private async settle(message: ReceivedQueueMessage): Promise<void> {
    const { store, queueId, logger } = this.options;
    let outcome: WorkOutcome;
    try {
      outcome = await this.options.handle(message);
    } catch (error) {
      // A handler bug or a storage failure: try again after the lease rather than lose the message.
      logger.error(
        { err: error, queue: queueId, messageId: message.messageId },
        "topic message handling failed",
      );
      return;
    }
    if (this.closed && !outcome.done) return;
    if (outcome.done) await store.delete(queueId, message.receiptHandle);
    else await store.changeVisibility(queueId, message.receiptHandle, outcome.retryAt);
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
