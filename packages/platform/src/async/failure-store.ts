import type { MetadataStore } from "../storage/metadata-store.js";
import { asyncError } from "./errors.js";
import type { AttemptError, EventCondition } from "./event-types.js";

const KIND = "async-failure";

/** One delivery of a settled event (DLQ, OnFailure or OnSuccess destination) and how it went. */
export interface DeliveryOutcome {
  role: "DeadLetterQueue" | "OnFailure" | "OnSuccess";
  arn: string;
  ok: boolean;
  error?: string;
}

/**
 * A failed asynchronous event, kept beyond AWS's behaviour so it can be inspected and redriven:
 * retries exhausted, too old, its function gone, or a delivery of its outcome failed.
 */
export interface FailedEvent {
  /** Sortable by acceptance time: `<acceptedAt, 13 digits>-<requestId>`. */
  id: string;
  requestId: string;
  functionName: string;
  qualifier: string | undefined;
  condition: EventCondition;
  /** Why it is here: the condition, or `DeliveryFailed` when only a delivery failed. */
  reason: EventCondition | "DeliveryFailed";
  attempts: number;
  acceptedAt: number;
  failedAt: number;
  /** The original event (JSON text). */
  payload: string;
  error: AttemptError | undefined;
  deliveries: DeliveryOutcome[];
  redrivenFrom: string | undefined;
}

/** The failure store: failed events in the MetadataStore, listed oldest first. */
export class FailureStore {
  constructor(private readonly store: MetadataStore) {}

  static idOf(acceptedAt: number, requestId: string): string {
    return `${String(acceptedAt).padStart(13, "0")}-${requestId}`;
  }

  /** Stores (or, for a repeated settle after a crash, overwrites) one failed event. */
  async put(failure: FailedEvent): Promise<void> {
    await this.store.write([{ op: "put", kind: KIND, key: failure.id, value: failure }]);
  }

  async get(id: string): Promise<FailedEvent> {
    const doc = await this.store.get<FailedEvent>(KIND, id);
    if (!doc) throw asyncError.failureNotFound(id);
    return doc.value;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.store.write([{ op: "delete", kind: KIND, key: id }]);
  }

  /**
   * A page of failures, oldest first, optionally of one function only.
   * @param after the `nextMarker` of the previous page
   */
  async list(options: {
    functionName?: string | undefined;
    after?: string | undefined;
    limit: number;
  }): Promise<{ items: FailedEvent[]; nextMarker: string | undefined }> {
    const items: FailedEvent[] = [];
    let after = options.after;
    // Filtering by function scans in key order; pages stop as soon as `limit` items matched.
    for (;;) {
      const page = await this.store.list<FailedEvent>(KIND, {
        ...(after === undefined ? {} : { after }),
        limit: Math.max(options.limit, 100),
      });
      for (const doc of page.items) {
        after = doc.key;
        if (options.functionName !== undefined && doc.value.functionName !== options.functionName) continue;
        items.push(doc.value);
        if (items.length === options.limit) {
          const more = doc.key !== page.items[page.items.length - 1]?.key || page.nextAfter !== undefined;
          return { items, nextMarker: more ? doc.key : undefined };
        }
      }
      if (page.nextAfter === undefined) return { items, nextMarker: undefined };
    }
  }

  async count(): Promise<number> {
    return this.store.count(KIND);
  }
}
