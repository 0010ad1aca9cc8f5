import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { EventQueue, IngestMeta } from "../delivery/event-queue.js";
import { eventsError } from "../errors.js";
import { type BusEvent, busNameOf, DEFAULT_BUS } from "./bus-model.js";
import type { BusService } from "./bus-service.js";

/** One PutEvents entry, already type-checked. */
export interface PutEventsEntry {
  source?: string | undefined;
  detailType?: string | undefined;
  detail?: string | undefined;
  resources?: string[] | undefined;
  /** Epoch ms. */
  time?: number | undefined;
  eventBusName?: string | undefined;
  traceHeader?: string | undefined;
}

export interface EntryResult {
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** AWS: 256 KB per request, counted the way PutEvents documents it. */
export const MAX_PUT_EVENTS_BYTES = 262_144;

/** Size of an entry as AWS counts it: Time 14 bytes, plus Source, DetailType, Detail and Resources in UTF-8. */
export function entrySize(e: PutEventsEntry): number {
  let size = e.time === undefined ? 0 : 14;
  for (const s of [e.source, e.detailType, e.detail, ...(e.resources ?? [])])
    if (s !== undefined) size += Buffer.byteLength(s, "utf8");
  return size;
}

/**
 * PutEvents: each entry is checked on its own (a bad entry gets ErrorCode/ErrorMessage, the
 * others go on); the accepted ones are stored in one transaction before the answer.
 */
export async function putEvents(
  entries: PutEventsEntry[],
  deps: { buses: BusService; queue: EventQueue; scope: AccountScope; clock: Clock },
): Promise<{ failed: number; results: EntryResult[] }> {
  if (entries.length === 0 || entries.length > 10)
    throw eventsError.validation(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10`,
    );
  if (entries.reduce((n, e) => n + entrySize(e), 0) > MAX_PUT_EVENTS_BYTES)
    throw eventsError.validation("Total size of the entries in the request is over the limit.");
  const now = deps.clock.now();
  const results: EntryResult[] = [];
  const accepted: { body: string; meta: IngestMeta }[] = [];
  const known = new Map<string, boolean>();
  for (const entry of entries) {
    const problem = checkEntry(entry);
    if (problem) {
      results.push(problem);
      continue;
    }
    const bus = busNameOf(entry.eventBusName ?? DEFAULT_BUS);
    if (bus === undefined) {
      results.push({ errorCode: "InvalidArgument", errorMessage: "Parameter EventBusName is not valid." });
      continue;
    }
    if (!known.has(bus)) known.set(bus, (await deps.buses.getBus(bus)) !== undefined);
    if (!known.get(bus)) {
      results.push({ errorCode: "NotFound", errorMessage: `Event bus ${bus} does not exist.` });
      continue;
    }
    const event: BusEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": entry.detailType as string,
      source: entry.source as string,
      account: deps.scope.accountId,
      time: isoSeconds(entry.time ?? now),
      region: deps.scope.region,
      resources: entry.resources ?? [],
      detail: JSON.parse(entry.detail as string) as Record<string, unknown>,
    };
    accepted.push({ body: JSON.stringify(event), meta: { kind: "event", bus, ingestedAt: now } });
    results.push({ eventId: event.id });
  }
  await deps.queue.ingest(accepted);
  return { failed: results.filter((r) => r.errorCode !== undefined).length, results };
}

function checkEntry(e: PutEventsEntry): EntryResult | undefined {
  const missing = (member: string): EntryResult => ({
    errorCode: "InvalidArgument",
    errorMessage: `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
  });
  if (!e.source) return missing("Source");
  if (!e.detailType) return missing("DetailType");
  if (e.detail === undefined) return missing("Detail");
  if (e.source.startsWith("aws."))
    return { errorCode: "NotAuthorizedForSourceException", errorMessage: "Not authorized for the source." };
  let detail: unknown;
  try {
    detail = JSON.parse(e.detail);
  } catch {
    return { errorCode: "MalformedDetail", errorMessage: "Detail is malformed." };
  }
  if (typeof detail !== "object" || detail === null || Array.isArray(detail))
    return { errorCode: "MalformedDetail", errorMessage: "Detail is malformed." };
  if (entrySize(e) > MAX_PUT_EVENTS_BYTES)
    return { errorCode: "InvalidArgument", errorMessage: "Event size exceeds the limit of 256 KB." };
  return undefined;
}

/** `YYYY-MM-DDThh:mm:ssZ`, the precision of an event's `time`. */
export function isoSeconds(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}
