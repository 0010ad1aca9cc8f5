import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  paginateGetLogEvents,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWireError } from "../aws/aws-errors.js";
import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import { dispatchJsonRpc, jsonRpcError } from "../aws/json-rpc.js";
import { ManualClock } from "../core/clock.js";
import { SqliteLogStore } from "../storage/sqlite/sqlite-log-store.js";
import { createLogsApi } from "./logs-api.js";

/**
 * The logs API on the wire: the official SDK v3 client against the awsJson1_1 codec on
 * loopback, checking that shapes, exceptions and paginators work as they do against AWS.
 */
let dir: string;
let store: SqliteLogStore;
let server: Server;
let client: CloudWatchLogsClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));
const G = "/aws/lambda/sdk";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-logs-sdk-"));
  store = new SqliteLogStore(join(dir, "logs.db"), clock);
  const api = createLogsApi(store, clock);
  server = createServer((incoming, res) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", async () => {
      const target = String(incoming.headers["x-amz-target"] ?? "");
      const req: AwsRequest = {
        requestId: "r",
        method: incoming.method ?? "POST",
        rawPath: "/",
        query: new URLSearchParams(),
        rawQuery: "",
        headers: incoming.headers,
        body: Buffer.concat(chunks),
        hostname: "127.0.0.1",
        origin: "http://127.0.0.1",
        caller: {
          accessKeyId: "test",
          signingService: "logs",
          region: "us-east-1",
          accountId: "123456789012",
        },
      };
      let result: HttpResult;
      try {
        result = await dispatchJsonRpc(api, target.slice(target.indexOf(".") + 1), req);
      } catch (error) {
        result = jsonRpcError(toWireError(error), api.jsonVersion);
      }
      res.writeHead(result.status, result.headers);
      res.end(result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new CloudWatchLogsClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("CloudWatch Logs through @aws-sdk/client-cloudwatch-logs", () => {
  it("creates, writes and describes groups and streams", async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: G }));
    await client.send(new CreateLogStreamCommand({ logGroupName: G, logStreamName: "s" }));
    const logEvents = Array.from({ length: 25 }, (_, i) => ({
      timestamp: clock.now() - 1000 + i,
      message: `line ${i}`,
    }));
    const put = await client.send(
      new PutLogEventsCommand({ logGroupName: G, logStreamName: "s", logEvents }),
    );
    expect(put.rejectedLogEventsInfo).toBeUndefined();
    const groups = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }));
    expect(groups.logGroups?.map((g) => [g.logGroupName, g.logGroupArn])).toEqual([
      [G, `arn:aws:logs:us-east-1:123456789012:log-group:${G}`],
    ]);
    const streams = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: G, orderBy: "LastEventTime" }),
    );
    expect(streams.logStreams?.[0]).toMatchObject({
      logStreamName: "s",
      lastEventTimestamp: clock.now() - 1000 + 24,
    });
  });

  it("raises the modelled exceptions", async () => {
    await expect(client.send(new CreateLogGroupCommand({ logGroupName: G }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    const missing = client.send(new GetLogEventsCommand({ logGroupName: "/nope", logStreamName: "s" }));
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(missing).rejects.toThrow("The specified log group does not exist.");
    await expect(
      client.send(new GetLogEventsCommand({ logGroupName: G, logStreamName: "s", nextToken: "bogus" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("ends paginateGetLogEvents with stopOnSameToken", async () => {
    const messages: string[] = [];
    const pages = paginateGetLogEvents(
      { client, pageSize: 10, stopOnSameToken: true },
      { logGroupName: G, logStreamName: "s", startFromHead: true },
    );
    for await (const page of pages) messages.push(...(page.events ?? []).map((e) => e.message ?? ""));
    expect(messages).toEqual(Array.from({ length: 25 }, (_, i) => `line ${i}`));
  });

  it("ends paginateFilterLogEvents when nextToken stops coming", async () => {
    const messages: string[] = [];
    const pages = paginateFilterLogEvents(
      { client, pageSize: 7 },
      { logGroupName: G, filterPattern: '"line 1"' },
    );
    for await (const page of pages) messages.push(...(page.events ?? []).map((e) => e.message ?? ""));
    expect(messages).toEqual(["line 1", ...Array.from({ length: 10 }, (_, i) => `line 1${i}`)]);
  });
});
