import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FramedChannel } from "./framed-channel.js";
import { encodeFrame, type Frame, FrameDecoder } from "./frames.js";
import type { ResponseStreamSink, RuntimeInvocation } from "./runtime-channel.js";

/** A connected socket pair over loopback: the platform's end and the runtime's end. */
async function socketPair(): Promise<{ platform: Socket; runtime: Socket; server: Server }> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const platform = new Socket();
  platform.connect(address.port, "127.0.0.1");
  await once(platform, "connect");
  const [runtime] = await accepted;
  return { platform, runtime, server };
}

const open: { platform: Socket; runtime: Socket; server: Server }[] = [];

afterEach(async () => {
  for (const { platform, runtime, server } of open.splice(0)) {
    platform.destroy();
    runtime.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A sink that records calls; `waitFor` decides what each chunk returns. */
function recordingSink(waitFor: (bytes: Buffer) => Promise<void> | undefined = () => undefined) {
  const calls: string[] = [];
  const sink: ResponseStreamSink = {
    start: (contentType) => {
      calls.push(`start ${contentType}`);
    },
    chunk: (bytes) => {
      calls.push(`chunk ${bytes.toString("utf8")}`);
      return waitFor(bytes);
    },
  };
  return { sink, calls };
}

function invocation(requestId: string, stream: ResponseStreamSink): RuntimeInvocation {
  return {
    requestId,
    payload: Buffer.from("{}"),
    deadlineMs: Date.now() + 10_000,
    invokedArn: "arn:aws:lambda:us-east-1:000000000000:function:f",
    traceId: "Root=1-0-0",
    clientContext: undefined,
    identity: undefined,
    stream,
  };
}

async function setup() {
  const pair = await socketPair();
  open.push(pair);
  const channel = new FramedChannel(pair.platform, () => {});
  const received: Frame[] = [];
  const decoder = new FrameDecoder();
  pair.runtime.on("data", (chunk: Buffer) => received.push(...decoder.push(chunk)));
  const send = (...frames: [Frame["header"], string?][]) =>
    pair.runtime.write(
      Buffer.concat(frames.map(([header, body]) => encodeFrame(header, Buffer.from(body ?? "")))),
    );
  return { channel, send, received, platform: pair.platform };
}

describe("FramedChannel response streams", () => {
  it("hands stream-start and each stream-chunk to the sink, and answers at stream-end", async () => {
    const { channel, send } = await setup();
    const { sink, calls } = recordingSink();
    const result = channel.invoke(invocation("r1", sink));
    send(
      [{ t: "stream-start", id: "r1", contentType: "text/plain" }],
      [{ t: "stream-chunk", id: "r1" }, "one"],
      [{ t: "stream-chunk", id: "r1" }, "two"],
      [{ t: "stream-end", id: "r1" }],
    );
    expect(await result).toEqual({ kind: "streamed", error: undefined });
    expect(calls).toEqual(["start text/plain", "chunk one", "chunk two"]);
  });

  it("answers a stream-end that carries an error type with that error", async () => {
    const { channel, send } = await setup();
    const { sink } = recordingSink();
    const result = channel.invoke(invocation("r2", sink));
    send(
      [{ t: "stream-start", id: "r2", contentType: "a/b" }],
      [{ t: "stream-end", id: "r2", errorType: "TypeError" }, '{"errorMessage":"x"}'],
    );
    expect(await result).toEqual({
      kind: "streamed",
      error: { errorType: "TypeError", payload: Buffer.from('{"errorMessage":"x"}') },
    });
  });

  it("ignores stream frames of another request", async () => {
    const { channel, send } = await setup();
    const { sink, calls } = recordingSink();
    const result = channel.invoke(invocation("r3", sink));
    send(
      [{ t: "stream-start", id: "old", contentType: "a/b" }],
      [{ t: "stream-chunk", id: "old" }, "stale"],
      [{ t: "stream-end", id: "old" }],
      [{ t: "response", id: "r3" }, '"ok"'],
    );
    expect(await result).toEqual({ kind: "response", payload: Buffer.from('"ok"') });
    expect(calls).toEqual([]);
  });

  it("stops reading from the runtime while the sink asks to wait, and reads again after", async () => {
    const { channel, send, platform } = await setup();
    let release: () => void = () => {};
    const waited = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { sink, calls } = recordingSink((bytes) => (bytes.toString() === "slow" ? waited : undefined));
    const result = channel.invoke(invocation("r4", sink));
    send([{ t: "stream-start", id: "r4", contentType: "a/b" }], [{ t: "stream-chunk", id: "r4" }, "slow"]);
    while (!calls.includes("chunk slow")) await once(platform, "data");
    expect(platform.isPaused()).toBe(true);
    release();
    await waited;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(platform.isPaused()).toBe(false);
    send([{ t: "stream-end", id: "r4" }]);
    expect((await result).kind).toBe("streamed");
  });

  it("reads again when the invocation ends, even if a wait is still pending", async () => {
    const { channel, send, platform } = await setup();
    const { sink } = recordingSink(() => new Promise<void>(() => {}));
    const result = channel.invoke(invocation("r5", sink));
    send(
      [{ t: "stream-start", id: "r5", contentType: "a/b" }],
      [{ t: "stream-chunk", id: "r5" }, "never drained"],
      [{ t: "stream-end", id: "r5" }],
    );
    await result;
    expect(platform.isPaused()).toBe(false);
  });
});
