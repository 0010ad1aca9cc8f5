import type Database from "better-sqlite3";
import { systemClock } from "../../core/clock.js";
import { StorageNotFoundError } from "../errors.js";
import type {
  ListStreamsOptions,
  LogEventBatch,
  LogEventInput,
  LogGroupInfo,
  LogQuery,
  LogStore,
  LogStreamInfo,
  StoredLogEvent,
} from "../log-store.js";
import { type ChunkRow, collectChunkEvents } from "./log-chunk-scan.js";
import { openDatabase } from "./open-database.js";
import { MAX_CHUNK_EVENTS, MAX_CHUNK_SPAN_MS, NO_EVENT, prepareLogSchema } from "./sqlite-log-schema.js";

interface GroupRow {
  name: string;
  creation_time: number;
  retention_days: number | null;
  stored_bytes: number;
}

interface StreamRow {
  name: string;
  creation_time: number;
  first_event: number | null;
  last_event: number | null;
  last_ingestion: number | null;
  stored_bytes: number;
}

type SqlValue = string | number;

const GROUP_COLUMNS = `g.name, g.creation_time, g.retention_days,
  (SELECT COALESCE(SUM(s.stored_bytes), 0) FROM log_streams s WHERE s.group_id = g.id) AS stored_bytes`;
const STREAM_COLUMNS = "name, creation_time, first_event, last_event, last_ingestion, stored_bytes";

/**
 * The embedded LogStore: log groups, streams and events in one SQLite file (WAL), events stored
 * in chunks (see sqlite-log-schema.ts). Seqs are counted in memory: only one server process opens
 * a data directory (it holds a lock file), and SQLite calls here are synchronous.
 */
export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly dynamic = new Map<string, Database.Statement<SqlValue[]>>();
  private readonly append: (streamId: number, groupId: number, events: LogEventInput[]) => void;
  private readonly appendMany: (batches: LogEventBatch[]) => void;
  private readonly removing: (remove: () => boolean) => boolean;
  private nextSeq: number;
  private maxSpan: number;

  constructor(
    path: string,
    private readonly clock: { now(): number } = systemClock,
  ) {
    this.db = openDatabase(path);
    ({ nextSeq: this.nextSeq, maxSpan: this.maxSpan } = prepareLogSchema(this.db));
    this.stmts = {
      insertGroup: this.db.prepare<[string, number]>(
        "INSERT INTO log_groups (name, creation_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
      ),
      groupId: this.db.prepare<[string], { id: number }>("SELECT id FROM log_groups WHERE name = ?"),
      getGroup: this.db.prepare<[string], GroupRow>(
        `SELECT ${GROUP_COLUMNS} FROM log_groups g WHERE g.name = ?`,
      ),
      listGroups: this.db.prepare<[string, string, string, number], GroupRow>(
        `SELECT ${GROUP_COLUMNS} FROM log_groups g WHERE g.name > ? AND g.name >= ? AND g.name < ? ORDER BY g.name LIMIT ?`,
      ),
      deleteGroup: this.db.prepare<[string]>("DELETE FROM log_groups WHERE name = ?"),
      insertStream: this.db.prepare<[number, string, number]>(
        "INSERT INTO log_streams (group_id, name, creation_time) VALUES (?, ?, ?) ON CONFLICT (group_id, name) DO NOTHING",
      ),
      streamIds: this.db.prepare<[string, string], { id: number; group_id: number }>(
        "SELECT s.id, s.group_id FROM log_streams s JOIN log_groups g ON g.id = s.group_id WHERE g.name = ? AND s.name = ?",
      ),
      streamId: this.db.prepare<[number, string], { id: number }>(
        "SELECT id FROM log_streams WHERE group_id = ? AND name = ?",
      ),
      getStream: this.db.prepare<[number, string], StreamRow>(
        `SELECT ${STREAM_COLUMNS} FROM log_streams WHERE group_id = ? AND name = ?`,
      ),
      deleteStream: this.db.prepare<[number, string]>(
        "DELETE FROM log_streams WHERE group_id = ? AND name = ?",
      ),
      insertChunk: this.db.prepare<[number, number, number, number, number, number, number, string]>(
        `INSERT INTO log_chunks (stream_id, group_id, first_seq, count, min_ts, max_ts, ingestion_time, events)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      setMeta: this.db.prepare<[string, number]>(
        "INSERT INTO log_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      updateStats: this.db.prepare<[number, number, number, number, number, number, number]>(
        `UPDATE log_streams SET first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
           last_ingestion = ?, stored_bytes = stored_bytes + ? WHERE id = ?`,
      ),
    };
    this.append = this.db.transaction(this.appendChunks.bind(this));
    this.appendMany = this.db.transaction((batches: LogEventBatch[]) => {
      for (const { logGroupName, logStreamName, events } of batches) {
        const ids = this.stmts.streamIds.get(logGroupName, logStreamName);
        if (!ids) throw new StorageNotFoundError(`Log stream ${logGroupName}/${logStreamName}`);
        if (events.length > 0) this.appendChunks(ids.id, ids.group_id, events);
      }
    });
    this.removing = this.db.transaction((remove: () => boolean) => {
      // The chunks holding the highest seqs may go; remember where seqs continue.
      this.stmts.setMeta.run("next_seq", this.nextSeq);
      return remove();
    });
  }

  async ensureGroup(logGroupName: string): Promise<boolean> {
    return this.stmts.insertGroup.run(logGroupName, this.clock.now()).changes > 0;
  }

  async ensureStream(logGroupName: string, logStreamName: string): Promise<boolean> {
    const group = this.stmts.groupId.get(logGroupName);
    if (!group) throw new StorageNotFoundError(`Log group ${logGroupName}`);
    return this.stmts.insertStream.run(group.id, logStreamName, this.clock.now()).changes > 0;
  }

  async deleteGroup(logGroupName: string): Promise<boolean> {
    return this.removing(() => this.stmts.deleteGroup.run(logGroupName).changes > 0);
  }

  async deleteStream(logGroupName: string, logStreamName: string): Promise<boolean> {
    const group = this.stmts.groupId.get(logGroupName);
    if (!group) return false;
    return this.removing(() => this.stmts.deleteStream.run(group.id, logStreamName).changes > 0);
  }

  async putEventsMany(batches: LogEventBatch[]): Promise<void> {
    const seq = this.nextSeq;
    const span = this.maxSpan;
    try {
      this.appendMany(batches);
    } catch (error) {
      // Rolled back: the counters go back with the rows.
      this.nextSeq = seq;
      this.maxSpan = span;
      throw error;
    }
  }

  async putEvents(logGroupName: string, logStreamName: string, events: LogEventInput[]): Promise<void> {
    const ids = this.stmts.streamIds.get(logGroupName, logStreamName);
    if (!ids) throw new StorageNotFoundError(`Log stream ${logGroupName}/${logStreamName}`);
    if (events.length > 0) this.append(ids.id, ids.group_id, events);
  }

  /** Runs inside one transaction: the chunks of one call, then the stream's stats once. */
  private appendChunks(streamId: number, groupId: number, events: LogEventInput[]): void {
    const now = this.clock.now();
    let seq = this.nextSeq;
    let maxSpan = this.maxSpan;
    let bytes = 0;
    let pairs: [number, string][] = [];
    let min = 0;
    let max = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    const insert = () => {
      this.stmts.insertChunk.run(streamId, groupId, seq, pairs.length, min, max, now, JSON.stringify(pairs));
      seq += pairs.length;
      maxSpan = Math.max(maxSpan, max - min);
      first = Math.min(first, min);
      last = Math.max(last, max);
      pairs = [];
    };
    for (const { timestamp, message } of events) {
      if (pairs.length === 0) {
        min = timestamp;
        max = timestamp;
      } else if (
        pairs.length >= MAX_CHUNK_EVENTS ||
        Math.max(max, timestamp) - Math.min(min, timestamp) > MAX_CHUNK_SPAN_MS
      ) {
        insert();
        min = timestamp;
        max = timestamp;
      } else if (timestamp < min) {
        min = timestamp;
      } else if (timestamp > max) {
        max = timestamp;
      }
      pairs.push([timestamp, message]);
      bytes += Buffer.byteLength(message, "utf8");
    }
    insert();
    if (maxSpan > this.maxSpan) this.stmts.setMeta.run("max_span", maxSpan);
    this.stmts.updateStats.run(first, first, last, last, now, bytes, streamId);
    // Only after every statement succeeded: a rolled-back call leaves the counters as they were.
    this.nextSeq = seq;
    this.maxSpan = maxSpan;
  }

  async listGroups(options: { prefix?: string; after?: string; limit: number }): Promise<LogGroupInfo[]> {
    const prefix = options.prefix ?? "";
    return this.stmts.listGroups
      .all(options.after ?? "", prefix, prefixEnd(prefix), options.limit)
      .map(toGroupInfo);
  }

  async getGroup(logGroupName: string): Promise<LogGroupInfo | undefined> {
    const row = this.stmts.getGroup.get(logGroupName);
    return row ? toGroupInfo(row) : undefined;
  }

  async listStreams(logGroupName: string, options: ListStreamsOptions): Promise<LogStreamInfo[]> {
    const group = this.stmts.groupId.get(logGroupName);
    if (!group) return [];
    const prefix = options.prefix ?? "";
    const dir = options.descending ? "DESC" : "ASC";
    const cmp = options.descending ? "<" : ">";
    const where = ["group_id = ?", "name >= ?", "name < ?"];
    const params: SqlValue[] = [group.id, prefix, prefixEnd(prefix)];
    let order = `name ${dir}`;
    if (options.orderBy === "LastEventTime") {
      order = `COALESCE(last_event, ${NO_EVENT}) ${dir}, name ${dir}`;
      if (options.after !== undefined) {
        where.push(`(COALESCE(last_event, ${NO_EVENT}), name) ${cmp} (?, ?)`);
        params.push(options.afterLastEventTime ?? NO_EVENT, options.after);
      }
    } else if (options.after !== undefined) {
      where.push(`name ${cmp} ?`);
      params.push(options.after);
    }
    const sql = `SELECT ${STREAM_COLUMNS} FROM log_streams WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ?`;
    return (this.prepared(sql).all(...params, options.limit) as StreamRow[]).map(toStreamInfo);
  }

  async getStream(logGroupName: string, logStreamName: string): Promise<LogStreamInfo | undefined> {
    const group = this.stmts.groupId.get(logGroupName);
    const row = group ? this.stmts.getStream.get(group.id, logStreamName) : undefined;
    return row ? toStreamInfo(row) : undefined;
  }

  async queryEvents(query: LogQuery): Promise<StoredLogEvent[]> {
    const group = this.stmts.groupId.get(query.logGroupName);
    if (!group) return [];
    let scope = "group";
    let where = ["c.group_id = ?"];
    let params: SqlValue[] = [group.id];
    if (query.logStreamNames !== undefined) {
      const streamIds = [...new Set(query.logStreamNames)].flatMap((name) => {
        const row = this.stmts.streamId.get(group.id, name);
        return row ? [row.id] : [];
      });
      if (streamIds.length === 0) return [];
      if (streamIds.length === 1) {
        scope = "stream";
        where = ["c.stream_id = ?"];
        params = [...streamIds];
      } else {
        where.push(`c.stream_id IN (${streamIds.map(() => "?").join(", ")})`);
        params.push(...streamIds);
      }
    }
    if (query.logStreamNamePrefix !== undefined && query.logStreamNamePrefix !== "") {
      where.push("s.name >= ? AND s.name < ?");
      params.push(query.logStreamNamePrefix, prefixEnd(query.logStreamNamePrefix));
    }
    // A chunk holds events at or after t only if max_ts >= t, hence min_ts >= t - maxSpan: the
    // second term is what bounds the index range.
    const { cursor, startTime, endTime } = query;
    const from = Math.max(
      startTime ?? Number.NEGATIVE_INFINITY,
      cursor && query.ascending ? cursor.timestamp : Number.NEGATIVE_INFINITY,
    );
    const to = Math.min(
      endTime ?? Number.POSITIVE_INFINITY,
      cursor && !query.ascending ? cursor.timestamp : Number.POSITIVE_INFINITY,
    );
    if (from !== Number.NEGATIVE_INFINITY) {
      where.push("c.min_ts >= ? AND c.max_ts >= ?");
      params.push(from - this.maxSpan, from);
    }
    if (to !== Number.POSITIVE_INFINITY) {
      where.push("c.min_ts <= ?");
      params.push(to);
    }
    // The walk in min_ts order is what lets the scan stop early; INDEXED BY keeps the planner
    // from choosing another index and sorting.
    const sql = `SELECT c.first_seq, c.min_ts, c.max_ts, c.ingestion_time, c.events, s.name AS stream_name
      FROM log_chunks c INDEXED BY log_chunks_by_${scope} CROSS JOIN log_streams s ON s.id = c.stream_id
      WHERE ${where.join(" AND ")} ORDER BY c.min_ts ${query.ascending ? "ASC" : "DESC"}`;
    const chunks = this.prepared(sql).iterate(...params) as IterableIterator<ChunkRow>;
    return collectChunkEvents(chunks, {
      startTime: from === Number.NEGATIVE_INFINITY ? undefined : from,
      endTime: to === Number.POSITIVE_INFINITY ? undefined : to,
      cursor,
      maxSpan: this.maxSpan,
      limit: query.limit,
      ascending: query.ascending,
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Statements built per query shape, cached because preparing costs more than running them. */
  private prepared(sql: string): Database.Statement<SqlValue[]> {
    let stmt = this.dynamic.get(sql);
    if (!stmt) {
      if (this.dynamic.size >= 128) this.dynamic.clear();
      stmt = this.db.prepare<SqlValue[]>(sql);
      this.dynamic.set(sql, stmt);
    }
    return stmt;
  }
}

function toGroupInfo(row: GroupRow): LogGroupInfo {
  const info: LogGroupInfo = {
    logGroupName: row.name,
    creationTime: row.creation_time,
    storedBytes: row.stored_bytes,
  };
  if (row.retention_days !== null) info.retentionInDays = row.retention_days;
  return info;
}

function toStreamInfo(row: StreamRow): LogStreamInfo {
  const info: LogStreamInfo = {
    logStreamName: row.name,
    creationTime: row.creation_time,
    storedBytes: row.stored_bytes,
  };
  if (row.first_event !== null) info.firstEventTimestamp = row.first_event;
  if (row.last_event !== null) info.lastEventTimestamp = row.last_event;
  if (row.last_ingestion !== null) info.lastIngestionTime = row.last_ingestion;
  return info;
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
