import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { nextSlot, type ScheduleExpression, type SlotContext } from "./schedule-expression.js";

/** The last slot fired per job, keyed by job id. */
export const SLOT_KIND = "events-slot";

/** Something that fires on a schedule: a scheduled rule or an EventBridge Scheduler schedule. */
export interface ScheduleJob {
  id: string;
  expression: ScheduleExpression;
  slots: SlotContext;
  /** Slots before StartDate / after EndDate never fire. */
  startMs?: number;
  endMs?: number;
  /** FlexibleTimeWindow: a slot fires at a point in [slot, slot + windowMs); 0 = on the slot. */
  windowMs: number;
  /** Drawn once from the injected random source when the job was created: places each slot in its window. */
  jitter: number;
  /** Slots at or before this never fire (the job's creation). */
  notBefore: number;
  /** Hands the slot's work to durable storage; idempotent per slot (a repeat stores nothing). */
  fire(slot: number): Promise<void>;
  /** Called once the job has no slot left (at() fired, EndDate passed). */
  completed?(): Promise<void>;
}

interface SlotState {
  lastSlot: number;
}

export interface ScheduleEngineOptions {
  store: MetadataStore;
  clock: Clock;
  logger: Logger;
  /**
   * How long after its slot a missed slot (server down) still fires at start-up, for jobs
   * without a flexible window (the window itself when it is longer).
   */
  graceMs: number;
}

/** The golden ratio's fraction spreads consecutive slots over the window. */
const SPREAD = 0.6180339887498949;
/** Timers never wait longer than this (Node's timers overflow past 2^31 ms); waking early is harmless. */
const MAX_TIMER_MS = 6 * 3_600_000;
/** Slots looked at ahead when planning the next wake. */
const LOOKAHEAD = 4;

/**
 * Fires schedule slots on the injected Clock: one timer for the earliest due job, never a poll.
 * Once per slot: a slot is fired through the job's idempotent `fire` and then recorded as the
 * job's last slot, so neither a crash between the two nor a restart fires it twice. A slot
 * missed while the server was down fires once at start-up when it is still inside its window
 * (or `graceMs`); older ones are skipped, and only the latest live slot of a job fires.
 */
export class ScheduleEngine {
  private readonly jobs = new Map<string, { job: ScheduleJob; wakeAt: number | undefined }>();
  private cancelTimer: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private started = false;

  constructor(private readonly options: ScheduleEngineOptions) {}

  /** Loads the jobs, fires their missed slots and arms the timer. */
  async start(jobs: ScheduleJob[]): Promise<void> {
    for (const job of jobs) this.jobs.set(job.id, { job, wakeAt: undefined });
    this.started = true;
    await this.run(() => this.evaluate([...this.jobs.keys()]));
  }

  /** Adds or replaces a job (its last fired slot is kept: an update never refires a slot). */
  upsert(job: ScheduleJob): Promise<void> {
    this.jobs.set(job.id, { job, wakeAt: undefined });
    if (!this.started) return Promise.resolve();
    return this.run(() => this.evaluate([job.id]));
  }

  /** Removes a job and its slot record. */
  async remove(id: string, forget = true): Promise<void> {
    this.jobs.delete(id);
    if (forget) await this.options.store.write([{ op: "delete", kind: SLOT_KIND, key: id }]);
  }

  /** Resolves once the evaluations queued so far are done (tests). */
  settled(): Promise<void> {
    return this.chain;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    await this.chain;
  }

  private run(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work).catch((error: unknown) => {
      this.options.logger.error({ err: error }, "schedules could not be evaluated; trying again in a minute");
      this.arm(60_000);
    });
    return this.chain;
  }

  private async evaluate(ids: string[]): Promise<void> {
    for (const id of ids) {
      const entry = this.jobs.get(id);
      if (!entry || this.closed) continue;
      entry.wakeAt = await this.step(entry.job);
    }
    this.rearm();
  }

  /** Fires the job's due slot, if any; returns when it next needs a look. */
  private async step(job: ScheduleJob): Promise<number | undefined> {
    const { store, clock, graceMs } = this.options;
    const now = clock.now();
    const doc = await store.get<SlotState>(SLOT_KIND, job.id);
    let last = Math.max(doc?.value.lastSlot ?? Number.NEGATIVE_INFINITY, job.notBefore);
    const live = Math.max(job.windowMs, graceMs);
    let due: number | undefined;
    for (const slot of this.slots(job, Math.max(last, now - live - 1), now)) {
      if (this.fireAt(job, slot) <= now) due = slot;
    }
    if (due !== undefined) {
      await job.fire(due);
      await store.write([
        doc
          ? {
              op: "put",
              kind: SLOT_KIND,
              key: job.id,
              value: { lastSlot: due },
              expectRevision: doc.revision,
            }
          : { op: "put", kind: SLOT_KIND, key: job.id, value: { lastSlot: due }, expectRevision: "absent" },
      ]);
      last = due;
    }
    let wake: number | undefined;
    for (const slot of this.slots(
      job,
      Math.max(last, now - job.windowMs - 1),
      Number.POSITIVE_INFINITY,
      LOOKAHEAD,
    )) {
      const at = this.fireAt(job, slot);
      if (at > now && (wake === undefined || at < wake)) wake = at;
    }
    if (wake === undefined && due !== undefined && job.completed) await job.completed();
    return wake;
  }

  /** Slots in (after, until], within StartDate/EndDate, at most `limit`. */
  private *slots(job: ScheduleJob, after: number, until: number, limit = 100_000): Generator<number> {
    let cursor = job.startMs !== undefined ? Math.max(after, job.startMs - 1) : after;
    for (let n = 0; n < limit; n++) {
      const slot = nextSlot(job.expression, Number.isFinite(cursor) ? cursor : job.notBefore, job.slots);
      if (slot === undefined || slot > until || (job.endMs !== undefined && slot > job.endMs)) return;
      yield slot;
      cursor = slot;
    }
  }

  private fireAt(job: ScheduleJob, slot: number): number {
    if (job.windowMs === 0) return slot;
    const spread = (job.jitter + (slot / 60_000) * SPREAD) % 1;
    return slot + Math.floor(spread * job.windowMs);
  }

  private rearm(): void {
    let earliest: number | undefined;
    for (const { wakeAt } of this.jobs.values())
      if (wakeAt !== undefined && (earliest === undefined || wakeAt < earliest)) earliest = wakeAt;
    this.arm(earliest === undefined ? undefined : earliest - this.options.clock.now());
  }

  private arm(delayMs: number | undefined): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (delayMs === undefined || this.closed) return;
    this.cancelTimer = this.options.clock.setTimer(Math.min(MAX_TIMER_MS, Math.max(0, delayMs)), () => {
      this.cancelTimer = undefined;
      const now = this.options.clock.now();
      const due = [...this.jobs.entries()].filter(([, e]) => e.wakeAt !== undefined && e.wakeAt <= now);
      void this.run(() => this.evaluate(due.map(([id]) => id)));
    });
  }
}
