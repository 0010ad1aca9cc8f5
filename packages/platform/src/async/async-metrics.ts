import { Counter, Gauge, type Registry } from "prom-client";
import type { QueueCounts } from "../storage/queue-store.js";

/**
 * Counters of asynchronous invocation, kept in memory for `/_nimbus/health` and, when a
 * Prometheus registry is given, exported at `/_nimbus/metrics` as `nimbus_async_*`.
 */
export class AsyncMetrics {
  private readonly totals = {
    accepted: 0,
    dispatched: 0,
    retried: 0,
    throttled: 0,
    succeeded: 0,
    failed: 0,
  };
  /** Messages in the internal queue (events and pending settles), tracked from the start-up count. */
  private depth = 0;
  private readonly prom:
    | {
        events: Counter<"stage">;
        failures: Counter<"condition">;
        deliveries: Counter<"role" | "outcome">;
      }
    | undefined;

  /**
   * @param counts the internal queue's message counts (read when scraped)
   * @param oldestAcceptedAt when the event of the first message in send order was accepted
   */
  constructor(
    registry: Registry | undefined,
    counts: () => Promise<QueueCounts>,
    oldestAcceptedAt: () => Promise<number | undefined>,
    now: () => number,
  ) {
    if (!registry) return;
    const registers = [registry];
    this.prom = {
      events: new Counter({
        name: "nimbus_async_events_total",
        help: "Asynchronous events by stage: accepted, dispatched (an attempt began), retried, throttled (put back), succeeded.",
        labelNames: ["stage"],
        registers,
      }),
      failures: new Counter({
        name: "nimbus_async_failures_total",
        help: "Asynchronous events that ended in failure, by condition.",
        labelNames: ["condition"],
        registers,
      }),
      deliveries: new Counter({
        name: "nimbus_async_deliveries_total",
        help: "Deliveries of async outcomes (DeadLetterQueue, OnFailure, OnSuccess) by outcome.",
        labelNames: ["role", "outcome"],
        registers,
      }),
    };
    new Gauge({
      name: "nimbus_async_queue_messages",
      help: "Messages in the internal async event queue by state (visible, inFlight, delayed).",
      labelNames: ["state"],
      registers,
      async collect() {
        const c = await counts();
        this.set({ state: "visible" }, c.visible);
        this.set({ state: "inFlight" }, c.inFlight);
        this.set({ state: "delayed" }, c.delayed);
      },
    });
    new Gauge({
      name: "nimbus_async_oldest_event_age_seconds",
      help: "Age of the event of the oldest message (in send order) in the async queue; 0 when empty.",
      registers,
      async collect() {
        const acceptedAt = await oldestAcceptedAt();
        this.set(acceptedAt === undefined ? 0 : Math.max(0, (now() - acceptedAt) / 1000));
      },
    });
  }

  /** Sets the queue depth found at start-up. */
  startDepth(depth: number): void {
    this.depth = depth;
  }

  accepted(): void {
    this.count("accepted");
    this.depth++;
  }
  dispatched(): void {
    this.count("dispatched");
  }
  retried(): void {
    this.count("retried");
  }
  throttled(): void {
    this.count("throttled");
  }
  succeeded(): void {
    this.count("succeeded");
  }
  failed(condition: string): void {
    this.totals.failed++;
    this.prom?.failures.inc({ condition });
  }
  /** A message was added to (+1) or removed from (-1) the internal queue. */
  queued(change: number): void {
    this.depth = Math.max(0, this.depth + change);
  }
  delivered(role: string, ok: boolean): void {
    this.prom?.deliveries.inc({ role, outcome: ok ? "delivered" : "failed" });
  }

  /** For `/_nimbus/health`. */
  snapshot(): Record<string, number> {
    return { queued: this.depth, ...this.totals };
  }

  private count(stage: "accepted" | "dispatched" | "retried" | "throttled" | "succeeded"): void {
    this.totals[stage]++;
    this.prom?.events.inc({ stage });
  }
}
