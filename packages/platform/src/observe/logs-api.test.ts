import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsRequest } from "../aws/http-types.js";
import { ManualClock } from "../core/clock.js";
import { SqliteLogStore } from "../storage/sqlite/sqlite-log-store.js";
import { createLogsApi } from "./logs-api.js";

const req: AwsRequest = {
  requestId: "req-1",
  method: "POST",
  rawPath: "/",
  query: new URLSearchParams(),
  rawQuery: "",
  headers: {},
  body: Buffer.alloc(0),
  hostname: "localhost",
  origin: "http://localhost",
  caller: { accessKeyId: "test", signingService: "logs", region: "eu-west-1", accountId: "123456789012" },
};

let dir: string;
let store: SqliteLogStore;
let clock: ManualClock;
let call: (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-logs-api-"));
  clock = new ManualClock(Date.UTC(2025, 0, 1));
  store = new SqliteLogStore(join(dir, "logs.db"), clock);
  const api = createLogsApi(store, clock);
  call = async (operation, input) => {
    const handler = api.operations[operation];
    if (!handler) throw new Error(`no operation ${operation}`);
    return (await handler(input, req)) as Record<string, unknown>;
  };
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const G = "/aws/lambda/orders";
const awsFault = (awsName: string, message?: string | RegExp) => ({
  awsName,
  ...(message ? { message } : {}),
});

describe("createLogsApi", () => {
  it("speaks awsJson1_1 under the Logs_20140328 target prefix", () => {
    const api = createLogsApi(store, clock);
    expect(api.targetPrefix).toBe("Logs_20140328");
    expect(api.jsonVersion).toBe("1.1");
  });
});

describe("log groups", () => {
  it("creates, describes and deletes a log group", async () => {
    expect(await call("CreateLogGroup", { logGroupName: G })).toEqual({});
    const described = await call("DescribeLogGroups", {});
    expect(described).toEqual({
      logGroups: [
        {
          logGroupName: G,
          creationTime: clock.now(),
          metricFilterCount: 0,
          arn: `arn:aws:logs:eu-west-1:123456789012:log-group:${G}:*`,
          storedBytes: 0,
          logGroupClass: "STANDARD",
          logGroupArn: `arn:aws:logs:eu-west-1:123456789012:log-group:${G}`,
        },
      ],
    });
    expect(await call("DeleteLogGroup", { logGroupName: G })).toEqual({});
    expect(await call("DescribeLogGroups", {})).toEqual({ logGroups: [] });
  });

  it("answers the AWS exceptions for duplicates, missing groups and bad names", async () => {
    await call("CreateLogGroup", { logGroupName: G });
    await expect(call("CreateLogGroup", { logGroupName: G })).rejects.toMatchObject(
      awsFault("ResourceAlreadyExistsException", "The specified log group already exists"),
    );
    await expect(call("DeleteLogGroup", { logGroupName: "/nope" })).rejects.toMatchObject(
      awsFault("ResourceNotFoundException", "The specified log group does not exist."),
    );
    await expect(call("CreateLogGroup", { logGroupName: "bad name!" })).rejects.toMatchObject(
      awsFault("InvalidParameterException", /regular expression pattern/),
    );
    await expect(call("CreateLogGroup", {})).rejects.toMatchObject(
      awsFault("InvalidParameterException", /must not be null/),
    );
  });

  it("refuses parameters it would otherwise ignore, naming them", async () => {
    await expect(
      call("CreateLogGroup", { logGroupName: G, kmsKeyId: "arn:aws:kms:x" }),
    ).rejects.toMatchObject(
      awsFault(
        "InvalidParameterException",
        "Nimbus does not support the parameter kmsKeyId of CreateLogGroup.",
      ),
    );
    await expect(
      call("CreateLogGroup", { logGroupName: G, logGroupClass: "INFREQUENT_ACCESS" }),
    ).rejects.toMatchObject(awsFault("InvalidParameterException", /STANDARD/));
  });

  it("filters groups by prefix and pages with stable nextTokens", async () => {
    for (const name of ["/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/c", "/other"]) {
      await call("CreateLogGroup", { logGroupName: name });
    }
    const first = await call("DescribeLogGroups", { logGroupNamePrefix: "/aws/lambda/", limit: 2 });
    const again = await call("DescribeLogGroups", { logGroupNamePrefix: "/aws/lambda/", limit: 2 });
    expect(again.nextToken).toBe(first.nextToken);
    const second = await call("DescribeLogGroups", {
      logGroupNamePrefix: "/aws/lambda/",
      limit: 2,
      nextToken: first.nextToken,
    });
    const names = [first, second].flatMap((page) =>
      (page.logGroups as { logGroupName: string }[]).map((g) => g.logGroupName),
    );
    expect(names).toEqual(["/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/c"]);
    expect(second.nextToken).toBeUndefined();
    await expect(call("DescribeLogGroups", { nextToken: "garbage" })).rejects.toMatchObject(
      awsFault("InvalidParameterException", "The specified nextToken is invalid."),
    );
    await expect(call("DescribeLogGroups", { limit: 51 })).rejects.toMatchObject(
      awsFault("InvalidParameterException"),
    );
  });
});

describe("log streams", () => {
  beforeEach(async () => {
    await call("CreateLogGroup", { logGroupName: G });
  });

  it("creates and deletes streams with the AWS exceptions", async () => {
    expect(
      await call("CreateLogStream", { logGroupName: G, logStreamName: "2025/01/01/[$LATEST]abc" }),
    ).toEqual({});
    await expect(
      call("CreateLogStream", { logGroupName: G, logStreamName: "2025/01/01/[$LATEST]abc" }),
    ).rejects.toMatchObject(
      awsFault("ResourceAlreadyExistsException", "The specified log stream already exists"),
    );
    await expect(
      call("CreateLogStream", { logGroupName: "/nope", logStreamName: "s" }),
    ).rejects.toMatchObject(awsFault("ResourceNotFoundException", "The specified log group does not exist."));
    await expect(call("CreateLogStream", { logGroupName: G, logStreamName: "a:b" })).rejects.toMatchObject(
      awsFault("InvalidParameterException"),
    );
    expect(
      await call("DeleteLogStream", { logGroupName: G, logStreamName: "2025/01/01/[$LATEST]abc" }),
    ).toEqual({});
    await expect(
      call("DeleteLogStream", { logGroupName: G, logStreamName: "2025/01/01/[$LATEST]abc" }),
    ).rejects.toMatchObject(
      awsFault("ResourceNotFoundException", "The specified log stream does not exist."),
    );
  });

  it("describes streams with their event times and ARN", async () => {
    await call("CreateLogStream", { logGroupName: G, logStreamName: "s1" });
    await call("CreateLogStream", { logGroupName: G, logStreamName: "s0" });
    const t = clock.now();
    clock.advance(10);
    await call("PutLogEvents", {
      logGroupName: G,
      logStreamName: "s1",
      logEvents: [{ timestamp: t, message: "hello" }],
    });
    const { logStreams } = await call("DescribeLogStreams", { logGroupName: G });
    expect(logStreams).toEqual([
      {
        logStreamName: "s0",
        creationTime: t,
        arn: `arn:aws:logs:eu-west-1:123456789012:log-group:${G}:log-stream:s0`,
        storedBytes: 0,
      },
      {
        logStreamName: "s1",
        creationTime: t,
        firstEventTimestamp: t,
        lastEventTimestamp: t,
        lastIngestionTime: t + 10,
        arn: `arn:aws:logs:eu-west-1:123456789012:log-group:${G}:log-stream:s1`,
        storedBytes: 5,
      },
    ]);
  });

  it("orders by LastEventTime descending and pages through it", async () => {
    const now = clock.now();
    for (const [name, offset] of [
      ["a", 3],
      ["b", 1],
      ["c", 2],
    ] as const) {
      await call("CreateLogStream", { logGroupName: G, logStreamName: name });
      await call("PutLogEvents", {
        logGroupName: G,
        logStreamName: name,
        logEvents: [{ timestamp: now - offset, message: "x" }],
      });
    }
    const input = { logGroupName: G, orderBy: "LastEventTime", descending: true, limit: 2 };
    const first = await call("DescribeLogStreams", input);
    const second = await call("DescribeLogStreams", { ...input, nextToken: first.nextToken });
    const names = [first, second].flatMap((p) =>
      (p.logStreams as { logStreamName: string }[]).map((s) => s.logStreamName),
    );
    expect(names).toEqual(["b", "c", "a"]);
    expect(second.nextToken).toBeUndefined();
    await expect(
      call("DescribeLogStreams", { logGroupName: G, orderBy: "LastEventTime", logStreamNamePrefix: "a" }),
    ).rejects.toMatchObject(
      awsFault("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."),
    );
    await expect(call("DescribeLogStreams", { logGroupName: G, orderBy: "Size" })).rejects.toMatchObject(
      awsFault("InvalidParameterException", /enum value set/),
    );
    await expect(call("DescribeLogStreams", { logGroupName: "/nope" })).rejects.toMatchObject(
      awsFault("ResourceNotFoundException"),
    );
  });

  it("finds a group by its ARN in logGroupIdentifier", async () => {
    await call("CreateLogStream", { logGroupName: G, logStreamName: "s" });
    const arn = `arn:aws:logs:eu-west-1:123456789012:log-group:${G}:*`;
    const { logStreams } = await call("DescribeLogStreams", {
      logGroupIdentifier: arn,
      logStreamNamePrefix: "s",
    });
    expect(logStreams).toHaveLength(1);
    await expect(
      call("DescribeLogStreams", { logGroupIdentifier: arn, logGroupName: G }),
    ).rejects.toMatchObject(awsFault("InvalidParameterException", /mutually exclusive/));
  });
});

describe("PutLogEvents", () => {
  beforeEach(async () => {
    await call("CreateLogGroup", { logGroupName: G });
    await call("CreateLogStream", { logGroupName: G, logStreamName: "s" });
  });
  const put = (logEvents: unknown, extra: Record<string, unknown> = {}) =>
    call("PutLogEvents", { logGroupName: G, logStreamName: "s", logEvents, ...extra });
  const stored = async () =>
    (await store.queryEvents({ logGroupName: G, limit: 100, ascending: true })).map((e) => e.message);

  it("stores the events and ignores the deprecated sequenceToken", async () => {
    const t = clock.now();
    expect(
      await put(
        [
          { timestamp: t, message: "a" },
          { timestamp: t, message: "b" },
        ],
        { sequenceToken: "49590" },
      ),
    ).toEqual({});
    expect(await stored()).toEqual(["a", "b"]);
  });

  it("rejects a missing stream or group with ResourceNotFoundException", async () => {
    const logEvents = [{ timestamp: clock.now(), message: "a" }];
    await expect(
      call("PutLogEvents", { logGroupName: G, logStreamName: "nope", logEvents }),
    ).rejects.toMatchObject(
      awsFault("ResourceNotFoundException", "The specified log stream does not exist."),
    );
    await expect(
      call("PutLogEvents", { logGroupName: "/nope", logStreamName: "s", logEvents }),
    ).rejects.toMatchObject(awsFault("ResourceNotFoundException", "The specified log group does not exist."));
  });

  it("rejects events out of chronological order, spanning over 24 hours, or none at all", async () => {
    const t = clock.now();
    await expect(
      put([
        { timestamp: t, message: "a" },
        { timestamp: t - 1, message: "b" },
      ]),
    ).rejects.toMatchObject(awsFault("InvalidParameterException", /chronological order/));
    await expect(
      put([
        { timestamp: t - 25 * 3_600_000, message: "a" },
        { timestamp: t, message: "b" },
      ]),
    ).rejects.toMatchObject(awsFault("InvalidParameterException", /24 hours/));
    await expect(put([])).rejects.toMatchObject(awsFault("InvalidParameterException"));
    await expect(put([{ timestamp: t, message: "" }])).rejects.toMatchObject(
      awsFault("InvalidParameterException"),
    );
    await expect(put([{ message: "no time" }])).rejects.toMatchObject(
      awsFault("InvalidParameterException", /timestamp/),
    );
    expect(await stored()).toEqual([]);
  });

  it("rejects a batch over 1 MB counting 26 bytes per event", async () => {
    const message = "x".repeat(1_048_576 - 26);
    expect(await put([{ timestamp: clock.now(), message }])).toEqual({});
    await expect(put([{ timestamp: clock.now(), message: `${message}y` }])).rejects.toMatchObject(
      awsFault("InvalidParameterException", /Upload too large/),
    );
  });

  it("keeps the valid events and reports the too old and too new ones", async () => {
    const t = clock.now();
    const result = await put([
      { timestamp: t - 15 * 86_400_000, message: "too old" },
      { timestamp: t - 1000, message: "ok 1" },
      { timestamp: t + 3_600_000, message: "ok 2" },
      { timestamp: t + 3 * 3_600_000, message: "too new" },
    ]);
    expect(result).toEqual({
      rejectedLogEventsInfo: { tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 3 },
    });
    expect(await stored()).toEqual(["ok 1", "ok 2"]);
  });
});
