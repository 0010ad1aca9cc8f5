import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsRequest } from "../aws/http-types.js";
import { ManualClock } from "../core/clock.js";
import { SqliteLogStore } from "../storage/sqlite/sqlite-log-store.js";
import { createLogsApi } from "./logs-api.js";

interface FilteredEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}
interface Page {
  events: FilteredEvent[];
  searchedLogStreams: { logStreamName: string; searchedCompletely: boolean }[];
  nextToken?: string;
}

const req = {
  caller: { accessKeyId: "test", signingService: "logs", region: "us-east-1", accountId: "123456789012" },
} as AwsRequest;
const G = "/aws/lambda/fn";

let dir: string;
let store: SqliteLogStore;
let clock: ManualClock;
let t0: number;
let filterCalls = 0;
let call: (operation: string, input: Record<string, unknown>) => Promise<unknown>;
const filter = async (input: Record<string, unknown> = {}) => {
  filterCalls++;
  return (await call("FilterLogEvents", { logGroupName: G, ...input })) as Page;
};
const texts = (page: Page) => page.events.map((e) => e.message);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-filter-log-events-"));
  clock = new ManualClock(Date.UTC(2025, 0, 1));
  t0 = clock.now() - 60_000;
  filterCalls = 0;
  store = new SqliteLogStore(join(dir, "logs.db"), clock);
  const api = createLogsApi(store, clock);
  call = (operation, input) => {
    const handler = api.operations[operation];
    if (!handler) throw new Error(`no operation ${operation}`);
    return handler(input, req);
  };
  await call("CreateLogGroup", { logGroupName: G });
  for (const s of ["app/1", "app/2", "web/1"])
    await call("CreateLogStream", { logGroupName: G, logStreamName: s });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function put(stream: string, ...events: [number, string][]): Promise<void> {
  const logEvents = events.map(([offset, message]) => ({ timestamp: t0 + offset, message }));
  await call("PutLogEvents", { logGroupName: G, logStreamName: stream, logEvents });
}

describe("FilterLogEvents", () => {
  it("interleaves the group's streams by timestamp with stream name, ingestion time and event id", async () => {
    await put("app/1", [1, "one"], [3, "three"]);
    await put("web/1", [2, "two"]);
    const page = await filter();
    expect(page.events.map((e) => [e.logStreamName, e.timestamp, e.message])).toEqual([
      ["app/1", t0 + 1, "one"],
      ["web/1", t0 + 2, "two"],
      ["app/1", t0 + 3, "three"],
    ]);
    expect(page.events.every((e) => e.ingestionTime === clock.now())).toBe(true);
    expect(new Set(page.events.map((e) => e.eventId)).size).toBe(3);
    expect((await filter()).events.map((e) => e.eventId)).toEqual(page.events.map((e) => e.eventId));
    expect(page.nextToken).toBeUndefined();
    expect(page.searchedLogStreams).toEqual([
      { logStreamName: "app/1", searchedCompletely: true },
      { logStreamName: "app/2", searchedCompletely: true },
      { logStreamName: "web/1", searchedCompletely: true },
    ]);
  });

  it("selects streams by name or by prefix, but not both", async () => {
    await put("app/1", [1, "a1"]);
    await put("app/2", [2, "a2"]);
    await put("web/1", [3, "w1"]);
    expect(texts(await filter({ logStreamNames: ["web/1", "app/1"] }))).toEqual(["a1", "w1"]);
    expect(texts(await filter({ logStreamNamePrefix: "app/" }))).toEqual(["a1", "a2"]);
    expect(
      (await filter({ logStreamNamePrefix: "web" })).searchedLogStreams.map((s) => s.logStreamName),
    ).toEqual(["web/1"]);
    await expect(filter({ logStreamNames: ["a"], logStreamNamePrefix: "a" })).rejects.toMatchObject({
      awsName: "InvalidParameterException",
      message: "Cannot specify both logStreamNames and logStreamNamePrefix.",
    });
  });

  it("applies an inclusive time range and the filter pattern", async () => {
    await put(
      "app/1",
      [1, "INFO start"],
      [2, "ERROR boom"],
      [3, '{"level":"ERROR","code":500}'],
      [4, "ERROR late"],
    );
    expect(texts(await filter({ startTime: t0 + 2, endTime: t0 + 3 }))).toEqual([
      "ERROR boom",
      '{"level":"ERROR","code":500}',
    ]);
    expect(texts(await filter({ filterPattern: "ERROR -late" }))).toEqual([
      "ERROR boom",
      '{"level":"ERROR","code":500}',
    ]);
    expect(texts(await filter({ filterPattern: "{ $.code >= 500 }" }))).toEqual([
      '{"level":"ERROR","code":500}',
    ]);
    await expect(filter({ filterPattern: "[ip, status]" })).rejects.toMatchObject({
      awsName: "InvalidParameterException",
      message: expect.stringMatching(/space-delimited/),
    });
  });

  it("pages with nextToken only while more events follow, and the same place yields the same token", async () => {
    await put("app/1", [1, "a"], [2, "b"], [3, "c"], [4, "d"], [5, "e"]);
    const first = await filter({ limit: 2 });
    expect((await filter({ limit: 2 })).nextToken).toBe(first.nextToken);
    expect(first.searchedLogStreams.every((s) => !s.searchedCompletely)).toBe(true);
    const second = await filter({ limit: 2, nextToken: first.nextToken });
    const third = await filter({ limit: 2, nextToken: second.nextToken });
    expect([first, second, third].map(texts)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(third.nextToken).toBeUndefined();
    const exact = await filter({ limit: 5 });
    expect(exact.nextToken).toBeUndefined();
  });

  it("finds sparse matches across many stored events and pages past its scan budget", async () => {
    const events = Array.from({ length: 60_000 }, (_, i) => ({
      timestamp: t0 + i,
      message: i % 7000 === 6999 ? `hit ${i}` : "noise",
    }));
    await store.putEvents(G, "app/1", events);
    const seen: string[] = [];
    let page = await filter({ filterPattern: "hit" });
    seen.push(...texts(page));
    let calls = 1;
    while (page.nextToken) {
      page = await filter({ filterPattern: "hit", nextToken: page.nextToken });
      seen.push(...texts(page));
      calls++;
    }
    expect(seen).toEqual(Array.from({ length: 8 }, (_, k) => `hit ${7000 * k + 6999}`));
    expect(calls).toBe(2);
  });

  it("caps a page at 1 MB of messages and continues with the event that did not fit", async () => {
    const big = "x".repeat(400_000);
    for (let i = 0; i < 3; i++) await put("app/1", [i, `${i}${big}`]);
    const first = await filter();
    expect(first.events.map((e) => e.message[0])).toEqual(["0", "1"]);
    const rest = await filter({ nextToken: first.nextToken });
    expect(rest.events.map((e) => e.message[0])).toEqual(["2"]);
    expect(rest.nextToken).toBeUndefined();
  });

  it("rejects tokens that are not its own", async () => {
    for (const nextToken of ["f/1/2", "junk", "n/a/b"]) {
      await expect(filter({ nextToken })).rejects.toMatchObject({ awsName: "InvalidParameterException" });
    }
    await expect(filter({ logGroupName: "/nope" })).rejects.toMatchObject({
      awsName: "ResourceNotFoundException",
    });
  });
});

/**
 * The loop of `aws logs tail --follow` (awscli/customizations/logs/tail.py, FollowLogEventsGenerator):
 * call again at once while a nextToken comes back; otherwise sleep, then restart from the newest
 * timestamp seen, skipping event ids already printed at that timestamp.
 */
async function tailFollow(
  polls: number,
  sleep: (poll: number) => Promise<void>,
  extra: Record<string, unknown>,
) {
  const kwargs: Record<string, unknown> = { interleaved: true, startTime: t0, ...extra };
  let idsAt = new Map<number, Set<string>>();
  const printed: string[] = [];
  for (let poll = 0; poll < polls; ) {
    if (filterCalls > 100) throw new Error("tail keeps getting nextTokens: it would spin");
    const response = await filter(kwargs);
    for (const event of response.events) {
      const ids = idsAt.get(event.timestamp) ?? new Set<string>();
      idsAt.set(event.timestamp, ids);
      if (!ids.has(event.eventId)) {
        ids.add(event.eventId);
        printed.push(event.message);
      }
    }
    const newest = Math.max(...idsAt.keys());
    idsAt = new Map(idsAt.size > 0 ? [[newest, idsAt.get(newest) ?? new Set<string>()]] : []);
    if (response.nextToken) {
      kwargs.nextToken = response.nextToken;
    } else {
      if (idsAt.size > 0) kwargs.startTime = newest;
      delete kwargs.nextToken;
      poll++;
      await sleep(poll);
    }
  }
  return printed;
}

describe("aws logs tail --follow", () => {
  it("prints every event exactly once, across pages and polls, without spinning", async () => {
    await put("app/1", [1, "a"], [2, "b"], [3, "c"]);
    await put("web/1", [3, "c-web"]);
    const printed = await tailFollow(
      4,
      async (poll) => {
        clock.advance(5000);
        if (poll === 1) await put("app/2", [3, "late-at-3"], [4, "d"]);
        if (poll === 2) await put("app/1", [4, "e"], [5, "f"], [6, "g"]);
      },
      { limit: 2 },
    );
    expect(printed).toEqual(["a", "b", "c", "c-web", "late-at-3", "d", "e", "f", "g"]);
    // Pages of 2: 4 polls plus the immediate follow-ups while a nextToken came back.
    expect(filterCalls).toBeLessThanOrEqual(10);
  });

  it("follows with a filter pattern and a stream prefix", async () => {
    await put("app/1", [1, "ERROR a"], [2, "INFO b"]);
    const printed = await tailFollow(
      2,
      async () => {
        await put("app/2", [3, "ERROR c"]);
        await put("web/1", [4, "ERROR web"]);
      },
      { filterPattern: "ERROR", logStreamNamePrefix: "app/" },
    );
    expect(printed).toEqual(["ERROR a", "ERROR c"]);
  });
});
