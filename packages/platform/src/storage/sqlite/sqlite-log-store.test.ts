import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import type { LogCursor, LogQuery, StoredLogEvent } from "../log-store.js";
import { SqliteLogStore } from "./sqlite-log-store.js";

const G = "/aws/lambda/fn";

/** What the store must return: every event it was given, filtered and sorted the slow way. */
interface ModelEvent {
  seq: number;
  timestamp: number;
  message: string;
  logStreamName: string;
}

function expected(model: ModelEvent[], query: Omit<LogQuery, "logGroupName">): ModelEvent[] {
  const { cursor, ascending } = query;
  const sign = ascending ? 1 : -1;
  return model
    .filter((e) => query.logStreamNames === undefined || query.logStreamNames.includes(e.logStreamName))
    .filter(
      (e) => query.logStreamNamePrefix === undefined || e.logStreamName.startsWith(query.logStreamNamePrefix),
    )
    .filter((e) => query.startTime === undefined || e.timestamp >= query.startTime)
    .filter((e) => query.endTime === undefined || e.timestamp <= query.endTime)
    .filter((e) => cursor === undefined || sign * (e.timestamp - cursor.timestamp || e.seq - cursor.seq) > 0)
    .sort((a, b) => sign * (a.timestamp - b.timestamp || a.seq - b.seq))
    .slice(0, query.limit);
}

const strip = (events: StoredLogEvent[]): ModelEvent[] =>
  events.map(({ seq, timestamp, message, logStreamName }) => ({ seq, timestamp, message, logStreamName }));

describe("SqliteLogStore chunked events", () => {
  let dir: string;
  let path: string;
  let clock: ManualClock;
  let store: SqliteLogStore;
  let model: ModelEvent[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-log-store-"));
    path = join(dir, "logs.db");
    clock = new ManualClock(Date.UTC(2025, 0, 1));
    store = new SqliteLogStore(path, clock);
    model = [];
    await store.ensureGroup(G);
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One putEvents call; the model learns the seqs the store handed out, in arrival order. */
  async function put(stream: string, timestamps: number[]): Promise<void> {
    await store.ensureStream(G, stream);
    const before = model.length;
    await store.putEvents(
      G,
      stream,
      timestamps.map((timestamp, i) => ({ timestamp, message: `${stream}#${before + i}@${timestamp}` })),
    );
    const stored = (
      await store.queryEvents({ logGroupName: G, logStreamNames: [stream], limit: 1e6, ascending: true })
    )
      .filter((e) => !model.some((m) => m.seq === e.seq))
      .sort((a, b) => a.seq - b.seq);
    expect(stored.map((e) => e.message)).toEqual(timestamps.map((t, i) => `${stream}#${before + i}@${t}`));
    model.push(...strip(stored));
  }

  async function check(query: Omit<LogQuery, "logGroupName">): Promise<void> {
    expect(strip(await store.queryEvents({ logGroupName: G, ...query }))).toEqual(expected(model, query));
  }

  function chunkCount(): number {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM log_chunks").get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it("answers a query whose limit spans several chunks, in both directions", async () => {
    for (let call = 0; call < 5; call++)
      await put(
        "s",
        [0, 1, 2, 3].map((i) => call * 10 + i),
      );
    expect(chunkCount()).toBe(5);
    await check({ limit: 10, ascending: true });
    await check({ limit: 10, ascending: false });
    await check({ limit: 7, ascending: true, startTime: 12 });
  });

  it("interleaves two streams whose chunks overlap in time, as a group query", async () => {
    await put("a", [100, 130, 160]);
    await put("b", [110, 120, 170]);
    await put("a", [115, 190]);
    await put("b", [100, 140]);
    for (const limit of [1, 2, 3, 4, 6, 10]) {
      await check({ limit, ascending: true });
      await check({ limit, ascending: false });
    }
    const page = await store.queryEvents({ logGroupName: G, limit: 4, ascending: true });
    expect(page.map((e) => [e.logStreamName, e.timestamp])).toEqual([
      ["a", 100],
      ["b", 100],
      ["b", 110],
      ["a", 115],
    ]);
  });

  it("pages backward with cursors as GetLogEvents does, without skipping or repeating", async () => {
    await put("s", [50, 10, 30, 30]);
    await put("s", [20, 30, 60]);
    await put("s", [40, 5, 30]);
    const seen: StoredLogEvent[] = [];
    let cursor: LogCursor | undefined;
    for (;;) {
      const page = await store.queryEvents({
        logGroupName: G,
        logStreamNames: ["s"],
        limit: 3,
        ascending: false,
        ...(cursor ? { cursor } : {}),
      });
      if (page.length === 0) break;
      seen.push(...page);
      const last = page[page.length - 1] as StoredLogEvent;
      cursor = { timestamp: last.timestamp, seq: last.seq };
    }
    expect(strip(seen)).toEqual(expected(model, { limit: 100, ascending: false }));
    expect(seen.map((e) => e.timestamp)).toEqual([60, 50, 40, 30, 30, 30, 30, 20, 10, 5]);
  });

  it("sorts timestamps that arrive out of order inside one chunk", async () => {
    await put("s", [30, 10, 20, 10, 40, 0]);
    expect(chunkCount()).toBe(1);
    const events = await store.queryEvents({ logGroupName: G, limit: 10, ascending: true });
    expect(events.map((e) => e.timestamp)).toEqual([0, 10, 10, 20, 30, 40]);
    // Equal timestamps keep arrival order.
    expect(events[1]?.seq).toBeLessThan(events[2]?.seq ?? 0);
    await check({ limit: 3, ascending: false });
  });

  it("keeps reading past the limit when a later chunk may hold an earlier event at the same time", async () => {
    // Ascending: chunk [100] comes after [99, 100] in min_ts order but holds the smaller seq.
    await put("a", [100]);
    await put("b", [99, 100]);
    const page = await store.queryEvents({ logGroupName: G, limit: 2, ascending: true });
    expect(page.map((e) => e.logStreamName)).toEqual(["b", "a"]);
    await check({ limit: 2, ascending: true });
  });

  it("walks descending past chunks that end early while a wider one may still reach the limit", async () => {
    await put("s", [100]);
    await put("s", [98, 97]);
    await put("s", [96, 100]);
    // In descending min_ts order: [100], then [98, 97] (entirely older), then [96, 100] holding
    // the newest event at 100.
    const [newest] = await store.queryEvents({ logGroupName: G, limit: 1, ascending: false });
    expect(newest?.message).toBe("s#4@100");
    await check({ limit: 2, ascending: false });
  });

  it("cuts chunks with startTime and endTime, alone and with a cursor", async () => {
    await put("s", [10, 20, 30, 40, 50]);
    await put("s", [35, 45, 55, 25]);
    await check({ startTime: 25, endTime: 45, limit: 100, ascending: true });
    await check({ startTime: 25, endTime: 45, limit: 100, ascending: false });
    await check({ startTime: 31, limit: 2, ascending: true });
    await check({ endTime: 39, limit: 2, ascending: false });
    const [first] = await store.queryEvents({ logGroupName: G, startTime: 30, limit: 1, ascending: true });
    if (!first) throw new Error("expected an event");
    const cursor = { timestamp: first.timestamp, seq: first.seq };
    await check({ cursor, endTime: 50, limit: 100, ascending: true });
    await check({ cursor, startTime: 20, limit: 100, ascending: false });
  });

  it("matches a straightforward model on random streams, orders, ranges and cursors", async () => {
    let state = 7;
    const random = (n: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state % n;
    };
    for (let call = 0; call < 40; call++) {
      const base = call * 20;
      await put(
        `s${random(3)}`,
        Array.from({ length: 1 + random(8) }, () => base + random(60)),
      );
    }
    for (let q = 0; q < 150; q++) {
      const ascending = random(2) === 0;
      const query: Omit<LogQuery, "logGroupName"> = { ascending, limit: 1 + random(25) };
      if (random(3) === 0) query.startTime = random(850);
      if (random(3) === 0) query.endTime = random(850);
      if (random(3) === 0) query.logStreamNames = random(2) ? ["s1"] : ["s0", "s2"];
      if (random(4) === 0) query.logStreamNamePrefix = "s2";
      if (random(2) === 0) {
        const pivot = model[random(model.length)] as ModelEvent;
        query.cursor = { timestamp: pivot.timestamp, seq: pivot.seq + random(3) - 1 };
      }
      await check(query);
    }
  });

  it("splits a large call into chunks of at most 500 events and wide time spans into several", async () => {
    await put(
      "big",
      Array.from({ length: 1201 }, (_, i) => 1000 + (i % 97)),
    );
    expect(chunkCount()).toBe(3);
    await put("wide", [0, 3_600_000, 5, 7_200_000]);
    expect(chunkCount()).toBe(3 + 4);
    await check({ limit: 2000, ascending: true });
    await check({ limit: 50, ascending: false, startTime: 1050, endTime: 1060 });
    await check({ limit: 3, ascending: true, startTime: 4 });
  });

  it("continues seqs after reopening, even when the newest events were deleted", async () => {
    await put("kept", [10, 20]);
    await put("gone", [30, 40]);
    const highest = Math.max(...model.map((e) => e.seq));
    await store.deleteStream(G, "gone");
    model = model.filter((e) => e.logStreamName !== "gone");
    await store.close();
    store = new SqliteLogStore(path, clock);
    await put("kept", [50]);
    expect(model[model.length - 1]?.seq).toBe(highest + 1);
    await store.close();
    store = new SqliteLogStore(path, clock);
    await put("kept", [60]);
    expect(model[model.length - 1]?.seq).toBe(highest + 2);
    await check({ limit: 10, ascending: true });
  });

  it("finds events of a wide chunk after reopening, when only the stored span says where to look", async () => {
    await put("s", [0, 9_000]);
    await store.close();
    store = new SqliteLogStore(path, clock);
    await check({ startTime: 8_000, limit: 10, ascending: true });
    await check({ startTime: 8_000, limit: 1, ascending: false });
    await check({ endTime: 1, limit: 1, ascending: false });
  });
});

describe("SqliteLogStore upgrade from one row per event", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-log-upgrade-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The schema of versions that stored one row per event, as they created it.
  const OLD_SCHEMA = `
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
    ON log_streams (group_id, COALESCE(last_event, -9007199254740991), name);
  CREATE TABLE IF NOT EXISTS log_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL REFERENCES log_streams (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (stream_id, timestamp, seq);
  CREATE INDEX IF NOT EXISTS log_events_by_group ON log_events (group_id, timestamp, seq);
`;

  it("converts log_events into chunks keeping seqs, times and stream stats, then drops it", async () => {
    const path = join(dir, "logs.db");
    const old = new Database(path);
    old.exec(OLD_SCHEMA);
    old.exec(`
      INSERT INTO log_groups (id, name, creation_time) VALUES (1, '${G}', 5), (2, '/other', 6);
      INSERT INTO log_streams (id, group_id, name, creation_time, first_event, last_event, last_ingestion, stored_bytes)
        VALUES (1, 1, 'a', 5, 10, 40, 1002, 8), (2, 1, 'b', 5, 15, 15, 1001, 2), (3, 2, 'c', 6, 1, 1, 1003, 2);`);
    const insert = old.prepare(
      "INSERT INTO log_events (stream_id, group_id, timestamp, ingestion_time, message) VALUES (?, ?, ?, ?, ?)",
    );
    // Calls as the old store made them: a (two events), b, a again, c, a last event deleted later.
    for (const [stream, group, timestamp, ingestion, message] of [
      [1, 1, 30, 1000, "a1"],
      [1, 1, 10, 1000, "a2"],
      [2, 1, 15, 1001, "b1"],
      [1, 1, 40, 1002, "a3"],
      [1, 1, 20, 1002, "a4"],
      [3, 2, 1, 1003, "c1"],
      [1, 1, 99, 1004, "deleted"],
    ] as const) {
      insert.run(stream, group, timestamp, ingestion, message);
    }
    old.exec("DELETE FROM log_events WHERE message = 'deleted'");
    const before = old
      .prepare("SELECT seq, timestamp, ingestion_time, message FROM log_events ORDER BY timestamp, seq")
      .all();
    old.close();

    const store = new SqliteLogStore(path, new ManualClock(2000));
    try {
      const events = await store.queryEvents({ logGroupName: G, limit: 100, ascending: true });
      expect(
        events.map((e) => ({
          seq: e.seq,
          timestamp: e.timestamp,
          ingestion_time: e.ingestionTime,
          message: e.message,
        })),
      ).toEqual(before.filter((row) => (row as { message: string }).message !== "c1"));
      expect(events.map((e) => e.logStreamName)).toEqual(["a", "b", "a", "a", "a"]);
      const back = await store.queryEvents({
        logGroupName: G,
        logStreamNames: ["a"],
        limit: 2,
        ascending: false,
        cursor: { timestamp: 40, seq: 4 },
      });
      expect(back.map((e) => e.message)).toEqual(["a1", "a4"]);
      expect(await store.getStream(G, "a")).toMatchObject({
        firstEventTimestamp: 10,
        lastEventTimestamp: 40,
      });
      // The deleted event's seq 7 is not handed out again.
      await store.putEvents(G, "b", [{ timestamp: 50, message: "new" }]);
      const [newest] = await store.queryEvents({ logGroupName: G, limit: 1, ascending: false });
      expect(newest).toMatchObject({ message: "new", seq: 8, ingestionTime: 2000 });
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      expect(tables).not.toContainEqual({ name: "log_events" });
      // a: [a1, a2] and [a3, a4] (two calls), b: [b1], c: [c1], and the new one.
      expect(db.prepare("SELECT COUNT(*) AS n FROM log_chunks").get()).toEqual({ n: 5 });
    } finally {
      db.close();
    }
  });
});
