import { cp, mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateFunctionCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  type InvokeWithResponseStreamCommandOutput,
  type InvokeWithResponseStreamCompleteEvent,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { FIXTURES, payloadJson, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { copyRicInto, findRic } from "../support/ric.js";
import { zipDirectory } from "../support/zip.js";

/**
 * InvokeWithResponseStream through the AWS SDK, which reads the event stream itself: chunks come
 * in order and as the function writes them, failures end the stream with InvokeComplete's
 * ErrorCode, and plain Invoke buffers a streaming function's answer.
 */
let nimbus: TestNimbus;

const STREAMING = "node/streaming";
const FUNCTIONS = {
  "stream-lines": "index.handler",
  "stream-prelude": "index.prelude",
  "stream-throws": "index.throwsMidStream",
  "stream-unfinished": "index.unfinished",
  "stream-plain": "index.plain",
  "stream-big": "index.big",
} as const;

beforeAll(async () => {
  nimbus = await startNimbus();
  for (const [name, handler] of Object.entries(FUNCTIONS)) {
    await createFixtureFunction(nimbus.lambda, name, STREAMING, { handler });
  }
  await createFixtureFunction(nimbus.lambda, "stream-short", STREAMING, { timeout: 1 });
  await createFixtureFunction(nimbus.lambda, "plain-throws", "node/throws");
});

afterAll(async () => {
  await nimbus.stop();
});

interface Streamed {
  out: InvokeWithResponseStreamCommandOutput;
  /** Each PayloadChunk with the time it reached the client. */
  chunks: { bytes: Buffer; arrivedAt: number }[];
  complete: InvokeWithResponseStreamCompleteEvent | undefined;
  /** All chunk bytes as text. */
  text: string;
  /** The decoded LogResult of InvokeComplete. */
  log: string;
}

async function invokeStream(name: string, event: unknown = {}): Promise<Streamed> {
  const out = await nimbus.lambda.send(
    new InvokeWithResponseStreamCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(event)),
      LogType: "Tail",
    }),
  );
  const chunks: Streamed["chunks"] = [];
  let complete: InvokeWithResponseStreamCompleteEvent | undefined;
  for await (const message of out.EventStream ?? []) {
    if (message.PayloadChunk?.Payload) {
      chunks.push({ bytes: Buffer.from(message.PayloadChunk.Payload), arrivedAt: Date.now() });
    }
    if (message.InvokeComplete) complete = message.InvokeComplete;
  }
  return {
    out,
    chunks,
    complete,
    text: Buffer.concat(chunks.map((chunk) => chunk.bytes)).toString("utf8"),
    log: Buffer.from(complete?.LogResult ?? "", "base64").toString("utf8"),
  };
}

/** The REPORT line of `requestId` once the log sink has written it (it flushes every ~50 ms). */
async function reportLine(group: string, requestId: string): Promise<string> {
  const needle = `REPORT RequestId: ${requestId}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    const out = await nimbus.logs
      .send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: `"${needle}"` }))
      .catch(() => ({ events: [] }));
    const line = (out.events ?? []).map((e) => e.message ?? "").find((m) => m.startsWith(needle));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${needle} in ${group}`);
}

describe("InvokeWithResponseStream", () => {
  it("delivers the chunks in order, the first one before the handler has written the last", async () => {
    const streamed = await invokeStream("stream-lines", { count: 3, delayMs: 300 });
    expect(streamed.out.StatusCode).toBe(200);
    expect(streamed.out.ExecutedVersion).toBe("$LATEST");
    expect(streamed.out.ResponseStreamContentType).toBe("application/vnd.amazon.eventstream");
    const lines = streamed.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { index: number; writtenAt: number });
    expect(lines.map((line) => line.index)).toEqual([0, 1, 2]);
    const firstArrivedAt = streamed.chunks[0]?.arrivedAt ?? Number.POSITIVE_INFINITY;
    expect(firstArrivedAt).toBeLessThan(lines[2]?.writtenAt ?? 0);
    expect(streamed.complete).toEqual({ LogResult: expect.any(String) });
  });

  it("returns the log tail in InvokeComplete's LogResult", async () => {
    const streamed = await invokeStream("stream-lines", { count: 1 });
    expect(streamed.log).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    expect(streamed.log).toMatch(/^END RequestId: /m);
    expect(streamed.log).toMatch(/^REPORT RequestId: .*\tDuration: /m);
  });

  it("passes an HttpResponseStream prelude through as bytes", async () => {
    const streamed = await invokeStream("stream-prelude");
    const bytes = Buffer.concat(streamed.chunks.map((chunk) => chunk.bytes));
    const nul = bytes.indexOf(Buffer.alloc(8));
    expect(JSON.parse(bytes.subarray(0, nul).toString("utf8"))).toMatchObject({ statusCode: 201 });
    expect(bytes.subarray(nul + 8).toString("utf8")).toBe("hello world");
    expect(streamed.complete?.ErrorCode).toBeUndefined();
  });

  it("ends with InvokeComplete ErrorCode after the chunks written before a mid-stream failure", async () => {
    const streamed = await invokeStream("stream-throws");
    expect(streamed.out.StatusCode).toBe(200);
    expect(streamed.text).toBe("partial");
    expect(streamed.complete).toMatchObject({ ErrorCode: "TypeError", ErrorDetails: "failed mid-stream" });
    expect(streamed.log).toContain("Invoke Error");
  });

  it("fails a handler that returns without ending its stream", async () => {
    const streamed = await invokeStream("stream-unfinished");
    expect(streamed.text).toBe("never ended");
    expect(streamed.complete).toMatchObject({
      ErrorCode: "Error",
      ErrorDetails: "Response stream is not finished.",
    });
  });

  it("ends a stream cut by the function's timeout with Sandbox.Timedout", async () => {
    const streamed = await invokeStream("stream-short", { count: 10, delayMs: 400 });
    expect(streamed.chunks.length).toBeGreaterThanOrEqual(1);
    expect(streamed.chunks.length).toBeLessThan(10);
    expect(streamed.complete?.ErrorCode).toBe("Sandbox.Timedout");
    expect(streamed.complete?.ErrorDetails).toMatch(/Task timed out after 1\.00 seconds$/);
  });

  it("sends a non-streaming handler's response as one PayloadChunk", async () => {
    const streamed = await invokeStream("stream-plain", { a: 1 });
    expect(streamed.chunks).toHaveLength(1);
    expect(JSON.parse(streamed.text)).toEqual({ plain: true, event: { a: 1 } });
    expect(streamed.complete?.ErrorCode).toBeUndefined();
  });

  it("reports a non-streaming handler's error in InvokeComplete, with no chunk", async () => {
    const streamed = await invokeStream("plain-throws");
    expect(streamed.chunks).toEqual([]);
    expect(streamed.complete).toMatchObject({ ErrorCode: "Error", ErrorDetails: expect.any(String) });
  });

  it("streams megabytes intact", async () => {
    const streamed = await invokeStream("stream-big", { kb: 16 * 1024 });
    const bytes = Buffer.concat(streamed.chunks.map((chunk) => chunk.bytes));
    expect(bytes.length).toBe(16 * 1024 * 1024);
    expect(bytes.every((byte) => byte === 0x78)).toBe(true);
    expect(streamed.complete?.ErrorCode).toBeUndefined();
  });

  it("lets the function run to its end when the client goes away mid-stream", async () => {
    // 64 MB cannot sit in socket buffers: if the platform kept waiting for the gone client to
    // read, the function would stay blocked until its 10 s timeout.
    const requestId = await new Promise<string>((resolve, reject) => {
      const url = new URL(`${nimbus.url}/2021-11-15/functions/stream-big/response-streaming-invocations`);
      const req = request(url, { method: "POST" }, (res) => {
        res.once("data", () => {
          res.destroy();
          resolve(String(res.headers["x-amzn-requestid"]));
        });
      });
      req.on("error", reject);
      req.end(JSON.stringify({ kb: 64 * 1024 }));
    });
    const report = await reportLine("/aws/lambda/stream-big", requestId);
    expect(report).not.toContain("Status: timeout");
    expect((await invokeStream("stream-big", { kb: 64 })).complete?.ErrorCode).toBeUndefined();
  });

  it("answers DryRun with 204 and no events", async () => {
    const out = await nimbus.lambda.send(
      new InvokeWithResponseStreamCommand({ FunctionName: "stream-lines", InvocationType: "DryRun" }),
    );
    expect(out.StatusCode).toBe(204);
  });

  it("fails before streaming with Lambda's errors (unknown function)", async () => {
    await expect(
      nimbus.lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: "no-such-function" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("plain Invoke of a streaming handler", () => {
  it("returns the whole stream at once", async () => {
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "stream-lines", Payload: Buffer.from('{"count":2}') }),
    );
    expect(out.FunctionError).toBeUndefined();
    const lines = Buffer.from(out.Payload ?? new Uint8Array())
      .toString("utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).index);
    expect(lines).toEqual([0, 1]);
  });

  it("returns a mid-stream failure as Unhandled with the error JSON", async () => {
    const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: "stream-throws" }));
    expect(out.FunctionError).toBe("Unhandled");
    expect(payloadJson(out.Payload)).toMatchObject({
      errorType: "TypeError",
      errorMessage: "failed mid-stream",
    });
  });

  it("fails with Function.ResponseSizeTooLarge when the stream passes the 6 MB response limit", async () => {
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "stream-big", Payload: Buffer.from('{"kb":7168}') }),
    );
    expect(out.FunctionError).toBe("Unhandled");
    expect(payloadJson(out.Payload)).toMatchObject({
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: expect.stringMatching(
        /^Response payload size exceeded maximum allowed payload size \(\d+ bytes\)\.$/,
      ),
    });
  });
});

/**
 * The official Node runtime interface client streams over the HTTP Runtime API
 * (`Lambda-Runtime-Function-Response-Mode: streaming`, error trailers). Skipped, as in
 * ric.e2e.test.ts, when aws-lambda-ric is not built here.
 */
describe("streaming from the official runtime interface client (HTTP Runtime API)", () => {
  let work: string | undefined;

  beforeAll(async () => {
    const ricDir = findRic();
    if (!ricDir) return;
    work = await mkdtemp(join(tmpdir(), "nimbus-ric-stream-"));
    await cp(join(FIXTURES, "ric/bootstrap"), join(work, "bootstrap"));
    await cp(join(FIXTURES, STREAMING, "index.js"), join(work, "index.js"));
    await copyRicInto(ricDir, work);
    const zip = await zipDirectory(work);
    for (const [name, handler] of [
      ["ric-stream-lines", "index.handler"],
      ["ric-stream-throws", "index.throwsMidStream"],
    ] as const) {
      await nimbus.lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "provided.al2023",
          Handler: handler,
          Role: ROLE,
          Code: { ZipFile: zip },
          Timeout: 10,
        }),
      );
    }
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("delivers the chunks as the client sends them", async ({ skip }) => {
    if (!work) skip();
    const streamed = await invokeStream("ric-stream-lines", { count: 3, delayMs: 300 });
    const lines = streamed.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { index: number; writtenAt: number });
    expect(lines.map((line) => line.index)).toEqual([0, 1, 2]);
    expect(streamed.chunks[0]?.arrivedAt ?? Number.POSITIVE_INFINITY).toBeLessThan(lines[2]?.writtenAt ?? 0);
    expect(streamed.complete?.ErrorCode).toBeUndefined();
  });

  it("turns the client's error trailers into InvokeComplete's ErrorCode", async ({ skip }) => {
    if (!work) skip();
    const streamed = await invokeStream("ric-stream-throws");
    expect(streamed.text).toBe("partial");
    expect(streamed.complete).toMatchObject({ ErrorCode: "TypeError", ErrorDetails: "failed mid-stream" });
  });
});
