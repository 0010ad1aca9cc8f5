import type Database from "better-sqlite3";

/** Sorts streams that never had an event before every real timestamp. */
export const NO_EVENT = -9_007_199_254_740_991;

/** Events per chunk row: bounds the JSON a query parses to reach one event. */
export const MAX_CHUNK_EVENTS = 500;

/**
 * Widest max_ts - min_ts of a chunk (a call spanning more is split). Queries widen their index
 * ranges by the widest span stored, so this cap keeps them tight whatever timestamps come in.
 */
export const MAX_CHUNK_SPAN_MS = 10_000;

/**
 * Events are stored in chunks, one row per `putEvents` call (split at MAX_CHUNK_EVENTS and
 * MAX_CHUNK_SPAN_MS): a row and two index entries per call instead of a row and two index
 * entries per event. `events` is a JSON array of [timestamp, message] in arrival order; event i
 * has seq first_seq + i. Timestamps inside a chunk need not be sorted, so queries walk chunks by
 * min_ts (either direction) and sort what they collect.
 *
 * log_meta keeps what must outlive deleted chunks: `next_seq` (written before deletes, so a seq
 * is never reused) and `max_span`, the widest max_ts - min_ts of any chunk, which makes "chunks
 * that may hold timestamps >= t" an index range (min_ts >= t - max_span) and tells a descending
 * walk when no further chunk can reach a timestamp (min_ts + max_span < t).
 */
export const LOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS log_groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, creation_time INTEGER NOT NULL,
    retention_days INTEGER);
  CREATE TABLE IF NOT EXISTS log_streams (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES log_groups (id) ON DELETE CASCADE,
    name TEXT NOT NULL, creation_time INTEGER NOT NULL,
    first_event INTEGER, last_event INTEGER, last_ingestion INTEGER,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, name));
  CREATE INDEX IF NOT EXISTS log_streams_by_last_event
    ON log_streams (group_id, COALESCE(last_event, ${NO_EVENT}), name);
  CREATE TABLE IF NOT EXISTS log_chunks (
    id INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL REFERENCES log_streams (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL,
    first_seq INTEGER NOT NULL, count INTEGER NOT NULL,
    min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,
    ingestion_time INTEGER NOT NULL, events TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS log_chunks_by_stream ON log_chunks (stream_id, min_ts);
  CREATE INDEX IF NOT EXISTS log_chunks_by_group ON log_chunks (group_id, min_ts);
  CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** What a store keeps in memory between writes, read once at open. */
export interface LogCounters {
  nextSeq: number;
  maxSpan: number;
}

/** Creates the schema, converts a `log_events` table of older versions, and reads the counters. */
export function prepareLogSchema(db: Database.Database): LogCounters {
  db.exec(LOG_SCHEMA);
  db.transaction(() => migrateLogEvents(db))();
  const meta = (key: string) =>
    db.prepare<[string], { value: number }>("SELECT value FROM log_meta WHERE key = ?").get(key)?.value;
  // Ids grow with seqs (the newest chunk has the highest id unless deleted, and deletes record next_seq).
  const newest = db
    .prepare<[], { next: number }>(
      "SELECT first_seq + count AS next FROM log_chunks ORDER BY id DESC LIMIT 1",
    )
    .get();
  return {
    // Seqs start at 1, as the AUTOINCREMENT column of older versions did.
    nextSeq: Math.max(1, meta("next_seq") ?? 1, newest?.next ?? 1),
    maxSpan: Math.max(0, meta("max_span") ?? 0),
  };
}

interface OldEventRow {
  seq: number;
  stream_id: number;
  group_id: number;
  timestamp: number;
  ingestion_time: number;
  message: string;
}

/**
 * Data directories of older versions hold one `log_events` row per event. They become chunks of
 * consecutive seqs of one stream with one ingestion time (the events of one old putEvents call),
 * keeping their seqs, so paging tokens handed out before the upgrade stay valid.
 */
function migrateLogEvents(db: Database.Database): void {
  const exists = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'log_events'",
    )
    .get();
  if (!exists) return;
  const insert = db.prepare<[number, number, number, number, number, number, number, string]>(
    `INSERT INTO log_chunks (stream_id, group_id, first_seq, count, min_ts, max_ts, ingestion_time, events)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let chunk: OldEventRow[] = [];
  let min = 0;
  let max = 0;
  let maxSpan = 0;
  let lastSeq = 0;
  const flush = () => {
    const first = chunk[0];
    if (!first) return;
    const events = JSON.stringify(chunk.map((e) => [e.timestamp, e.message]));
    insert.run(
      first.stream_id,
      first.group_id,
      first.seq,
      chunk.length,
      min,
      max,
      first.ingestion_time,
      events,
    );
    maxSpan = Math.max(maxSpan, max - min);
    chunk = [];
  };
  // Rows in seq order, a page at a time (better-sqlite3 cannot write while a read is open). One
  // old call's events have consecutive seqs, so a stream change always ends a chunk.
  const page = db.prepare<[number], OldEventRow>(
    "SELECT seq, stream_id, group_id, timestamp, ingestion_time, message FROM log_events WHERE seq > ? ORDER BY seq LIMIT 5000",
  );
  for (let rows = page.all(0); rows.length > 0; rows = page.all(lastSeq)) {
    for (const row of rows) {
      const prev = chunk[chunk.length - 1];
      if (
        prev &&
        (prev.stream_id !== row.stream_id ||
          prev.seq + 1 !== row.seq ||
          prev.ingestion_time !== row.ingestion_time ||
          chunk.length >= MAX_CHUNK_EVENTS ||
          Math.max(max, row.timestamp) - Math.min(min, row.timestamp) > MAX_CHUNK_SPAN_MS)
      ) {
        flush();
      }
      if (chunk.length === 0) {
        min = row.timestamp;
        max = row.timestamp;
      }
      min = Math.min(min, row.timestamp);
      max = Math.max(max, row.timestamp);
      chunk.push(row);
      lastSeq = row.seq;
    }
  }
  flush();
  // AUTOINCREMENT remembers seqs of deleted events too; DROP TABLE forgets them, so read first.
  const sequence = db
    .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'log_events'")
    .get();
  const nextSeq = Math.max(lastSeq, sequence?.seq ?? 0) + 1;
  const upsert = db.prepare<[string, number]>(
    "INSERT INTO log_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
  );
  upsert.run("next_seq", nextSeq);
  upsert.run("max_span", maxSpan);
  db.exec("DROP TABLE log_events");
}
