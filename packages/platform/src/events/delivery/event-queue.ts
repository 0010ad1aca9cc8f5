import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { QueueStore } from "../../storage/queue-store.js";
import type { RetryPolicy } from "../buses/bus-model.js";

/** The internal queue (in the shared QueueStore) that holds accepted events and pending deliveries. */
export const EVENTS_QUEUE_ID = "nimbus:events";

/** An accepted event, waiting to be matched against its bus's rules. The body is the event JSON. */
export interface IngestMeta {
  kind: "event";
  bus: string;
  ingestedAt: number;
  /** A scheduled rule's event goes to that rule's targets only. */
  onlyRule?: string;
}

/** One delivery to one target (a rule's or a schedule's). The body is the payload. */
export interface DeliveryMeta {
  kind: "delivery";
  targetArn: string;
  retry: RetryPolicy;
  deadLetterArn?: string;
  groupId?: string;
  /** Attempts made so far. */
  attempts: number;
  /** Epoch ms the event was accepted (MaximumEventAgeInSeconds counts from here). */
  firstAt: number;
  /** What the dead-letter queue gets: the event (rules) or the payload (schedules). */
  deadLetterBody: string;
  /** The dead-letter message's attributes besides ERROR_CODE / ERROR_MESSAGE. */
  deadLetterAttributes: Record<string, string>;
}

export type EventsMeta = IngestMeta | DeliveryMeta;

/** How much later a deduplicated send (a schedule's slot) is still recognized. */
const SLOT_DEDUP_MS = 7 * 86_400_000;

/** Writes to the internal queue; every method resolves once the messages are committed. */
export class EventQueue {
  constructor(
    private readonly store: QueueStore,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  /** Stores accepted events in one transaction (PutEvents answers after this). */
  async ingest(entries: { body: string; meta: IngestMeta }[]): Promise<void> {
    if (entries.length === 0) return;
    const now = this.clock.now();
    await this.store.sendBatch(
      EVENTS_QUEUE_ID,
      entries.map((e) => ({
        messageId: randomUUID(),
        body: e.body,
        meta: e.meta,
        sentAt: now,
        visibleAt: now,
      })),
    );
    this.wake();
  }

  /**
   * Stores one message at most once per `slotKey` (a schedule's or scheduled rule's slot): a
   * second send for the same slot, after a crash between firing and recording it, stores nothing.
   */
  async sendOnce(slotKey: string, body: string, meta: EventsMeta): Promise<boolean> {
    const now = this.clock.now();
    const outcome = await this.store.send(
      EVENTS_QUEUE_ID,
      { messageId: randomUUID(), body, meta, sentAt: now, visibleAt: now, dedupId: slotKey },
      { dedupSince: now - SLOT_DEDUP_MS },
    );
    this.wake();
    return !outcome.duplicate;
  }

  /** Stores deliveries (a matched event's targets), visible at `visibleAt`. */
  async deliveries(items: { body: string; meta: DeliveryMeta }[], visibleAt: number): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    await this.store.sendBatch(
      EVENTS_QUEUE_ID,
      items.map((i) => ({ messageId: randomUUID(), body: i.body, meta: i.meta, sentAt: now, visibleAt })),
    );
    this.wake();
  }
}
