import type { LogCursor, StoredLogEvent } from "../log-store.js";

/** A `log_chunks` row as queries read it. */
export interface ChunkRow {
  first_seq: number;
  min_ts: number;
  max_ts: number;
  ingestion_time: number;
  /** JSON array of [timestamp, message]. */
  events: string;
  stream_name: string;
}

export interface ChunkScan {
  startTime?: number | undefined;
  endTime?: number | undefined;
  cursor?: LogCursor | undefined;
  /** No chunk's max_ts exceeds its min_ts by more than this. */
  maxSpan: number;
  limit: number;
  ascending: boolean;
}

const ascendingOrder = (a: StoredLogEvent, b: StoredLogEvent) => a.timestamp - b.timestamp || a.seq - b.seq;
const descendingOrder = (a: StoredLogEvent, b: StoredLogEvent) => b.timestamp - a.timestamp || b.seq - a.seq;

/**
 * The first `limit` events, in (timestamp, seq) order or its reverse, of chunks that arrive in
 * min_ts order in the same direction. Stops reading chunks once `limit` events are held and no
 * further chunk can hold one that sorts before the limit-th: ascending, a chunk's min_ts is past
 * that event's timestamp; descending, even min_ts + maxSpan is before it. Equal timestamps keep
 * reading, since a later chunk in the walk may still hold a smaller (larger) seq.
 */
export function collectChunkEvents(chunks: Iterable<ChunkRow>, scan: ChunkScan): StoredLogEvent[] {
  const { ascending, limit, cursor } = scan;
  if (limit <= 0) return [];
  const order = ascending ? ascendingOrder : descendingOrder;
  const lo = scan.startTime ?? Number.NEGATIVE_INFINITY;
  const hi = scan.endTime ?? Number.POSITIVE_INFINITY;
  let found: StoredLogEvent[] = [];
  // Timestamp of the limit-th event held when last sorted. More events since then only move the
  // true limit-th event earlier in the order, so a stale bound is loose, never wrong.
  let bound: number | undefined;
  for (const chunk of chunks) {
    if (bound !== undefined) {
      if (ascending ? chunk.min_ts > bound : chunk.min_ts + scan.maxSpan < bound) break;
      if (!ascending && chunk.max_ts < bound) continue;
    }
    const events = JSON.parse(chunk.events) as [number, string][];
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as [number, string];
      const timestamp = event[0];
      if (timestamp < lo || timestamp > hi) continue;
      if (bound !== undefined && (ascending ? timestamp > bound : timestamp < bound)) continue;
      const seq = chunk.first_seq + i;
      if (cursor && !beyond(cursor, timestamp, seq, ascending)) continue;
      found.push({
        seq,
        timestamp,
        ingestionTime: chunk.ingestion_time,
        message: event[1],
        logStreamName: chunk.stream_name,
      });
    }
    // Sorting whenever the held events double keeps the whole walk at O(n log limit).
    if (found.length >= (bound === undefined ? limit : 2 * limit)) {
      found = found.sort(order).slice(0, limit);
      bound = (found[limit - 1] as StoredLogEvent).timestamp;
    }
  }
  found.sort(order);
  return found.length > limit ? found.slice(0, limit) : found;
}

/** Whether (timestamp, seq) lies strictly after the cursor in the walk's direction. */
function beyond(cursor: LogCursor, timestamp: number, seq: number, ascending: boolean): boolean {
  if (timestamp !== cursor.timestamp)
    return ascending ? timestamp > cursor.timestamp : timestamp < cursor.timestamp;
  return ascending ? seq > cursor.seq : seq < cursor.seq;
}
