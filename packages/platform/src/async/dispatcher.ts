import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { isPlatformError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { FunctionService } from "../functions/index.js";
import type { InvokeResult, Invoker } from "../invoke/index.js";
import type { QueueStore, ReceivedQueueMessage } from "../storage/queue-store.js";
import type { AsyncMetrics } from "./async-metrics.js";
import { attemptError, notFoundError, throttledError } from "./attempt-errors.js";
import type { EventInvokeConfigService, EventSettings } from "./event-invoke-config.js";
import {
  ASYNC_QUEUE_ID,
  type AsyncMessageMeta,
  type AttemptError,
  type EventCondition,
  type PendingEventMeta,
  type SettleMeta,
} from "./event-types.js";
import { afterFunctionError, isExpired, throttleBackoffMs } from "./retry-policy.js";
import type { Settler } from "./settler.js";

/** The lease a receive takes; extended to the function's timeout plus a margin when longer. */
const RECEIVE_LEASE_MS = 60_000;
/** Beyond the function's timeout: a cold start (init up to 10 s) and the bookkeeping after it. */
const LEASE_MARGIN_MS = 30_000;
/** Events remembered per function as waiting for its reserved concurrency (see `waitingForRoom`). */
const MAX_WAITING_PER_FUNCTION = 1000;
/** After a storage error, the pump tries again this much later. */
const PUMP_RETRY_MS = 1_000;

export interface DispatcherDeps {
  store: QueueStore;
  invoker: Invoker;
  functions: FunctionService;
  configs: EventInvokeConfigService;
  settler: Settler;
  clock: Clock;
  logger: Logger;
  metrics: AsyncMetrics;
  /** Events in flight at once, over all functions. */
  maxParallel: number;
  /** Multiplies the 1 and 2 minute retry delays. */
  retryDelayScale: number;
}

/**
 * Runs the queued async events through the one invoke path. It wakes on new events and on the
 * earliest visibility deadline (a Clock timer), never polls; each event in flight holds a lease
 * sized to its function's timeout, so an attempt cut short by a crash runs again after restart.
 * Every state change (retry, throttle deferral, settle) is written before the old message goes.
 */
export class AsyncDispatcher {
  private running = 0;
  private readonly runningByFunction = new Map<string, number>();
  /**
   * Receipt handles of events put back because their function was at its reserved concurrency,
   * oldest first: when one of its attempts ends, the next is made due at once instead of
   * waiting out its backoff. Only a shortcut: the handles may be stale (then nothing happens).
   */
  private readonly waitingForRoom = new Map<string, string[]>();
  private closed = false;
  /**
   * Nothing is received before `start()` released the leases of a previous run: a lease taken
   * earlier (an event accepted while the server was still starting) would be released too, and
   * its event run twice.
   */
  private started = false;
  private pumping = false;
  private again = false;
  private cancelTimer: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: DispatcherDeps) {}

  /** Leases of a previous run of this (single-node) server are void: their events run again. */
  async start(): Promise<void> {
    const released = await this.deps.store.releaseInFlight(ASYNC_QUEUE_ID, this.deps.clock.now());
    if (released > 0) this.deps.logger.info({ released }, "async events interrupted by a stop run again");
    this.started = true;
    this.wake();
  }

  /** Events being handled right now. */
  get inFlight(): number {
    return this.running;
  }

  /** Looks for due events now (a new event arrived, or a slot freed). */
  wake(): void {
    if (this.closed || !this.started) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** Stops taking events and waits (at most `graceMs`) for the ones in flight. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    if (this.running === 0) return;
    await new Promise<void>((resolve) => {
      const cancel = this.deps.clock.setTimer(graceMs, resolve);
      this.idleWaiters.push(() => {
        cancel();
        resolve();
      });
    });
  }

  private async pump(): Promise<void> {
    const { store, clock, maxParallel } = this.deps;
    this.pumping = true;
    let now = clock.now();
    try {
      do {
        this.again = false;
        while (!this.closed && this.running < maxParallel) {
          now = clock.now();
          const { messages } = await store.receive(ASYNC_QUEUE_ID, {
            max: maxParallel - this.running,
            now,
            visibilityMs: RECEIVE_LEASE_MS,
          });
          if (messages.length === 0) break;
          for (const message of messages) this.launch(message);
        }
      } while (this.again && !this.closed);
      if (!this.closed && this.running < maxParallel) {
        const next = await store.nextVisibleAt(ASYNC_QUEUE_ID, now);
        this.arm(next === undefined ? undefined : next - clock.now());
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, "the async event queue could not be read; trying again");
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
    this.running++;
    const meta = message.meta as AsyncMessageMeta;
    const work = meta.kind === "settle" ? this.settle(message, meta) : this.attempt(message, meta);
    work
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, messageId: message.messageId }, "async event handling failed"),
      )
      .finally(() => {
        this.running--;
        if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        this.wake();
      });
  }

  /** Delivers an outcome; on a storage or delivery crash the message simply comes back. */
  private async settle(message: ReceivedQueueMessage, meta: SettleMeta): Promise<void> {
    await this.deps.settler.settle(meta, message.body);
    await this.remove(message);
  }

  private async attempt(message: ReceivedQueueMessage, meta: PendingEventMeta): Promise<void> {
    const { clock, functions, configs } = this.deps;
    const settings = await configs.settingsFor(meta.functionName, meta.qualifier);
    const lastError = meta.lastError ?? (message.receiveCount > 1 ? throttledError() : undefined);
    if (isExpired(meta.acceptedAt, settings, clock.now())) {
      return this.decide(message, meta, "EventAgeExceeded", meta.attempts, { error: lastError });
    }
    let resolved: Awaited<ReturnType<FunctionService["resolve"]>>;
    try {
      resolved = await functions.resolve(meta.functionName, meta.qualifier);
    } catch (error) {
      if (isPlatformError(error) && error.status === 404)
        return this.decide(message, meta, "FunctionNotFound", meta.attempts, { error: notFoundError(error) });
      throw error;
    }
    const reserved = resolved.reservedConcurrency;
    // Reserved concurrency 0: the function never runs; straight to failure handling.
    if (reserved === 0)
      return this.decide(message, meta, "RetriesExhausted", meta.attempts, { error: throttledError() });
    const name = resolved.config.name;
    if (reserved !== undefined && (this.runningByFunction.get(name) ?? 0) >= reserved)
      return this.defer(message, name);
    const leaseMs = resolved.config.timeoutSec * 1000 + LEASE_MARGIN_MS;
    if (leaseMs > RECEIVE_LEASE_MS)
      await this.deps.store.changeVisibility(ASYNC_QUEUE_ID, message.receiptHandle, clock.now() + leaseMs);

    this.runningByFunction.set(name, (this.runningByFunction.get(name) ?? 0) + 1);
    let result: InvokeResult;
    try {
      this.deps.metrics.dispatched();
      result = await this.deps.invoker.invoke({
        functionName: meta.functionName,
        qualifier: meta.qualifier,
        payload: Buffer.from(message.body, "utf8"),
        tailLog: false,
        clientContext: meta.clientContext,
        dryRun: false,
        requestId: meta.requestId,
      });
    } catch (error) {
      if (isPlatformError(error) && error.status === 404)
        return this.decide(message, meta, "FunctionNotFound", meta.attempts, { error: notFoundError(error) });
      if (isPlatformError(error) && error.code === "ERR_INVOKE_SHUTTING_DOWN") return this.release(message);
      // Throttles and system errors: the event stays queued and backs off (1 s .. 5 min).
      if (!isPlatformError(error) || error.code !== "ERR_INVOKE_THROTTLED")
        this.deps.logger.warn({ err: error, requestId: meta.requestId }, "async attempt failed; will retry");
      return this.defer(message, reserved === undefined ? undefined : name);
    } finally {
      const left = (this.runningByFunction.get(name) ?? 1) - 1;
      if (left === 0) this.runningByFunction.delete(name);
      else this.runningByFunction.set(name, left);
    }
    // The attempt ran and freed its slot (a throttled one took none: waking a waiting event
    // for it would only throttle that one in turn, in a loop).
    this.makeRoom(name).catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, "a waiting async event could not be made due"),
    );
    const attempts = meta.attempts + 1;
    if (!result.functionError) {
      return this.decide(message, meta, "Success", attempts, {
        executedVersion: result.executedVersion,
        responsePayload: result.payload.toString("utf8"),
        settings,
      });
    }
    const error = attemptError(result);
    const next = afterFunctionError(attempts, settings, clock.now(), this.deps.retryDelayScale);
    if (next.kind === "give-up") return this.decide(message, meta, "RetriesExhausted", attempts, { error });
    this.deps.metrics.retried();
    await this.replace(message, { ...meta, attempts, lastError: error }, next.visibleAt);
  }

  /**
   * The outcome is known. A success without an OnSuccess destination is simply done; anything
   * else becomes a `settle` message (written before the event goes), so deliveries survive a crash.
   */
  private async decide(
    message: ReceivedQueueMessage,
    meta: PendingEventMeta,
    condition: EventCondition,
    attempts: number,
    outcome: {
      error?: AttemptError | undefined;
      executedVersion?: string;
      responsePayload?: string;
      settings?: EventSettings;
    },
  ): Promise<void> {
    if (condition === "Success") this.deps.metrics.succeeded();
    else this.deps.metrics.failed(condition);
    if (condition === "Success" && outcome.settings?.onSuccess === undefined) return this.remove(message);
    const settled: SettleMeta = {
      kind: "settle",
      requestId: meta.requestId,
      functionName: meta.functionName,
      qualifier: meta.qualifier,
      acceptedAt: meta.acceptedAt,
      condition,
      attempts,
      settledAt: this.deps.clock.now(),
      executedVersion: outcome.executedVersion,
      responsePayload: outcome.responsePayload,
      error: outcome.error,
      redrivenFrom: meta.redrivenFrom,
    };
    await this.replace(message, settled, this.deps.clock.now());
  }

  /** Writes the message's next state as a new message, then deletes the old one. */
  private async replace(
    message: ReceivedQueueMessage,
    meta: AsyncMessageMeta,
    visibleAt: number,
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.send(ASYNC_QUEUE_ID, {
      messageId: randomUUID(),
      body: message.body,
      meta,
      sentAt: now,
      visibleAt,
    });
    this.deps.metrics.queued(1);
    await this.remove(message);
    if (visibleAt <= now) this.again = true;
  }

  private async remove(message: ReceivedQueueMessage): Promise<void> {
    const deleted = await this.deps.store.delete(ASYNC_QUEUE_ID, message.receiptHandle);
    if (deleted) this.deps.metrics.queued(-1);
    else
      this.deps.logger.warn(
        { messageId: message.messageId },
        "an async event's lease expired before it was done; it may run twice",
      );
  }

  /**
   * Throttled or hit by a system error: back into the queue, later (its lease becomes its delay).
   * @param waitsFor the function whose reserved concurrency it waits for, if that is the reason
   */
  private async defer(message: ReceivedQueueMessage, waitsFor?: string): Promise<void> {
    this.deps.metrics.throttled();
    const delay = throttleBackoffMs(message.receiveCount - 1);
    await this.deps.store.changeVisibility(
      ASYNC_QUEUE_ID,
      message.receiptHandle,
      this.deps.clock.now() + delay,
    );
    if (waitsFor === undefined) return;
    const waiting = this.waitingForRoom.get(waitsFor) ?? [];
    waiting.push(message.receiptHandle);
    // Bounded: the rest simply wait out their backoff.
    if (waiting.length > MAX_WAITING_PER_FUNCTION) waiting.shift();
    this.waitingForRoom.set(waitsFor, waiting);
  }

  /** An attempt of `functionName` ended: the oldest event waiting for its room is due now. */
  private async makeRoom(functionName: string): Promise<void> {
    const waiting = this.waitingForRoom.get(functionName);
    while (waiting && waiting.length > 0) {
      const handle = waiting.shift() as string;
      if (waiting.length === 0) this.waitingForRoom.delete(functionName);
      // False when the handle is stale (the event was received again, or is gone): try the next.
      if (await this.deps.store.changeVisibility(ASYNC_QUEUE_ID, handle, this.deps.clock.now())) {
        this.wake();
        return;
      }
    }
  }

  /** The server is stopping: the event is untouched and runs after the next start. */
  private async release(message: ReceivedQueueMessage): Promise<void> {
    await this.deps.store.changeVisibility(ASYNC_QUEUE_ID, message.receiptHandle, this.deps.clock.now());
  }
}
