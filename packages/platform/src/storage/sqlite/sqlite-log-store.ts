import type Database from "better-sqlite3";
import { systemClock } from "../../core/clock.js";
import { StorageNotFoundError } from "../errors.js";
import type {
  ListStreamsOptions,
  LogEventInput,
  LogGroupInfo,
  LogQuery,
  LogStore,
  LogStreamInfo,
  StoredLogEvent,
} from "../log-store.js";
import { openDatabase } from "./open-database.js";

/** Sorts streams that never had an event before every real timestamp. */
const NO_EVENT = -9_007_199_254_740_991;

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

interface EventRow {
  seq: number;
  timestamp: number;
  ingestion_time: number;
  message: string;
  stream_name: string;
}

type SqlValue = string | number;

const SCHEMA = `
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
  -- AUTOINCREMENT: a seq is never reused after deletes, so event ids and paging tokens stay unique.
  CREATE TABLE IF NOT EXISTS log_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL REFERENCES log_streams (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (stream_id, timestamp, seq);
  CREATE INDEX IF NOT EXISTS log_events_by_group ON log_events (group_id, timestamp, seq);
`;

const GROUP_COLUMNS = `g.name, g.creation_time, g.retention_days,
  (SELECT COALESCE(SUM(s.stored_bytes), 0) FROM log_streams s WHERE s.group_id = g.id) AS stored_bytes`;
const STREAM_COLUMNS = "name, creation_time, first_event, last_event, last_ingestion, stored_bytes";

/** The embedded LogStore: log groups, streams and events in one SQLite file (WAL). */
export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly dynamic = new Map<string, Database.Statement<SqlValue[]>>();

  constructor(
    path: string,
    private readonly clock: { now(): number } = systemClock,
  ) {
    this.db = openDatabase(path);
    this.db.exec(SCHEMA);
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
      insertEvent: this.db.prepare<[number, number, number, number, string]>(
        "INSERT INTO log_events (stream_id, group_id, timestamp, ingestion_time, message) VALUES (?, ?, ?, ?, ?)",
      ),
      updateStats: this.db.prepare<[number, number, number, number, number, number, number]>(
        `UPDATE log_streams SET first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
           last_ingestion = ?, stored_bytes = stored_bytes + ? WHERE id = ?`,
      ),
    };
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
    return this.stmts.deleteGroup.run(logGroupName).changes > 0;
  }

  async deleteStream(logGroupName: string, logStreamName: string): Promise<boolean> {
    const group = this.stmts.groupId.get(logGroupName);
    return group ? this.stmts.deleteStream.run(group.id, logStreamName).changes > 0 : false;
  }

  async putEvents(logGroupName: string, logStreamName: string, events: LogEventInput[]): Promise<void> {
    this.db.transaction(() => {
      const ids = this.stmts.streamIds.get(logGroupName, logStreamName);
      if (!ids) throw new StorageNotFoundError(`Log stream ${logGroupName}/${logStreamName}`);
      if (events.length === 0) return;
      const now = this.clock.now();
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      let bytes = 0;
      for (const event of events) {
        this.stmts.insertEvent.run(ids.id, ids.group_id, event.timestamp, now, event.message);
        first = Math.min(first, event.timestamp);
        last = Math.max(last, event.timestamp);
        bytes += Buffer.byteLength(event.message, "utf8");
      }
      this.stmts.updateStats.run(first, first, last, last, now, bytes, ids.id);
    })();
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
    let where = ["e.group_id = ?"];
    let params: SqlValue[] = [group.id];
    if (query.logStreamNames !== undefined) {
      const streamIds = [...new Set(query.logStreamNames)].flatMap((name) => {
        const row = this.stmts.streamId.get(group.id, name);
        return row ? [row.id] : [];
      });
      if (streamIds.length === 0) return [];
      if (streamIds.length === 1) {
        // The stream implies the group; without the group term SQLite walks log_events_by_stream.
        where = ["e.stream_id = ?"];
        params = [...streamIds];
      } else {
        where.push(`e.stream_id IN (${streamIds.map(() => "?").join(", ")})`);
        params.push(...streamIds);
      }
    }
    if (query.logStreamNamePrefix !== undefined && query.logStreamNamePrefix !== "") {
      where.push("s.name >= ? AND s.name < ?");
      params.push(query.logStreamNamePrefix, prefixEnd(query.logStreamNamePrefix));
    }
    if (query.startTime !== undefined) {
      where.push("e.timestamp >= ?");
      params.push(query.startTime);
    }
    if (query.endTime !== undefined) {
      where.push("e.timestamp <= ?");
      params.push(query.endTime);
    }
    if (query.cursor !== undefined) {
      // The plain timestamp bound lets the index range scan start at the cursor.
      const cmp = query.ascending ? ">" : "<";
      where.push(`e.timestamp ${cmp}= ? AND (e.timestamp, e.seq) ${cmp} (?, ?)`);
      params.push(query.cursor.timestamp, query.cursor.timestamp, query.cursor.seq);
    }
    const dir = query.ascending ? "ASC" : "DESC";
    const sql = `SELECT e.seq, e.timestamp, e.ingestion_time, e.message, s.name AS stream_name
      FROM log_events e JOIN log_streams s ON s.id = e.stream_id
      WHERE ${where.join(" AND ")} ORDER BY e.timestamp ${dir}, e.seq ${dir} LIMIT ?`;
    return (this.prepared(sql).all(...params, query.limit) as EventRow[]).map((row) => ({
      seq: row.seq,
      timestamp: row.timestamp,
      ingestionTime: row.ingestion_time,
      message: row.message,
      logStreamName: row.stream_name,
    }));
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
