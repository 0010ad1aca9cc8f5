import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsRequest } from "../aws/http-types.js";
import { ManualClock } from "../core/clock.js";
import { SqliteLogStore } from "../storage/sqlite/sqlite-log-store.js";
import { createLogsApi } from "./logs-api.js";

interface Page {
  events: { timestamp: number; message: string; ingestionTime: number }[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

const req = {
  caller: { accessKeyId: "test", signingService: "logs", region: "us-east-1", accountId: "123456789012" },
} as AwsRequest;
const G = "/aws/lambda/fn";
const S = "2025/01/01/[$LATEST]0123";

let dir: string;
let store: SqliteLogStore;
let clock: ManualClock;
let t0: number;
let call: (operation: string, input: Record<string, unknown>) => Promise<unknown>;
const get = async (input: Record<string, unknown> = {}) =>
  (await call("GetLogEvents", { logGroupName: G, logStreamName: S, ...input })) as Page;
const texts = (page: Page) => page.events.map((e) => e.message);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-get-log-events-"));
  clock = new ManualClock(Date.UTC(2025, 0, 1));
  t0 = clock.now() - 60_000;
  store = new SqliteLogStore(join(dir, "logs.db"), clock);
  const api = createLogsApi(store, clock);
  call = (operation, input) => {
    const handler = api.operations[operation];
    if (!handler) throw new Error(`no operation ${operation}`);
    return handler(input, req);
  };
  await call("CreateLogGroup", { logGroupName: G });
  await call("CreateLogStream", { logGroupName: G, logStreamName: S });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Puts events e0..e(n-1) one millisecond apart from t0 + from. */
async function putSeries(n: number, from = 0): Promise<void> {
  const logEvents = Array.from({ length: n }, (_, i) => ({
    timestamp: t0 + from + i,
    message: `e${from + i}`,
  }));
  await call("PutLogEvents", { logGroupName: G, logStreamName: S, logEvents });
}

describe("GetLogEvents", () => {
  it("returns the newest events, oldest first, when no token and no startFromHead are given", async () => {
    await putSeries(5);
    const page = await get({ limit: 2 });
    expect(texts(page)).toEqual(["e3", "e4"]);
    expect(page.events[0]).toEqual({ timestamp: t0 + 3, message: "e3", ingestionTime: clock.now() });
    expect(page.nextForwardToken).toMatch(/^f\//);
    expect(page.nextBackwardToken).toMatch(/^b\//);
  });

  it("returns the oldest events with startFromHead", async () => {
    await putSeries(5);
    expect(texts(await get({ limit: 2, startFromHead: true }))).toEqual(["e0", "e1"]);
  });

  it("pages forward until it hands back the token it was given", async () => {
    await putSeries(5);
    const seen: string[] = [];
    let page = await get({ limit: 2, startFromHead: true });
    let token: string | undefined;
    for (let i = 0; i < 10 && page.nextForwardToken !== token; i++) {
      seen.push(...texts(page));
      token = page.nextForwardToken;
      page = await get({ limit: 2, startFromHead: true, nextToken: token });
    }
    expect(seen).toEqual(["e0", "e1", "e2", "e3", "e4"]);
    expect(page.events).toEqual([]);
    expect(page.nextForwardToken).toBe(token);
  });

  it("pages backward from the newest events to the start of the stream", async () => {
    await putSeries(5);
    let page = await get({ limit: 2 });
    const pages = [texts(page)];
    for (;;) {
      const token = page.nextBackwardToken;
      page = await get({ limit: 2, nextToken: token });
      if (page.events.length === 0) {
        expect(page.nextBackwardToken).toBe(token);
        break;
      }
      pages.push(texts(page));
    }
    expect(pages).toEqual([["e3", "e4"], ["e1", "e2"], ["e0"]]);
  });

  it("turns around: a backward page's forward token continues after that page", async () => {
    await putSeries(6);
    const newest = await get({ limit: 2 });
    const middle = await get({ limit: 2, nextToken: newest.nextBackwardToken });
    expect(texts(middle)).toEqual(["e2", "e3"]);
    expect(texts(await get({ limit: 2, nextToken: middle.nextForwardToken }))).toEqual(["e4", "e5"]);
  });

  it("finds events written after the end with the last forward token", async () => {
    await putSeries(2);
    const first = await get({ startFromHead: true });
    const atEnd = await get({ nextToken: first.nextForwardToken });
    expect(atEnd.events).toEqual([]);
    await putSeries(2, 2);
    expect(texts(await get({ nextToken: atEnd.nextForwardToken }))).toEqual(["e2", "e3"]);
  });

  it("gives an empty stream tokens that later find new events", async () => {
    const empty = await get();
    expect(empty.events).toEqual([]);
    expect(await get()).toEqual(empty);
    await putSeries(1);
    expect(texts(await get({ nextToken: empty.nextForwardToken }))).toEqual(["e0"]);
  });

  it("includes startTime and excludes endTime", async () => {
    await putSeries(5);
    expect(texts(await get({ startTime: t0 + 1, endTime: t0 + 3, startFromHead: true }))).toEqual([
      "e1",
      "e2",
    ]);
  });

  it("keeps events with equal timestamps in arrival order across pages", async () => {
    const logEvents = ["a", "b", "c", "d"].map((message) => ({ timestamp: t0, message }));
    await call("PutLogEvents", { logGroupName: G, logStreamName: S, logEvents });
    const first = await get({ limit: 3, startFromHead: true });
    const second = await get({ limit: 3, nextToken: first.nextForwardToken });
    expect([...texts(first), ...texts(second)]).toEqual(["a", "b", "c", "d"]);
  });

  it("caps a page at 1 MB of messages", async () => {
    const big = "x".repeat(400_000);
    for (let i = 0; i < 3; i++) {
      await call("PutLogEvents", {
        logGroupName: G,
        logStreamName: S,
        logEvents: [{ timestamp: t0 + i, message: `${i}${big}` }],
      });
    }
    const first = await get({ startFromHead: true });
    expect(first.events.map((e) => e.message[0])).toEqual(["0", "1"]);
    const rest = await get({ nextToken: first.nextForwardToken });
    expect(rest.events.map((e) => e.message[0])).toEqual(["2"]);
  });

  it("answers missing groups, missing streams and bad tokens with AWS exceptions", async () => {
    await expect(call("GetLogEvents", { logGroupName: "/nope", logStreamName: S })).rejects.toMatchObject({
      awsName: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
    await expect(get({ logStreamName: "nope" })).rejects.toMatchObject({
      awsName: "ResourceNotFoundException",
      message: "The specified log stream does not exist.",
    });
    for (const nextToken of ["nonsense", "n/1/2", "f/x/1"]) {
      await expect(get({ nextToken })).rejects.toMatchObject({ awsName: "InvalidParameterException" });
    }
    await expect(get({ limit: 10_001 })).rejects.toMatchObject({ awsName: "InvalidParameterException" });
  });

  it("reads a group named by ARN", async () => {
    await putSeries(1);
    const page = (await call("GetLogEvents", {
      logGroupIdentifier: `arn:aws:logs:us-east-1:123456789012:log-group:${G}`,
      logStreamName: S,
    })) as Page;
    expect(texts(page)).toEqual(["e0"]);
  });
});
