/**
 * Response streaming in the Node runtime: handlers wrapped in `awslambda.streamifyResponse`
 * answer with `stream-start`, `stream-chunk`... and `stream-end` frames (docs/runtime-protocol.md).
 * Beside runtime.test.ts (which is past 800 lines) and with the same harness.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type Frame, RuntimeProcess } from "./frames.test-helper.js";
import { ResponseStream } from "./response-stream.mjs";
import type { AnswerChannel, FrameHeader } from "./user-function.mjs";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/functions/node/streaming/", import.meta.url));

const running: RuntimeProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((runtime) => runtime.close()));
});

async function startReady(handler: string): Promise<RuntimeProcess> {
  const runtime = RuntimeProcess.start({ taskRoot: FIXTURE, handler });
  running.push(runtime);
  await runtime.ready();
  return runtime;
}

function text(chunks: readonly Buffer[]): string {
  return Buffer.concat(chunks).toString("utf8");
}

function logMessages(frames: readonly Frame[]): string[] {
  return frames.filter((frame) => frame.header.t === "log").map((frame) => frame.body.toString("utf8"));
}

describe("streaming handlers", () => {
  it("sends stream-start, one stream-chunk per write, then stream-end", async () => {
    const runtime = await startReady("index.handler");
    const outcome = await runtime.invokeStream({ count: 3 });
    expect(outcome.frames.map((frame) => frame.header.t)).toEqual([
      "stream-start",
      "stream-chunk",
      "stream-chunk",
      "stream-chunk",
    ]);
    expect(outcome.start?.header).toEqual({
      t: "stream-start",
      id: outcome.id,
      contentType: "application/octet-stream",
    });
    expect(outcome.chunks.map((chunk) => JSON.parse(chunk.toString("utf8")).index)).toEqual([0, 1, 2]);
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id });
    expect(outcome.end.body.length).toBe(0);
  });

  it("sends each chunk when it is written, not when the handler ends", async () => {
    const runtime = await startReady("index.handler");
    runtime.send(RuntimeProcess.invokeHeader(randomUUID()), JSON.stringify({ count: 2, delayMs: 300 }));
    await runtime.until("stream-chunk");
    const firstArrivedAt = Date.now();
    const { before } = await runtime.until("stream-end");
    const last = before.find((frame) => frame.header.t === "stream-chunk");
    const lastWrittenAt = JSON.parse(last?.body.toString("utf8") ?? "{}").writtenAt as number;
    expect(firstArrivedAt).toBeLessThan(lastWrittenAt);
  });

  it("writes the HttpResponseStream prelude and 8 NUL bytes before the body, with its content type", async () => {
    const runtime = await startReady("index.prelude");
    const outcome = await runtime.invokeStream({});
    expect(outcome.start?.header.contentType).toBe("application/vnd.awslambda.http-integration-response");
    const bytes = Buffer.concat(outcome.chunks);
    const nul = bytes.indexOf(Buffer.alloc(8));
    expect(JSON.parse(bytes.subarray(0, nul).toString("utf8"))).toEqual({
      statusCode: 201,
      headers: { "x-custom": "yes" },
      cookies: ["a=1"],
    });
    expect(bytes.subarray(nul + 8).toString("utf8")).toBe("hello world");
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id });
  });

  it("takes a content type before the first write and refuses it after; objects are sent as JSON", async () => {
    const runtime = await startReady("index.contentType");
    const outcome = await runtime.invokeStream({});
    expect(outcome.start?.header.contentType).toBe("text/plain; charset=utf-8");
    expect(text(outcome.chunks)).toBe(
      '{"object":true} Runtime.InvalidStreamingOperation: Cannot set content-type, too late.',
    );
    expect(logMessages(outcome.frames).join("")).toMatch(
      /\tWARN\tStreaming handlers ignore return values\.\n$/,
    );
  });

  it("ends the stream with the error when the handler fails after writing, and stays warm", async () => {
    const runtime = await startReady("index.throwsMidStream");
    const outcome = await runtime.invokeStream({});
    expect(text(outcome.chunks)).toBe("partial");
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id, errorType: "TypeError" });
    const error = JSON.parse(outcome.end.body.toString("utf8"));
    expect(error).toMatchObject({ errorType: "TypeError", errorMessage: "failed mid-stream" });
    expect(error.trace[0]).toBe("TypeError: failed mid-stream");
    expect(outcome.logText).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"TypeError"/);
    const again = await runtime.invokeStream({});
    expect(again.end.header.errorType).toBe("TypeError");
  });

  it("fails with 'Response stream is not finished.' when the handler returns and nothing can end it", async () => {
    const runtime = await startReady("index.unfinished");
    const outcome = await runtime.invokeStream({});
    expect(text(outcome.chunks)).toBe("never ended");
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id, errorType: "Error" });
    expect(JSON.parse(outcome.end.body.toString("utf8"))).toMatchObject({
      errorType: "Error",
      errorMessage: "Response stream is not finished.",
    });
  });

  it("accepts a stream ended by other work after the handler returned", async () => {
    const runtime = await startReady("index.endsLater");
    const outcome = await runtime.invokeStream({});
    expect(text(outcome.chunks)).toBe("late");
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id });
  });

  it.each([
    ["with an error fails with that error", { withError: true }, "RangeError", "gave up"],
    [
      "without one fails with Runtime.TruncatedResponse",
      {},
      "Runtime.TruncatedResponse",
      "Response stream was destroyed before it ended.",
    ],
  ])("a stream destroyed %s", async (_name, event, errorType, errorMessage) => {
    const runtime = await startReady("index.destroys");
    const outcome = await runtime.invokeStream(event);
    expect(text(outcome.chunks)).toBe("x");
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id, errorType });
    expect(JSON.parse(outcome.end.body.toString("utf8"))).toMatchObject({ errorType, errorMessage });
  });

  it("fails a handler that does not return a promise", async () => {
    const runtime = await startReady("index.notAsync");
    const outcome = await runtime.invokeStream({});
    expect(text(outcome.chunks)).toBe("sync");
    expect(JSON.parse(outcome.end.body.toString("utf8"))).toMatchObject({
      errorType: "Error",
      errorMessage: "Streaming does not support non-async handlers.",
    });
  });

  it("gives a streaming context without the callback methods", async () => {
    const runtime = await startReady("index.context");
    const outcome = await runtime.invokeStream({});
    expect(JSON.parse(text(outcome.chunks))).toEqual({
      awsRequestId: outcome.id,
      functionName: "fixture-fn",
      waits: true,
      hasSucceed: "undefined",
      remaining: true,
    });
  });

  it("answers an uncaught exception mid-stream with stream-end and the error, then exits 129", async () => {
    const runtime = await startReady("index.uncaught");
    const outcome = await runtime.invokeStream({});
    expect(text(outcome.chunks)).toBe("before the crash");
    expect(outcome.end.header).toEqual({ t: "stream-end", id: outcome.id, errorType: "Error" });
    expect(JSON.parse(outcome.end.body.toString("utf8"))).toMatchObject({
      errorMessage: "uncaught in stream",
    });
    expect(await runtime.exited).toEqual({ code: 129, signal: null });
  });

  it("streams megabytes in order, with the highWaterMark given to streamifyResponse", async () => {
    const runtime = await startReady("index.big");
    const outcome = await runtime.invokeStream({ kb: 4096 });
    const bytes = Buffer.concat(outcome.chunks);
    expect(bytes.length).toBe(4096 * 1024);
    expect(bytes.every((byte) => byte === 0x78)).toBe(true);
    expect(outcome.logText).toMatch(/waited for drain \d+ times, highWaterMark 131072/);
  });

  it("answers a plain handler in the same module with a response frame", async () => {
    const runtime = await startReady("index.plain");
    const outcome = await runtime.invoke({ a: 1 });
    expect(outcome.answer.header).toEqual({ t: "response", id: outcome.id });
    expect(outcome.result).toEqual({ plain: true, event: { a: 1 } });
  });

  it("fails Init with Runtime.MalformedStreamingHandler for an unknown streaming mark", async () => {
    const runtime = RuntimeProcess.start({ taskRoot: FIXTURE, handler: "index.malformed" });
    running.push(runtime);
    const { frame } = await runtime.until("ready", "init-error");
    expect(frame.header).toEqual({ t: "init-error", errorType: "Runtime.MalformedStreamingHandler" });
    expect(JSON.parse(frame.body.toString("utf8"))).toMatchObject({
      errorMessage: "Only response streaming is supported.",
    });
    expect(await runtime.exited).toMatchObject({ code: 1 });
  });
});

describe("after a streamed answer", () => {
  it("starts the next invocation only once the event loop has drained", async () => {
    const runtime = await startReady("index.leavesTimer");
    await runtime.invokeStream({ timerMs: 30 });
    const next = await runtime.invokeStream({});
    const kinds = next.frames.map((frame) =>
      frame.header.t === "log" ? frame.body.toString("utf8").split("\t")[3] : frame.header.t,
    );
    expect(kinds).toEqual(["leftover timer\n", "stream-start", "stream-chunk"]);
  });

  it("starts it at once when callbackWaitsForEmptyEventLoop is false", async () => {
    const runtime = await startReady("index.leavesTimer");
    await runtime.invokeStream({ dontWait: true, timerMs: 500 });
    const next = await runtime.invokeStream({});
    expect(next.frames.map((frame) => frame.header.t)).toEqual(["stream-start", "stream-chunk"]);
  });
});

describe("ResponseStream backpressure", () => {
  /** A channel whose writes complete only when the test says so. */
  function heldChannel() {
    const sent: { header: FrameHeader; body: string | Uint8Array | undefined }[] = [];
    const written: (() => void)[] = [];
    const channel: AnswerChannel = {
      send(header, body, onWritten) {
        sent.push({ header, body });
        if (onWritten) written.push(onWritten);
      },
      ref() {},
      unref() {},
    };
    return { channel, sent, completeOne: () => written.shift()?.() };
  }

  it("returns false from write once highWaterMark bytes wait for the socket, and drains after", async () => {
    const { channel, sent, completeOne } = heldChannel();
    const stream = new ResponseStream("req-1", channel, 16);
    expect(stream.write("a".repeat(10))).toBe(true);
    expect(stream.write("b".repeat(10))).toBe(false);
    // The first chunk is with the socket; the second waits in the stream.
    expect(sent.map((frame) => frame.header.t)).toEqual(["stream-start", "stream-chunk"]);
    const drained = new Promise<void>((resolve) => stream.once("drain", () => resolve()));
    completeOne();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(sent.map((frame) => frame.header.t)).toEqual(["stream-start", "stream-chunk", "stream-chunk"]);
    completeOne();
    await drained;
    expect(sent.map((frame) => Buffer.from(frame.body ?? "").toString("utf8"))).toEqual([
      "",
      "a".repeat(10),
      "b".repeat(10),
    ]);
  });

  it("drops writes after endAfterFailure but still sends what was queued before it", async () => {
    const { channel, sent, completeOne } = heldChannel();
    const stream = new ResponseStream("req-2", channel, 4);
    stream.write("first");
    stream.write("queued");
    const finished = new Promise<void>((resolve) => stream.once("finish", () => resolve()));
    stream.endAfterFailure();
    expect(stream.write("dropped")).toBe(true);
    completeOne();
    await new Promise<void>((resolve) => setImmediate(resolve));
    completeOne();
    await finished;
    expect(
      sent.filter((frame) => frame.header.t === "stream-chunk").map((frame) => String(frame.body)),
    ).toEqual(["first", "queued"]);
  });
});
