import type { Clock } from "../core/clock.js";
import { PlatformError } from "../core/errors.js";
import type { LogEventInput, LogStore } from "../storage/log-store.js";
import { OBSERVE_ERRORS } from "./errors.js";

export interface LogSinkOptions {
  /** Longest a line waits before it is written. Default 50. */
  flushIntervalMs?: number;
  /** A stream holding this many lines is written at once. Default 1000. */
  maxBatchEvents?: number;
  /** Lines held in memory at most; past this new lines are dropped and counted. Default 100000. */
  maxPendingEvents?: number;
  /** Told about every batch that could not be written (its lines are dropped). */
  onError?: (error: PlatformError) => void;
}

export interface LogSinkStats {
  pendingEvents: number;
  writtenEvents: number;
  /** Lines lost: buffer overflow, append after close, or a failed write. */
  droppedEvents: number;
}

interface Pending {
  logGroupName: string;
  logStreamName: string;
  events: LogEventInput[];
}

/**
 * Takes function log lines off the invoke path: `append` only buffers; lines are written to the
 * LogStore in one `putEvents` per stream, at most `flushIntervalMs` after they arrive or as soon
 * as a stream holds `maxBatchEvents`. Groups and streams are created on first write, as Lambda
 * does. Writes run one at a time, so each stream keeps the order of its lines.
 */
export class LogSink {
  private readonly flushIntervalMs: number;
  private readonly maxBatchEvents: number;
  private readonly maxPendingEvents: number;
  private readonly onError: (error: PlatformError) => void;
  private buffers = new Map<string, Pending>();
  private pending = 0;
  private written = 0;
  private dropped = 0;
  private cancelTimer: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Streams known to exist, so steady-state flushes skip the create-if-missing writes. */
  private readonly ensured = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: LogStore,
    private readonly clock: Pick<Clock, "setTimer">,
    options: LogSinkOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxBatchEvents = options.maxBatchEvents ?? 1000;
    this.maxPendingEvents = options.maxPendingEvents ?? 100_000;
    this.onError = options.onError ?? ((error) => process.emitWarning(error.message, { code: error.code }));
  }

  /** Buffers one line; never waits and never throws. */
  append(logGroupName: string, logStreamName: string, timestamp: number, message: string): void {
    if (this.closed || this.pending >= this.maxPendingEvents) {
      this.dropped++;
      return;
    }
    const key = `${logGroupName}\u0000${logStreamName}`;
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { logGroupName, logStreamName, events: [] };
      this.buffers.set(key, buffer);
    }
    buffer.events.push({ timestamp, message });
    this.pending++;
    if (buffer.events.length >= this.maxBatchEvents) {
      void this.startFlush(false);
    } else {
      this.cancelTimer ??= this.clock.setTimer(this.flushIntervalMs, () => {
        this.cancelTimer = undefined;
        void this.startFlush(false);
      });
    }
  }

  /**
   * Writes every line appended so far. Rejects when a batch could not be written (its lines are
   * dropped and also reported to `onError`).
   */
  async flush(): Promise<void> {
    const failures = await this.startFlush(true);
    if (failures.length > 0) {
      throw new PlatformError({
        code: OBSERVE_ERRORS.sinkWriteFailed,
        message: failures.map((f) => f.message).join("; "),
        kind: "system",
        cause: failures[0],
      });
    }
  }

  /** Resolves when no write is in flight; unlike `flush`, starts none. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
  }

  /**
   * Flushes, then drops (and counts) any line appended later. Safe to call twice. Never rejects,
   * so shutdown goes on to close the stores: a failed final write is reported to `onError`.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.startFlush(false);
  }

  stats(): LogSinkStats {
    return { pendingEvents: this.pending, writtenEvents: this.written, droppedEvents: this.dropped };
  }

  /** Queues a write of everything buffered now; resolves with the failures of that write. */
  private startFlush(caller: boolean): Promise<PlatformError[]> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const batches = [...this.buffers.values()];
    this.buffers = new Map();
    const run = this.chain.then(() => this.write(batches));
    this.chain = run.then(() => undefined);
    // Timer- and size-triggered writes report through onError only; flush() also rejects.
    return caller ? run : run.then(() => []);
  }

  private report(failure: PlatformError): void {
    try {
      this.onError(failure);
    } catch {
      // A throwing error handler must not break the write chain; the failure is counted in stats().
    }
  }

  private async write(batches: Pending[]): Promise<PlatformError[]> {
    // Steady state: every stream exists, and one commit writes the whole flush.
    if (batches.length > 0 && batches.every((batch) => this.ensured.has(keyOf(batch)))) {
      try {
        await this.store.putEventsMany(batches);
        for (const { events } of batches) {
          this.written += events.length;
          this.pending -= events.length;
        }
        return [];
      } catch {
        // A stream was deleted through the API since (nothing was written): the path below
        // creates what is missing and writes stream by stream.
      }
    }
    const failures: PlatformError[] = [];
    for (const batch of batches) {
      const count = batch.events.length;
      const key = keyOf(batch);
      try {
        if (!this.ensured.has(key)) {
          if (this.ensured.size > 10_000) this.ensured.clear();
          await this.store.ensureGroup(batch.logGroupName);
          await this.store.ensureStream(batch.logGroupName, batch.logStreamName);
          this.ensured.add(key);
        }
        try {
          await this.store.putEvents(batch.logGroupName, batch.logStreamName, batch.events);
        } catch {
          // The group or stream may have been deleted through the API since: create it again once.
          this.ensured.delete(key);
          await this.store.ensureGroup(batch.logGroupName);
          await this.store.ensureStream(batch.logGroupName, batch.logStreamName);
          await this.store.putEvents(batch.logGroupName, batch.logStreamName, batch.events);
          this.ensured.add(key);
        }
        this.written += count;
      } catch (error) {
        this.dropped += count;
        const failure = new PlatformError({
          code: OBSERVE_ERRORS.sinkWriteFailed,
          message: `Dropped ${count} log events for ${batch.logGroupName} ${batch.logStreamName}: ${
            error instanceof Error ? error.message : String(error)
          }`,
          kind: "system",
          cause: error,
        });
        failures.push(failure);
        this.report(failure);
      } finally {
        this.pending -= count;
      }
    }
    return failures;
  }
}

/** The buffer key of a stream (as `append` builds it). */
function keyOf(stream: { logGroupName: string; logStreamName: string }): string {
  return `${stream.logGroupName}\u0000${stream.logStreamName}`;
}
