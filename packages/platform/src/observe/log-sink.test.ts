import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import type { PlatformError } from "../core/errors.js";
import type { LogEventBatch, LogEventInput, LogStore } from "../storage/log-store.js";
import { SqliteLogStore } from "../storage/sqlite/sqlite-log-store.js";
import { OBSERVE_ERRORS } from "./errors.js";
import { LogSink, type LogSinkOptions } from "./log-sink.js";

const G = "/aws/lambda/fn";

/**
 * The real store, recording the stream batches of each putEvents and putEventsMany call so tests
 * can count batches (`commits` counts the calls: one per flush once streams exist).
 */
function recording(store: LogStore): {
  store: LogStore;
  batches: { stream: string; count: number }[];
  commits: number[];
} {
  const batches: { stream: string; count: number }[] = [];
  const commits: number[] = [];
  const wrapped: LogStore = Object.create(store);
  wrapped.putEvents = (group: string, stream: string, events: LogEventInput[]) => {
    batches.push({ stream, count: events.length });
    commits.push(1);
    return store.putEvents(group, stream, events);
  };
  wrapped.putEventsMany = (many: LogEventBatch[]) => {
    for (const b of many) batches.push({ stream: b.logStreamName, count: b.events.length });
    commits.push(many.length);
    return store.putEventsMany(many);
  };
  return { store: wrapped, batches, commits };
}

let dir: string;
let clock: ManualClock;
let store: SqliteLogStore;
let batches: { stream: string; count: number }[];
let commits: number[];
let errors: PlatformError[];
let sink: LogSink;

function newSink(options: LogSinkOptions = {}): LogSink {
  const recorded = recording(store);
  batches = recorded.batches;
  commits = recorded.commits;
  return new LogSink(recorded.store, clock, { onError: (e) => errors.push(e), ...options });
}

const stored = async (stream?: string) =>
  (
    await store.queryEvents({
      logGroupName: G,
      limit: 10_000,
      ascending: true,
      ...(stream ? { logStreamNames: [stream] } : {}),
    })
  ).map((e) => e.message);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-log-sink-"));
  clock = new ManualClock();
  store = new SqliteLogStore(join(dir, "logs.db"), clock);
  errors = [];
  sink = newSink();
});
afterEach(async () => {
  await sink.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("LogSink", () => {
  it("holds lines until the flush interval has passed", async () => {
    sink.append(G, "s", clock.now(), "one");
    clock.advance(49);
    await sink.idle();
    expect(await stored()).toEqual([]);
    expect(sink.stats().pendingEvents).toBe(1);
    clock.advance(1);
    await sink.idle();
    expect(await stored()).toEqual(["one"]);
    expect(sink.stats()).toEqual({ pendingEvents: 0, writtenEvents: 1, droppedEvents: 0 });
  });

  it("writes each stream's lines in one putEvents, creating the group and stream", async () => {
    for (let i = 0; i < 3; i++) {
      sink.append(G, "a", clock.now(), `a${i}`);
      sink.append(G, "b", clock.now(), `b${i}`);
    }
    clock.advance(50);
    await sink.idle();
    expect(batches).toEqual([
      { stream: "a", count: 3 },
      { stream: "b", count: 3 },
    ]);
    expect(await stored("a")).toEqual(["a0", "a1", "a2"]);
    expect(await stored("b")).toEqual(["b0", "b1", "b2"]);
  });

  it("flushes at once when a stream reaches the batch size", async () => {
    sink = newSink({ maxBatchEvents: 3 });
    for (let i = 0; i < 3; i++) sink.append(G, "s", clock.now(), `l${i}`);
    await sink.idle();
    expect(await stored()).toEqual(["l0", "l1", "l2"]);
    expect(batches).toHaveLength(1);
  });

  it("arms one timer per interval, not one per line", async () => {
    sink.append(G, "s", clock.now(), "1");
    clock.advance(30);
    sink.append(G, "s", clock.now(), "2");
    clock.advance(20);
    await sink.idle();
    expect(batches).toEqual([{ stream: "s", count: 2 }]);
    sink.append(G, "s", clock.now(), "3");
    clock.advance(50);
    await sink.idle();
    expect(batches).toHaveLength(2);
    expect(await stored()).toEqual(["1", "2", "3"]);
  });

  it("writes all streams of a flush in one putEventsMany once they exist", async () => {
    for (const s of ["a", "b", "c"]) sink.append(G, s, clock.now(), `${s}1`);
    await sink.flush();
    // First flush: each stream is created, then written on its own.
    expect(commits).toEqual([1, 1, 1]);
    for (const s of ["a", "b", "c"]) sink.append(G, s, clock.now(), `${s}2`);
    await sink.flush();
    expect(commits).toEqual([1, 1, 1, 3]);
    expect(await stored("b")).toEqual(["b1", "b2"]);
    // A stream deleted through the API: the combined write fails whole, and the per-stream path
    // creates it again and writes everything.
    await store.deleteStream(G, "c");
    for (const s of ["a", "c"]) sink.append(G, s, clock.now(), `${s}3`);
    await sink.flush();
    expect(await stored("a")).toEqual(["a1", "a2", "a3"]);
    expect(await stored("c")).toEqual(["c3"]);
    expect(sink.stats()).toMatchObject({ pendingEvents: 0, writtenEvents: 8, droppedEvents: 0 });
  });

  it("keeps line order when writes overlap", async () => {
    sink = newSink({ maxBatchEvents: 2 });
    for (let i = 0; i < 7; i++) sink.append(G, "s", clock.now(), `l${i}`);
    await sink.flush();
    expect(await stored()).toEqual(["l0", "l1", "l2", "l3", "l4", "l5", "l6"]);
  });

  it("flush writes everything appended so far without waiting for the timer", async () => {
    sink.append(G, "s", clock.now(), "now");
    await sink.flush();
    expect(await stored()).toEqual(["now"]);
  });

  it("close flushes, then drops and counts later lines", async () => {
    sink.append(G, "s", clock.now(), "before");
    await sink.close();
    sink.append(G, "s", clock.now(), "after");
    clock.advance(100);
    await sink.idle();
    expect(await stored()).toEqual(["before"]);
    expect(sink.stats().droppedEvents).toBe(1);
    await sink.close();
  });

  it("drops and counts lines past the pending limit", async () => {
    sink = newSink({ maxPendingEvents: 2 });
    for (let i = 0; i < 5; i++) sink.append(G, "s", clock.now(), `l${i}`);
    await sink.flush();
    expect(await stored()).toEqual(["l0", "l1"]);
    expect(sink.stats().droppedEvents).toBe(3);
  });

  it("close resolves even when the final write fails, reporting it to onError", async () => {
    await store.close();
    sink.append(G, "s", clock.now(), "lost");
    await sink.close();
    expect(errors).toHaveLength(1);
  });

  it("reports a failed write to onError and rejects flush", async () => {
    await store.close();
    sink.append(G, "s", clock.now(), "lost");
    await expect(sink.flush()).rejects.toMatchObject({ code: OBSERVE_ERRORS.sinkWriteFailed });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^Dropped 1 log events for \/aws\/lambda\/fn s: /);
    expect(sink.stats()).toEqual({ pendingEvents: 0, writtenEvents: 0, droppedEvents: 1 });
  });

  it("keeps writing after a failed timer-triggered write, reporting each through onError", async () => {
    await store.close();
    sink.append(G, "s", clock.now(), "x");
    clock.advance(50);
    await sink.idle();
    sink.append(G, "s", clock.now(), "y");
    sink.append(G, "t", clock.now(), "z");
    clock.advance(50);
    await sink.idle();
    expect(errors.map((e) => e.code)).toEqual(Array(3).fill(OBSERVE_ERRORS.sinkWriteFailed));
    expect(sink.stats().droppedEvents).toBe(3);
  });
});
