import { type FilteredLogEvent, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import type { NimbusClients } from "../lib/clients.js";

/** A log group to follow and the label its lines carry. */
export interface LogSource {
  label: string;
  logGroup: string;
}

export interface LogStreamerOptions {
  /** Lines at or after this time (epoch ms) are printed. */
  since: number;
  pollMs?: number;
  print: (label: string, message: string) => void;
  onError?: (error: Error) => void;
}

/** Lines written a little out of timestamp order are still caught (ids already seen are skipped). */
const LOOKBACK_MS = 2_000;

/**
 * Follows the log groups of a stack's functions with FilterLogEvents (every ~300 ms, one call per
 * group, in parallel) and prints each new line once as `[LogicalId] message`. The set of groups
 * is replaced after each deploy (`setSources`); a group that does not exist yet is skipped.
 */
export class LogStreamer {
  private sources: LogSource[] = [];
  private readonly cursors = new Map<string, { from: number; seen: Map<string, number> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly pollMs: number;
  /** The last error printed: the same one is not printed again every round (a server gone away). */
  private lastError: string | undefined;

  constructor(
    private readonly clients: NimbusClients,
    private readonly options: LogStreamerOptions,
  ) {
    this.pollMs = options.pollMs ?? 300;
  }

  setSources(sources: LogSource[]): void {
    this.sources = sources;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops polling and waits for a round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        this.schedule(this.pollMs);
      });
    }, ms);
  }

  private async poll(): Promise<void> {
    let failed = false;
    await Promise.all(
      this.sources.map((source) =>
        this.pollGroup(source).catch((error: Error) => {
          failed = true;
          if (this.stopped || error.message === this.lastError) return;
          this.lastError = error.message;
          this.options.onError?.(error);
        }),
      ),
    );
    if (!failed) this.lastError = undefined;
  }

  private async pollGroup(source: LogSource): Promise<void> {
    let cursor = this.cursors.get(source.logGroup);
    if (!cursor) {
      cursor = { from: this.options.since, seen: new Map() };
      this.cursors.set(source.logGroup, cursor);
    }
    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.clients.logs.send(
          new FilterLogEventsCommand({
            logGroupName: source.logGroup,
            startTime: Math.max(this.options.since, cursor.from - LOOKBACK_MS),
            nextToken,
          }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken && !this.stopped);
    } catch (error) {
      // The group appears with the function's first line.
      if ((error as Error).name === "ResourceNotFoundException") return;
      throw error;
    }
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    for (const e of events) {
      const id = e.eventId ?? `${e.logStreamName}:${e.timestamp}:${e.message}`;
      if (cursor.seen.has(id)) continue;
      const at = e.timestamp ?? 0;
      cursor.seen.set(id, at);
      cursor.from = Math.max(cursor.from, at);
      if (!this.stopped) this.options.print(source.label, (e.message ?? "").replace(/\n$/, ""));
    }
    // Ids older than the look-back window can no longer come back.
    for (const [id, at] of cursor.seen) if (at < cursor.from - LOOKBACK_MS) cursor.seen.delete(id);
  }
}
