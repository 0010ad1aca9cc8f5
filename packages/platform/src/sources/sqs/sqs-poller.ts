import { setMaxListeners } from "node:events";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { RecordFilter } from "../filter/record-filter.js";
import type { MappingRecord } from "../mapping-model.js";
import { BatchBuilder, type BatchEntry } from "./batch-builder.js";
import { keepGroupOrder, readBatchResponse } from "./batch-response.js";
import type { PolledMessage, QueuePort } from "./queue-port.js";
import { eventPayload, toSqsRecord } from "./sqs-event.js";

/** The function's answer, as the poller needs it from the invoke path. */
export interface BatchInvokeResult {
  payload: Buffer;
  functionError: string | undefined;
}

export interface SqsPollerDeps {
  queues: QueuePort;
  /** Synchronous invoke through the one invoke path. */
  invoke(functionArn: string, payload: Buffer): Promise<BatchInvokeResult>;
  /** The function's timeout, for the effective visibility timeout; undefined when unknown. */
  functionTimeoutSec(functionArn: string): Promise<number | undefined>;
  /** Records LastProcessingResult (called on every change). */
  onResult(uuid: string, result: string): void;
  clock: Clock;
  logger: Logger;
  region: string;
  maxPayloadBytes: number;
  scaling: PollerScaling;
}

/** How many batches of one mapping run at once (docs/event-source-mappings.md, Scaling). */
export interface PollerScaling {
  /** Pollers a mapping starts with (AWS: 5). */
  initial: number;
  /** Upper bound without ScalingConfig.MaximumConcurrency. */
  defaultMax: number;
}

const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * Polls one SQS mapping (invocation-semantics.md section 5): each worker long-polls, gathers a
 * batch, invokes the function synchronously and deletes what succeeded. Workers are added while
 * batches come back full and retire when the queue runs dry, between `initial` and the maximum
 * concurrency. Nothing is deleted unless the function succeeded with it: failed, timed-out and
 * throttled batches return to the queue when their visibility timeout ends, and the queue's
 * redrive policy takes them to its dead-letter queue after maxReceiveCount.
 */
export class SqsPoller {
  private workers = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly loops = new Set<Promise<void>>();
  private readonly timers = new Set<() => void>();
  private backoffMs = 0;
  private lastResult: string;
  private readonly maxWorkers: number;
  private readonly initialWorkers: number;

  constructor(
    readonly mapping: MappingRecord,
    private readonly deps: SqsPollerDeps,
    private readonly filter: RecordFilter | undefined,
  ) {
    this.lastResult = mapping.lastProcessingResult;
    this.maxWorkers = mapping.maximumConcurrency ?? deps.scaling.defaultMax;
    this.initialWorkers = Math.max(1, Math.min(deps.scaling.initial, this.maxWorkers));
    // Every worker's long poll listens on the one stop signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Concurrent batches right now. */
  get concurrency(): number {
    return this.workers;
  }

  start(): void {
    for (let i = 0; i < this.initialWorkers; i++) this.spawn();
  }

  /** Stops polling at once; in-flight batches finish (see `idle`). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }

  /** Resolves when every worker has ended (after `stop`). */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.all([...this.loops]);
  }

  private spawn(): void {
    this.workers++;
    const worker = { retired: false };
    const loop = this.work(worker)
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, mapping: this.mapping.uuid }, "poller failed"),
      )
      .finally(() => {
        if (!worker.retired) this.workers--;
        this.loops.delete(loop);
        // The last worker never retires while the mapping runs.
        if (!this.stopped && this.workers === 0) this.spawn();
      });
    this.loops.add(loop);
  }

  /** Retires a worker while more than `floor` run (counted at once, so two never both leave). */
  private retire(worker: { retired: boolean }, floor: number): boolean {
    if (this.workers <= floor) return false;
    this.workers--;
    worker.retired = true;
    return true;
  }

  private async work(worker: { retired: boolean }): Promise<void> {
    let carry: BatchEntry[] = [];
    const { clock } = this.deps;
    while (!this.stopped) {
      if (this.backoffMs > 0 && !(await this.sleep(this.backoffMs))) return;
      const builder = new BatchBuilder({
        batchSize: this.mapping.batchSize,
        windowMs: this.mapping.batchingWindowSec * 1000,
        maxPayloadBytes: this.deps.maxPayloadBytes,
      });
      carry = builder.add(carry, clock.now());
      const visibilityMs = await this.visibilityMs();
      let sawEmpty = false;
      for (let step = builder.next(clock.now()); step.kind === "receive"; step = builder.next(clock.now())) {
        const messages = await this.receive(step.max, step.waitMs, visibilityMs);
        if (messages === undefined) return; // stopped: what was received returns after its visibility
        if (messages.length === 0) {
          sawEmpty = true;
          if (builder.size === 0 && this.retire(worker, this.initialWorkers)) return; // queue dry: scale in
          continue;
        }
        carry = builder.add(
          messages.map((m) => this.entry(m)),
          clock.now(),
        );
      }
      // A full batch without an empty receive: messages remain, so another poller starts while
      // this one invokes (scale out), unless the function is failing or throttled.
      const full = builder.size >= this.mapping.batchSize || carry.length > 0;
      if (full && !sawEmpty && this.backoffMs === 0) this.scaleOut();
      const outcome = await this.process(builder.entries);
      if (outcome === "throttled" || outcome === "error") {
        this.backoffMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_START_MS, this.backoffMs * 2));
        if (this.retire(worker, 1)) return;
        continue;
      }
      this.backoffMs = 0;
      if (outcome === "failed" && this.retire(worker, this.initialWorkers)) return;
    }
  }

  private scaleOut(): void {
    if (!this.stopped && this.workers < this.maxWorkers) this.spawn();
  }

  private entry(message: PolledMessage): BatchEntry {
    const record = JSON.stringify(toSqsRecord(message, this.mapping.eventSourceArn, this.deps.region));
    return { message, record, bytes: Buffer.byteLength(record, "utf8") };
  }

  /**
   * The queue's visibility timeout, unless batching window plus function timeout exceed it:
   * then window + timeout + 30 s, as Lambda does, so a running batch does not reappear.
   */
  private async visibilityMs(): Promise<number | undefined> {
    const timeoutSec = await this.deps.functionTimeoutSec(this.mapping.functionArn).catch(() => undefined);
    if (timeoutSec === undefined) return undefined;
    const queue = await this.deps.queues.describe(this.mapping.eventSourceArn).catch(() => undefined);
    if (!queue) return undefined;
    const needed = this.mapping.batchingWindowSec + timeoutSec;
    return needed > queue.visibilityTimeoutSec ? (needed + 30) * 1000 : undefined;
  }

  /** One receive; undefined once stopped. */
  private async receive(max: number, waitMs: number, visibilityMs: number | undefined) {
    if (this.stopped) return undefined;
    try {
      // Stop aborts the signal, which ends the long poll at once (no race with a stop promise:
      // each race against a long-lived promise would stay referenced until the poller ends).
      const messages = await this.deps.queues.receive(this.mapping.eventSourceArn, {
        max,
        waitMs,
        visibilityMs,
        signal: this.abort.signal,
      });
      return this.stopped ? undefined : messages;
    } catch (error) {
      if (this.stopped) return undefined;
      this.report(`PROBLEM: ${describe(error)}`);
      this.deps.logger.warn(
        { err: error, mapping: this.mapping.uuid },
        "event source mapping cannot receive",
      );
      this.backoffMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_START_MS, this.backoffMs * 2));
      return (await this.sleep(this.backoffMs)) ? [] : undefined;
    }
  }

  /** Invokes with one batch and deletes what succeeded. */
  private async process(entries: BatchEntry[]): Promise<"ok" | "failed" | "throttled" | "error"> {
    if (entries.length === 0) return "ok";
    let batch = entries;
    if (this.filter) {
      const filter = this.filter;
      const region = this.deps.region;
      const queueArn = this.mapping.eventSourceArn;
      const pass = (e: BatchEntry) => filter.matches(toSqsRecord(e.message, queueArn, region));
      const dropped = entries.filter((e) => !pass(e));
      batch = entries.filter((e) => !dropped.includes(e));
      // Messages that match no filter are deleted without invoking (Lambda's filtering).
      if (dropped.length > 0) await this.delete(dropped.map((e) => e.message.receiptHandle));
      if (batch.length === 0) return "ok";
    }
    let result: BatchInvokeResult;
    try {
      result = await this.deps.invoke(this.mapping.functionArn, eventPayload(batch.map((e) => e.record)));
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_INVOKE_THROTTLED") {
        this.report("PROBLEM: Function call throttled");
        return "throttled";
      }
      this.report(`PROBLEM: ${describe(error)}`);
      if (!this.stopped)
        this.deps.logger.info(
          { err: error, mapping: this.mapping.uuid },
          "event source mapping invoke failed",
        );
      return "error";
    }
    if (result.functionError !== undefined) {
      this.report("PROBLEM: Function call failed");
      return "failed";
    }
    let keep: string[] = [];
    if (this.mapping.reportBatchItemFailures) {
      const verdict = readBatchResponse(result.payload, new Set(batch.map((e) => e.message.messageId)));
      if (verdict.kind === "all-failed") {
        this.report(`PROBLEM: Invalid batch item failures response: ${verdict.reason}`);
        return "failed";
      }
      keep = keepGroupOrder(
        batch.map((e) => ({ messageId: e.message.messageId, groupId: e.message.attributes.MessageGroupId })),
        verdict.failedIds,
      );
    }
    const kept = new Set(keep);
    await this.delete(
      batch.filter((e) => !kept.has(e.message.messageId)).map((e) => e.message.receiptHandle),
    );
    this.report("OK");
    return keep.length > 0 ? "failed" : "ok";
  }

  private async delete(receiptHandles: string[]): Promise<void> {
    if (receiptHandles.length === 0) return;
    try {
      await this.deps.queues.deleteBatch(this.mapping.eventSourceArn, receiptHandles);
    } catch (error) {
      // Not deleted means delivered again after the visibility timeout: at least once, never lost.
      this.deps.logger.warn(
        { err: error, mapping: this.mapping.uuid },
        "processed messages could not be deleted",
      );
    }
  }

  private report(result: string): void {
    if (result === this.lastResult) return;
    this.lastResult = result;
    this.deps.onResult(this.mapping.uuid, result);
  }

  /** Waits on the clock; false when stopped meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.timers.delete(interrupt);
        resolve(ok);
      };
      const cancelTimer = this.deps.clock.setTimer(ms, () => done(!this.stopped));
      const interrupt = () => {
        cancelTimer();
        done(false);
      };
      this.timers.add(interrupt);
    });
  }
}

function describe(error: unknown): string {
  if (isPlatformError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
