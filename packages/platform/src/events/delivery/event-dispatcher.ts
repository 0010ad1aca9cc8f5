import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { TargetAttribute, Targets } from "../../core/targets.js";
import type { QueueStore, ReceivedQueueMessage } from "../../storage/queue-store.js";
import type { RuleDoc } from "../buses/bus-model.js";
import type { BusService } from "../buses/bus-service.js";
import { targetPayload } from "../buses/target-input.js";
import {
  type DeliveryMeta,
  EVENTS_QUEUE_ID,
  type EventQueue,
  type EventsMeta,
  type IngestMeta,
} from "./event-queue.js";

/** A receive's lease; a delivery that takes longer (a crash) is simply redelivered. */
const LEASE_MS = 60_000;
const PUMP_RETRY_MS = 1_000;

export interface DispatcherDeps {
  store: QueueStore;
  queue: EventQueue;
  buses: BusService;
  targets: Targets;
  clock: Clock;
  logger: Logger;
  maxParallel: number;
  /** First retry delay; doubles per attempt up to `maxRetryDelayMs`. */
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  /** Counts events matched and deliveries made (bench, metrics). */
  onDelivered?: (ok: boolean) => void;
}

/**
 * Works the internal events queue: an accepted event is matched against its bus's rules and
 * becomes one delivery message per target (in one transaction) before it is deleted; a delivery
 * goes through `Targets` with the target's retry policy and dead-letter queue. Wakes on new
 * messages and on the earliest retry (a Clock timer), never polls. At least once: a crash
 * before a delete repeats that step.
 */
export class EventDispatcher {
  private running = 0;
  private started = false;
  private closed = false;
  private pumping = false;
  private again = false;
  private cancelTimer: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: DispatcherDeps) {}

  /** Messages leased by a previous run of this server are received again. */
  async start(): Promise<void> {
    await this.deps.store.releaseInFlight(EVENTS_QUEUE_ID, this.deps.clock.now());
    this.started = true;
    this.wake();
  }

  wake(): void {
    if (this.closed || !this.started) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** Waits until nothing is being handled (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    await this.idle();
  }

  private async pump(): Promise<void> {
    const { store, clock, maxParallel } = this.deps;
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.closed && this.running < maxParallel) {
          const { messages } = await store.receive(EVENTS_QUEUE_ID, {
            max: maxParallel - this.running,
            now: clock.now(),
            visibilityMs: LEASE_MS,
          });
          if (messages.length === 0) break;
          // Accepted events are matched together: one write of their deliveries, one delete.
          const accepted = messages.filter((m) => (m.meta as EventsMeta).kind === "event");
          if (accepted.length > 0) this.launchMatches(accepted);
          for (const message of messages)
            if ((message.meta as EventsMeta).kind !== "event") this.launch(message);
        }
      } while (this.again && !this.closed);
      if (!this.closed) {
        const next = await store.nextVisibleAt(EVENTS_QUEUE_ID, clock.now());
        this.arm(next === undefined ? undefined : next - clock.now());
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, "the events queue could not be read; trying again");
      this.arm(PUMP_RETRY_MS);
    } finally {
      this.pumping = false;
    }
    if (this.again) this.wake();
  }

  private arm(delayMs: number | undefined): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (delayMs === undefined || this.closed) return;
    this.cancelTimer = this.deps.clock.setTimer(Math.max(0, delayMs), () => {
      this.cancelTimer = undefined;
      this.wake();
    });
  }

  private launch(message: ReceivedQueueMessage): void {
    this.track(
      1,
      this.deliver(message, message.meta as DeliveryMeta).then(() =>
        this.deps.store.delete(EVENTS_QUEUE_ID, message.receiptHandle),
      ),
    );
  }

  /** Matches accepted events; their deliveries are written in one transaction before they go. */
  private launchMatches(messages: ReceivedQueueMessage[]): void {
    const work = async () => {
      const items: { body: string; meta: DeliveryMeta }[] = [];
      for (const message of messages) items.push(...(await this.match(message, message.meta as IngestMeta)));
      await this.deps.queue.deliveries(items, this.deps.clock.now());
      await this.deps.store.deleteBatch(
        EVENTS_QUEUE_ID,
        messages.map((m) => m.receiptHandle),
      );
    };
    this.track(messages.length, work());
  }

  private track(count: number, work: Promise<unknown>): void {
    this.running += count;
    work
      .catch((error: unknown) => this.deps.logger.error({ err: error }, "events could not be handled"))
      .finally(() => {
        this.running -= count;
        if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        this.wake();
      });
  }

  /** The deliveries of an accepted event: one per target of each matching, enabled rule. */
  private async match(
    message: ReceivedQueueMessage,
    meta: IngestMeta,
  ): Promise<{ body: string; meta: DeliveryMeta }[]> {
    const { buses } = this.deps;
    const event: unknown = JSON.parse(message.body);
    let rules: RuleDoc[];
    if (meta.onlyRule !== undefined) {
      const rule = await buses.getRule(meta.bus, meta.onlyRule);
      rules = rule && rule.state === "ENABLED" ? [rule] : [];
    } else {
      rules = (await buses.liveRules(meta.bus)).match(event);
    }
    const items: { body: string; meta: DeliveryMeta }[] = [];
    for (const rule of rules) {
      for (const target of rule.targets) {
        const body = targetPayload(target, event, {
          ruleArn: rule.arn,
          ruleName: rule.name,
          ingestedAt: meta.ingestedAt,
        });
        const delivery: DeliveryMeta = {
          kind: "delivery",
          targetArn: target.arn,
          retry: target.retryPolicy,
          attempts: 0,
          firstAt: meta.ingestedAt,
          deadLetterBody: message.body,
          deadLetterAttributes: { RULE_ARN: rule.arn, TARGET_ARN: target.arn },
        };
        if (target.deadLetterArn !== undefined) delivery.deadLetterArn = target.deadLetterArn;
        if (target.messageGroupId !== undefined) delivery.groupId = target.messageGroupId;
        items.push({ body, meta: delivery });
      }
    }
    return items;
  }

  /** One attempt; a failure is retried later (a new message) or dead-lettered. */
  private async deliver(message: ReceivedQueueMessage, meta: DeliveryMeta): Promise<void> {
    const { targets, clock, logger } = this.deps;
    try {
      await targets.deliver(meta.targetArn, {
        body: message.body,
        ...(meta.groupId !== undefined && { groupId: meta.groupId, dedupId: message.messageId }),
      });
      this.deps.onDelivered?.(true);
      return;
    } catch (error) {
      this.deps.onDelivered?.(false);
      const attempts = meta.attempts + 1;
      const { code, text, retryable } = describe(error);
      const ageMs = clock.now() - meta.firstAt;
      const delay = Math.min(this.deps.maxRetryDelayMs, this.deps.retryBaseDelayMs * 2 ** (attempts - 1));
      if (
        retryable &&
        attempts <= meta.retry.maximumRetryAttempts &&
        ageMs + delay <= meta.retry.maximumEventAgeSeconds * 1000
      ) {
        await this.deps.queue.deliveries(
          [{ body: message.body, meta: { ...meta, attempts } }],
          clock.now() + delay,
        );
        return;
      }
      if (meta.deadLetterArn === undefined) {
        logger.warn(
          { err: error, target: meta.targetArn, attempts },
          "an event was dropped after its retries",
        );
        return;
      }
      const attributes: Record<string, TargetAttribute> = {};
      for (const [name, value] of Object.entries({
        ...meta.deadLetterAttributes,
        ERROR_CODE: code,
        ERROR_MESSAGE: text,
      }))
        attributes[name] = { dataType: "String", stringValue: value };
      try {
        await targets.deliver(meta.deadLetterArn, { body: meta.deadLetterBody, attributes });
      } catch (dlqError) {
        logger.warn({ err: dlqError, deadLetter: meta.deadLetterArn }, "an event could not be dead-lettered");
      }
    }
  }
}

/** The DLQ's ERROR_CODE and ERROR_MESSAGE; a missing target is not retried, as on AWS. */
function describe(error: unknown): { code: string; text: string; retryable: boolean } {
  if (isPlatformError(error))
    return {
      code: error.awsName ?? error.code,
      text: error.message,
      retryable: !/_NOT_FOUND$/.test(error.code) && error.code !== "ERR_TARGET_UNSUPPORTED",
    };
  return {
    code: "InternalError",
    text: error instanceof Error ? error.message : String(error),
    retryable: true,
  };
}
