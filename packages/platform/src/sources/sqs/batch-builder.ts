import type { PolledMessage } from "./queue-port.js";

/** SQS returns at most 10 messages per receive. */
export const MAX_RECEIVE = 10;
/** The longest long poll SQS allows. */
export const MAX_WAIT_MS = 20_000;
/** `{"Records":[` + `]}`. */
const ENVELOPE_BYTES = 14;

export interface BatchLimits {
  batchSize: number;
  /** MaximumBatchingWindowInSeconds in ms; 0 sends as soon as a receive returns messages. */
  windowMs: number;
  /** The synchronous invoke payload limit (6 MB). */
  maxPayloadBytes: number;
}

export type BatchStep = { kind: "receive"; max: number; waitMs: number } | { kind: "invoke" };

/** A message with its serialized SQS record, so the payload is built once and measured exactly. */
export interface BatchEntry {
  message: PolledMessage;
  record: string;
  /** UTF-8 length of `record`. */
  bytes: number;
}

/**
 * Gathers one batch (invocation-semantics.md section 5, step 2): until `batchSize` messages, the
 * batching window (counted from the first message) or the payload limit, whichever comes
 * first. Pure: the poller asks `next(now)` what to do and feeds it what receives return.
 */
export class BatchBuilder {
  readonly entries: BatchEntry[] = [];
  private bytes = ENVELOPE_BYTES;
  private windowEndsAt: number | undefined;
  private full = false;

  constructor(private readonly limits: BatchLimits) {}

  get size(): number {
    return this.entries.length;
  }

  /**
   * Adds received messages; returns those that did not fit under the payload limit (they start
   * the next batch). A single message always fits an empty batch: the invoke path answers for
   * one that is too large on its own.
   */
  add(entries: BatchEntry[], now: number): BatchEntry[] {
    if (entries.length > 0 && this.windowEndsAt === undefined) this.windowEndsAt = now + this.limits.windowMs;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as BatchEntry;
      const added = entry.bytes + (this.entries.length > 0 ? 1 : 0);
      if (this.entries.length >= this.limits.batchSize) {
        this.full = true;
        return entries.slice(i);
      }
      if (this.entries.length > 0 && this.bytes + added > this.limits.maxPayloadBytes) {
        this.full = true;
        return entries.slice(i);
      }
      this.entries.push(entry);
      this.bytes += added;
    }
    return [];
  }

  /** Payload bytes so far: the exact UTF-8 length of the event. */
  get payloadBytes(): number {
    return this.bytes;
  }

  /** What the poller does next. */
  next(now: number): BatchStep {
    const count = this.entries.length;
    if (this.full || count >= this.limits.batchSize) return { kind: "invoke" };
    const room = Math.min(MAX_RECEIVE, this.limits.batchSize - count);
    if (count === 0 || this.windowEndsAt === undefined)
      return { kind: "receive", max: room, waitMs: MAX_WAIT_MS };
    const left = this.windowEndsAt - now;
    if (left <= 0) return { kind: "invoke" };
    return { kind: "receive", max: room, waitMs: Math.min(left, MAX_WAIT_MS) };
  }
}
