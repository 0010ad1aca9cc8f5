import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { Targets } from "../core/targets.js";
import type { SqliteObjectIndex } from "../storage/sqlite/sqlite-object-index.js";

const BATCH = 50;
/** Retries back off up to this; S3 keeps trying a destination for a long time. */
const MAX_BACKOFF_MS = 5 * 60_000;
/** After this many attempts (about a day with the backoff), an undeliverable event is dropped. */
const MAX_ATTEMPTS = 300;

/**
 * Delivers the notification outbox: rows committed with object writes are sent through Targets
 * (queue and topic destinations get the event JSON as the message body; functions get it as an
 * asynchronous invocation), deleted once the destination accepted them, and retried with
 * backoff when it did not. Rows left by a crash are delivered on start (at least once).
 */
export class NotificationDelivery {
  private running = false;
  private again = false;
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly index: SqliteObjectIndex,
    private readonly targets: Targets,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Runs a delivery pass now (after a write committed notifications). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.pass().finally(() => {
      this.running = false;
      if (this.again && !this.closed) {
        this.again = false;
        this.kick();
      } else {
        this.schedule();
      }
    });
  }

  pending(): number {
    return this.index.pendingNotifications();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    await this.idle;
  }

  private async pass(): Promise<void> {
    for (;;) {
      const due = this.index.dueNotifications(this.clock.now(), BATCH);
      if (due.length === 0 || this.closed) return;
      await Promise.all(
        due.map(async (message) => {
          try {
            await this.targets.deliver(message.targetArn, { body: message.body });
            this.index.removeNotification(message.id);
          } catch (error) {
            if (message.attempts + 1 >= MAX_ATTEMPTS) {
              this.logger.error(
                { err: error, target: message.targetArn },
                "bucket notification dropped after retries",
              );
              this.index.removeNotification(message.id);
              return;
            }
            const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(message.attempts, 12));
            this.logger.warn(
              { err: error, target: message.targetArn },
              "bucket notification delivery failed; retrying",
            );
            this.index.retryNotification(message.id, this.clock.now() + backoff);
          }
        }),
      );
    }
  }

  private schedule(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.closed) return;
    const next = this.index.nextNotificationAt();
    if (next === undefined) return;
    this.cancelTimer = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => this.kick());
  }
}
