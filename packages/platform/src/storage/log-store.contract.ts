import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { STORAGE_ERRORS } from "./errors.js";
import type { LogCursor, LogQuery, LogStore, StoredLogEvent } from "./log-store.js";

export interface LogStoreHandle {
  store: LogStore;
  /** Closes whatever the factory opened and removes its data. */
  cleanup(): Promise<void>;
  /** Closes `store` and opens the same data again; durability tests skip without it. */
  reopen?(): Promise<LogStore>;
}

/** The store must take creation and ingestion times from this clock. */
export interface LogStoreContext {
  clock: { now(): number };
}

const G = "/aws/lambda/app";

/** The behaviour every LogStore backend must have (run per backend from a `*.contract.test.ts`). */
export function describeLogStoreContract(
  name: string,
  factory: (context: LogStoreContext) => Promise<LogStoreHandle>,
): void {
  describe(`LogStore contract: ${name}`, () => {
    let clock: ManualClock;
    let handle: LogStoreHandle;
    let store: LogStore;

    beforeEach(async () => {
      clock = new ManualClock(Date.UTC(2025, 0, 1));
      handle = await factory({ clock });
      store = handle.store;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    async function stream(group: string, name: string, events: [number, string][] = []): Promise<void> {
      await store.ensureGroup(group);
      await store.ensureStream(group, name);
      if (events.length > 0) {
        await store.putEvents(
          group,
          name,
          events.map(([timestamp, message]) => ({ timestamp, message })),
        );
      }
    }
    const query = (extra: Partial<LogQuery> = {}) =>
      store.queryEvents({ logGroupName: G, limit: 100, ascending: true, ...extra });
    const messages = (events: StoredLogEvent[]) => events.map((e) => e.message);

    it("creates a group once and reports whether this call created it", async () => {
      expect(await store.ensureGroup(G)).toBe(true);
      clock.advance(1000);
      expect(await store.ensureGroup(G)).toBe(false);
      expect(await store.getGroup(G)).toEqual({
        logGroupName: G,
        creationTime: Date.UTC(2025, 0, 1),
        storedBytes: 0,
      });
      expect(await store.getGroup("/nope")).toBeUndefined();
    });

    it("creates a stream once, only inside an existing group", async () => {
      await expect(store.ensureStream(G, "s")).rejects.toMatchObject({ code: STORAGE_ERRORS.notFound });
      await store.ensureGroup(G);
      expect(await store.ensureStream(G, "s")).toBe(true);
      expect(await store.ensureStream(G, "s")).toBe(false);
      expect(await store.getStream(G, "s")).toEqual({
        logStreamName: "s",
        creationTime: clock.now(),
        storedBytes: 0,
      });
      expect(await store.getStream(G, "other")).toBeUndefined();
      expect(await store.getStream("/nope", "s")).toBeUndefined();
    });

    it("rejects events for a stream that does not exist", async () => {
      const events = [{ timestamp: 1, message: "x" }];
      await expect(store.putEvents(G, "s", events)).rejects.toMatchObject({ code: STORAGE_ERRORS.notFound });
      await store.ensureGroup(G);
      await expect(store.putEvents(G, "s", events)).rejects.toMatchObject({ code: STORAGE_ERRORS.notFound });
    });

    it("writes several streams in one putEventsMany, and nothing when one stream is missing", async () => {
      await stream(G, "a");
      await stream(G, "b");
      await store.putEventsMany([
        { logGroupName: G, logStreamName: "a", events: [{ timestamp: 10, message: "a1" }] },
        { logGroupName: G, logStreamName: "b", events: [{ timestamp: 20, message: "b1" }] },
        { logGroupName: G, logStreamName: "a", events: [{ timestamp: 30, message: "a2" }] },
      ]);
      const all = () => store.queryEvents({ logGroupName: G, limit: 10, ascending: true });
      expect((await all()).map((e) => `${e.logStreamName}:${e.message}`)).toEqual(["a:a1", "b:b1", "a:a2"]);
      await expect(
        store.putEventsMany([
          { logGroupName: G, logStreamName: "a", events: [{ timestamp: 40, message: "lost" }] },
          { logGroupName: G, logStreamName: "missing", events: [{ timestamp: 50, message: "x" }] },
        ]),
      ).rejects.toMatchObject({ code: STORAGE_ERRORS.notFound });
      expect((await all()).map((e) => e.message)).toEqual(["a1", "b1", "a2"]);
      // Seqs stay unique and increasing after the rolled-back call.
      await store.putEvents(G, "b", [{ timestamp: 60, message: "b2" }]);
      const seqs = (await all()).map((e) => e.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.at(-1)).toBeGreaterThan(Math.max(...seqs.slice(0, -1)));
    });

    it("records event times, ingestion time and stored bytes on the stream and group", async () => {
      await stream(G, "s");
      const t = clock.now();
      clock.advance(5);
      await store.putEvents(G, "s", [
        { timestamp: t - 100, message: "héllo" },
        { timestamp: t - 50, message: "b" },
      ]);
      clock.advance(5);
      await store.putEvents(G, "s", [{ timestamp: t - 200, message: "older" }]);
      expect(await store.getStream(G, "s")).toEqual({
        logStreamName: "s",
        creationTime: t,
        firstEventTimestamp: t - 200,
        lastEventTimestamp: t - 50,
        lastIngestionTime: t + 10,
        storedBytes: 6 + 1 + 5,
      });
      await stream(G, "t", [[t, "1234"]]);
      expect((await store.getGroup(G))?.storedBytes).toBe(16);
    });

    it("stamps each event with a unique seq and the ingestion time", async () => {
      await stream(G, "s", [
        [10, "a"],
        [20, "b"],
      ]);
      clock.advance(7);
      await store.putEvents(G, "s", [{ timestamp: 30, message: "c" }]);
      const events = await query();
      expect(events.map((e) => e.ingestionTime)).toEqual([clock.now() - 7, clock.now() - 7, clock.now()]);
      expect(events.every((e) => e.logStreamName === "s")).toBe(true);
      const seqs = events.map((e) => e.seq);
      expect(new Set(seqs).size).toBe(3);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    });

    it("orders events by timestamp, then by arrival, in either direction", async () => {
      await stream(G, "s", [
        [20, "b1"],
        [20, "b2"],
        [30, "c"],
      ]);
      await store.putEvents(G, "s", [
        { timestamp: 10, message: "a" },
        { timestamp: 20, message: "b3" },
      ]);
      expect(messages(await query())).toEqual(["a", "b1", "b2", "b3", "c"]);
      expect(messages(await query({ ascending: false }))).toEqual(["c", "b3", "b2", "b1", "a"]);
    });

    it("interleaves the streams of a group and leaves other groups out", async () => {
      await stream(G, "s1", [
        [10, "s1@10"],
        [30, "s1@30"],
      ]);
      await stream(G, "s2", [[20, "s2@20"]]);
      await stream("/other", "s1", [[15, "other"]]);
      const events = await query();
      expect(messages(events)).toEqual(["s1@10", "s2@20", "s1@30"]);
      expect(events.map((e) => e.logStreamName)).toEqual(["s1", "s2", "s1"]);
      expect(await store.queryEvents({ logGroupName: "/missing", limit: 10, ascending: true })).toEqual([]);
    });

    it("filters by an inclusive time range", async () => {
      await stream(G, "s", [
        [10, "a"],
        [20, "b"],
        [30, "c"],
        [40, "d"],
      ]);
      expect(messages(await query({ startTime: 20, endTime: 30 }))).toEqual(["b", "c"]);
      expect(messages(await query({ startTime: 31 }))).toEqual(["d"]);
      expect(messages(await query({ endTime: 10 }))).toEqual(["a"]);
    });

    it("filters by stream names and by stream name prefix", async () => {
      await stream(G, "app/1", [[1, "app1"]]);
      await stream(G, "app/2", [[2, "app2"]]);
      await stream(G, "web/1", [[3, "web1"]]);
      expect(messages(await query({ logStreamNames: ["web/1", "app/1", "missing"] }))).toEqual([
        "app1",
        "web1",
      ]);
      expect(messages(await query({ logStreamNames: ["missing"] }))).toEqual([]);
      expect(messages(await query({ logStreamNamePrefix: "app/" }))).toEqual(["app1", "app2"]);
      expect(messages(await query({ logStreamNamePrefix: "app/", ascending: false, limit: 1 }))).toEqual([
        "app2",
      ]);
    });

    it("pages forward and backward with a cursor without skipping or repeating", async () => {
      const input: [number, string][] = [10, 20, 20, 20, 30, 40, 40].map((t, i) => [t, `e${i}`]);
      await stream(G, "s1", input.slice(0, 4));
      await stream(G, "s2", input.slice(4));
      const all = await query();
      for (const ascending of [true, false]) {
        const seen: StoredLogEvent[] = [];
        let cursor: LogCursor | undefined;
        for (;;) {
          const page = await query(cursor ? { ascending, limit: 2, cursor } : { ascending, limit: 2 });
          if (page.length === 0) break;
          seen.push(...page);
          const last = page[page.length - 1];
          if (last) cursor = { timestamp: last.timestamp, seq: last.seq };
        }
        expect(seen).toEqual(ascending ? all : [...all].reverse());
      }
    });

    it("combines a cursor with a time range and a limit", async () => {
      await stream(G, "s", [
        [10, "a"],
        [20, "b"],
        [30, "c"],
        [40, "d"],
      ]);
      const [a] = await query({ limit: 1 });
      if (!a) throw new Error("expected an event");
      const page = await query({ cursor: { timestamp: a.timestamp, seq: a.seq }, endTime: 30, limit: 5 });
      expect(messages(page)).toEqual(["b", "c"]);
      const back = await query({
        cursor: { timestamp: 40, seq: Number.MAX_SAFE_INTEGER },
        ascending: false,
        limit: 2,
      });
      expect(messages(back)).toEqual(["d", "c"]);
    });

    it("lists groups in name order by prefix, after and limit", async () => {
      for (const g of ["/b/2", "/a/1", "/b/1", "/c"]) await store.ensureGroup(g);
      const names = async (options: { prefix?: string; after?: string; limit: number }) =>
        (await store.listGroups(options)).map((g) => g.logGroupName);
      expect(await names({ limit: 10 })).toEqual(["/a/1", "/b/1", "/b/2", "/c"]);
      expect(await names({ prefix: "/b/", limit: 10 })).toEqual(["/b/1", "/b/2"]);
      expect(await names({ after: "/b/1", limit: 2 })).toEqual(["/b/2", "/c"]);
      expect(await names({ prefix: "/b/", after: "/b/1", limit: 10 })).toEqual(["/b/2"]);
    });

    it("lists streams by name in either direction, by prefix and after", async () => {
      await store.ensureGroup(G);
      for (const s of ["b", "a", "c", "ab"]) await store.ensureStream(G, s);
      const names = async (options: {
        prefix?: string;
        after?: string;
        descending?: boolean;
        limit?: number;
      }) =>
        (
          await store.listStreams(G, {
            orderBy: "LogStreamName",
            limit: options.limit ?? 10,
            descending: options.descending ?? false,
            ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
            ...(options.after === undefined ? {} : { after: options.after }),
          })
        ).map((s) => s.logStreamName);
      expect(await names({})).toEqual(["a", "ab", "b", "c"]);
      expect(await names({ descending: true })).toEqual(["c", "b", "ab", "a"]);
      expect(await names({ prefix: "a" })).toEqual(["a", "ab"]);
      expect(await names({ after: "ab", limit: 1 })).toEqual(["b"]);
      expect(await names({ after: "b", descending: true })).toEqual(["ab", "a"]);
      expect(
        await store.listStreams("/missing", { orderBy: "LogStreamName", limit: 5, descending: false }),
      ).toEqual([]);
    });

    it("lists streams by last event time, quiet streams first, paging by name and time", async () => {
      await stream(G, "late", [[300, "x"]]);
      await stream(G, "early", [[100, "x"]]);
      await stream(G, "quiet");
      await stream(G, "mid", [[200, "x"]]);
      const page = async (descending: boolean, after?: { name: string; time?: number }) =>
        (
          await store.listStreams(G, {
            orderBy: "LastEventTime",
            descending,
            limit: 2,
            ...(after ? { after: after.name } : {}),
            ...(after?.time === undefined ? {} : { afterLastEventTime: after.time }),
          })
        ).map((s) => s.logStreamName);
      expect(await page(false)).toEqual(["quiet", "early"]);
      expect(await page(false, { name: "early", time: 100 })).toEqual(["mid", "late"]);
      expect(await page(false, { name: "quiet" })).toEqual(["early", "mid"]);
      expect(await page(true)).toEqual(["late", "mid"]);
      expect(await page(true, { name: "mid", time: 200 })).toEqual(["early", "quiet"]);
    });

    it("deletes a stream with its events and keeps the rest of the group", async () => {
      await stream(G, "gone", [[1, "x"]]);
      await stream(G, "kept", [[2, "y"]]);
      expect(await store.deleteStream(G, "gone")).toBe(true);
      expect(await store.deleteStream(G, "gone")).toBe(false);
      expect(await store.deleteStream("/missing", "gone")).toBe(false);
      expect(await store.getStream(G, "gone")).toBeUndefined();
      expect(messages(await query())).toEqual(["y"]);
      expect((await store.getGroup(G))?.storedBytes).toBe(1);
    });

    it("deletes a group with its streams and events", async () => {
      await stream(G, "s", [[1, "x"]]);
      await stream("/other", "s", [[1, "kept"]]);
      expect(await store.deleteGroup(G)).toBe(true);
      expect(await store.deleteGroup(G)).toBe(false);
      expect(await store.getGroup(G)).toBeUndefined();
      await store.ensureGroup(G);
      expect(await store.getStream(G, "s")).toBeUndefined();
      expect(await query()).toEqual([]);
      expect(
        messages(await store.queryEvents({ logGroupName: "/other", limit: 5, ascending: true })),
      ).toEqual(["kept"]);
    });

    it("never reuses a seq after deletes", async () => {
      await stream(G, "s", [[1, "first"]]);
      const [first] = await query();
      await store.deleteGroup(G);
      await stream(G, "s", [[1, "second"]]);
      const [second] = await query();
      expect(second?.seq).toBeGreaterThan(first?.seq ?? Number.POSITIVE_INFINITY);
    });

    it("keeps groups, streams and events across close and reopen", async (ctx) => {
      if (!handle.reopen) return ctx.skip("this backend cannot reopen the same data");
      await stream(G, "s", [
        [10, "a"],
        [20, "b"],
      ]);
      const before = await query();
      const info = await store.getStream(G, "s");
      store = await handle.reopen();
      expect(await query()).toEqual(before);
      expect(await store.getStream(G, "s")).toEqual(info);
      expect(await store.ensureGroup(G)).toBe(false);
    });
  });
}
