import { type IncomingMessage, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeApiChannel } from "./runtime-api-channel.js";
import type { ChannelResult, ResponseStreamSink, RuntimeInvocation } from "./runtime-channel.js";

const channels: RuntimeApiChannel[] = [];

afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

function recordingSink() {
  const calls: string[] = [];
  let onChunk: () => void = () => {};
  const sink: ResponseStreamSink = {
    start: (contentType) => {
      calls.push(`start ${contentType}`);
    },
    chunk: (bytes) => {
      calls.push(`chunk ${bytes.toString("utf8")}`);
      onChunk();
      return undefined;
    },
  };
  /** Resolves once `count` chunks have arrived. */
  const chunks = (count: number) =>
    new Promise<void>((resolve) => {
      onChunk = () => {
        if (calls.filter((call) => call.startsWith("chunk")).length >= count) resolve();
      };
      onChunk();
    });
  return { sink, calls, chunks };
}

/** Starts a channel, hands it one invocation and fetches it the way a runtime does. */
async function delivered(sink: ResponseStreamSink) {
  const { channel, address } = await RuntimeApiChannel.start(6 * 1024 * 1024);
  channels.push(channel);
  const invocation: RuntimeInvocation = {
    requestId: "req-1",
    payload: Buffer.from("{}"),
    deadlineMs: Date.now() + 10_000,
    invokedArn: "arn:aws:lambda:us-east-1:000000000000:function:f",
    traceId: "Root=1-0-0",
    clientContext: undefined,
    identity: undefined,
    stream: sink,
  };
  const result = channel.invoke(invocation);
  const next = await call(address, "GET", "/2018-06-01/runtime/invocation/next");
  expect(next.res.headers["lambda-runtime-aws-request-id"]).toBe("req-1");
  return { address, result };
}

interface Reply {
  res: IncomingMessage;
  body: string;
}

function call(
  address: string,
  method: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    write?: (req: ReturnType<typeof request>) => void | Promise<void>;
  } = {},
): Promise<Reply> {
  const [host, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ res, body }));
    });
    req.on("error", reject);
    if (options.write) void Promise.resolve(options.write(req)).catch(reject);
    else req.end();
  });
}

const STREAMING = {
  "Lambda-Runtime-Function-Response-Mode": "streaming",
  "Content-Type": "text/event-stream",
  "Transfer-Encoding": "chunked",
  Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
};

describe("RuntimeApiChannel response streaming", () => {
  it("forwards a streamed response body to the sink as it arrives", async () => {
    const { sink, calls, chunks } = recordingSink();
    const { address, result } = await delivered(sink);
    const reply = await call(address, "POST", "/2018-06-01/runtime/invocation/req-1/response", {
      headers: STREAMING,
      write: async (req) => {
        req.write("first ");
        // The second piece goes out only once the first has reached the sink.
        await chunks(1);
        req.write("second");
        req.end();
      },
    });
    expect(reply.res.statusCode).toBe(202);
    expect(await result).toEqual<ChannelResult>({ kind: "streamed", error: undefined });
    expect(calls).toEqual(["start text/event-stream", "chunk first ", "chunk second"]);
  });

  it("turns the error trailers into the invocation's error", async () => {
    const { sink } = recordingSink();
    const { address, result } = await delivered(sink);
    const error = { errorType: "TypeError", errorMessage: "broke", trace: [] };
    await call(address, "POST", "/2018-06-01/runtime/invocation/req-1/response", {
      headers: STREAMING,
      write: (req) => {
        req.write("partial");
        req.addTrailers({
          "Lambda-Runtime-Function-Error-Type": "TypeError",
          "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(error)).toString("base64"),
        });
        req.end();
      },
    });
    expect(await result).toEqual<ChannelResult>({
      kind: "streamed",
      error: { errorType: "TypeError", payload: Buffer.from(JSON.stringify(error)) },
    });
  });

  it("fails with Runtime.TruncatedResponse when the runtime drops the request mid-body", async () => {
    const { sink, calls, chunks } = recordingSink();
    const { address, result } = await delivered(sink);
    void call(address, "POST", "/2018-06-01/runtime/invocation/req-1/response", {
      headers: STREAMING,
      write: async (req) => {
        req.write("cut");
        await chunks(1);
        req.destroy();
      },
    }).catch(() => {});
    const outcome = await result;
    expect(outcome.kind).toBe("streamed");
    expect(outcome.kind === "streamed" && outcome.error?.errorType).toBe("Runtime.TruncatedResponse");
    expect(calls).toEqual(["start text/event-stream", "chunk cut"]);
  });

  it("takes an explicit buffered mode as a plain response", async () => {
    const { sink, calls } = recordingSink();
    const { address, result } = await delivered(sink);
    const reply = await call(address, "POST", "/2018-06-01/runtime/invocation/req-1/response", {
      headers: { "Lambda-Runtime-Function-Response-Mode": "Buffered" },
      write: (req) => {
        req.end('{"ok":true}');
      },
    });
    expect(reply.res.statusCode).toBe(202);
    expect(await result).toEqual<ChannelResult>({ kind: "response", payload: Buffer.from('{"ok":true}') });
    expect(calls).toEqual([]);
  });

  it("refuses another response mode with 400 and fails the invocation", async () => {
    const { sink } = recordingSink();
    const { address, result } = await delivered(sink);
    const reply = await call(address, "POST", "/2018-06-01/runtime/invocation/req-1/response", {
      headers: { "Lambda-Runtime-Function-Response-Mode": "bidirectional" },
      write: (req) => {
        req.end("x");
      },
    });
    expect(reply.res.statusCode).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({
      errorType: "InvalidFunctionResponseMode",
      errorMessage: "Invalid function response mode",
    });
    const outcome = await result;
    expect(outcome).toMatchObject({ kind: "error", errorType: "Runtime.InvalidResponseModeHeader" });
  });
});
