import type { Logger } from "../../core/logger.js";
import { compileFilters } from "../filter/record-filter.js";
import type { MappingRecord } from "../mapping-model.js";
import { SqsPoller, type SqsPollerDeps } from "./sqs-poller.js";

/**
 * The running pollers, one per enabled mapping. A change replaces the mapping's poller (the old
 * one stops polling at once and finishes its in-flight batch); disable and delete stop it.
 */
export class SqsPollers {
  private readonly running = new Map<string, SqsPoller>();
  private readonly stopping = new Set<SqsPoller>();
  private closed = false;

  constructor(
    private readonly deps: SqsPollerDeps,
    private readonly logger: Logger,
  ) {}

  /** Starts, restarts or stops the poller of a mapping after it was stored (undefined = deleted). */
  apply(uuid: string, record: MappingRecord | undefined): void {
    const current = this.running.get(uuid);
    if (current) {
      this.running.delete(uuid);
      this.retire(current);
    }
    if (this.closed || !record?.enabled) return;
    const filter = record.filterPatterns.length > 0 ? compileFilters(record.filterPatterns) : undefined;
    const poller = new SqsPoller(record, this.deps, filter);
    this.running.set(uuid, poller);
    poller.start();
    this.logger.debug({ mapping: uuid, queue: record.eventSourceArn }, "event source mapping polling");
  }

  /** Concurrent batches per running mapping (health, tests). */
  stats(): Record<string, number> {
    return Object.fromEntries([...this.running].map(([uuid, p]) => [uuid, p.concurrency]));
  }

  /** Stops every poller; long polls end at once. */
  close(): void {
    this.closed = true;
    for (const poller of this.running.values()) this.retire(poller);
    this.running.clear();
  }

  /** Resolves when every stopped poller's in-flight batches have ended. */
  async idle(): Promise<void> {
    while (this.stopping.size > 0) await Promise.all([...this.stopping].map((p) => p.idle()));
  }

  private retire(poller: SqsPoller): void {
    poller.stop();
    this.stopping.add(poller);
    void poller.idle().then(() => this.stopping.delete(poller));
  }
}
