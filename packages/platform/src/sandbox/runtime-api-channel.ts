import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChannelResult, InitOutcome, RuntimeChannel, RuntimeInvocation } from "./runtime-channel.js";

const PREFIX = "/2018-06-01/runtime/";

interface CurrentInvocation {
  invocation: RuntimeInvocation;
  delivered: boolean;
  resolve: (result: ChannelResult) => void;
}

/**
 * The HTTP Runtime API (2018-06-01) for one environment, for custom runtimes (`provided.*`)
 * and the official runtime interface clients. One listener per environment, because
 * AWS_LAMBDA_RUNTIME_API is a bare host:port and carries no environment id.
 */
export class RuntimeApiChannel implements RuntimeChannel {
  readonly init: Promise<InitOutcome>;
  private resolveInit!: (outcome: InitOutcome) => void;
  private initDone = false;
  private readonly server: Server;
  /** The invocation waiting to be fetched by `next`, or being processed. */
  private current: CurrentInvocation | undefined;
  private waitingNext: ServerResponse | undefined;

  private constructor(private readonly maxResponseBytes: number) {
    this.init = new Promise((resolve) => {
      this.resolveInit = resolve;
    });
    this.server = createServer((req, res) => {
      this.route(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 0;
  }

  /** Starts a listener on 127.0.0.1 and returns the channel with its `host:port`. */
  static async start(maxResponseBytes: number): Promise<{ channel: RuntimeApiChannel; address: string }> {
    const channel = new RuntimeApiChannel(maxResponseBytes);
    await new Promise<void>((resolve) => channel.server.listen(0, "127.0.0.1", resolve));
    const { port } = channel.server.address() as AddressInfo;
    return { channel, address: `127.0.0.1:${port}` };
  }

  invoke(invocation: RuntimeInvocation): Promise<ChannelResult> {
    return new Promise((resolve) => {
      this.current = { invocation, delivered: false, resolve };
      const waiting = this.waitingNext;
      if (waiting) {
        this.waitingNext = undefined;
        this.deliver(waiting);
      }
    });
  }

  close(): void {
    this.waitingNext?.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (!path.startsWith(PREFIX))
      return reply(res, 404, { errorType: "NotFound", errorMessage: "Unknown path" });
    const parts = path.slice(PREFIX.length).split("/");
    if (req.method === "GET" && parts[0] === "invocation" && parts[1] === "next") {
      if (!this.initDone) {
        this.initDone = true;
        this.resolveInit({ ok: true, runtimeVersion: undefined });
      }
      if (this.current && !this.current.delivered) return this.deliver(res);
      this.waitingNext = res;
      return;
    }
    if (req.method === "POST" && parts[0] === "init" && parts[1] === "error") {
      const body = await readAll(req, this.maxResponseBytes);
      if (this.initDone)
        return reply(res, 403, {
          errorType: "InvalidStateTransition",
          errorMessage: "Init already completed",
        });
      this.initDone = true;
      this.resolveInit({ ok: false, errorType: errorTypeOf(req), payload: body ?? Buffer.alloc(0) });
      return reply(res, 202, { status: "OK" });
    }
    if (req.method === "POST" && parts[0] === "invocation" && parts.length === 3) {
      const [, id, kind] = parts;
      const current = this.current;
      if (
        !current?.delivered ||
        current.invocation.requestId !== id ||
        (kind !== "response" && kind !== "error")
      ) {
        await readAll(req, this.maxResponseBytes);
        return reply(res, 400, { errorType: "InvalidRequestID", errorMessage: "Invalid request ID" });
      }
      const mode = header(req, "lambda-runtime-function-response-mode")?.toLowerCase();
      if (kind === "response" && mode === "streaming") return this.stream(req, res, current);
      if (kind === "response" && mode !== undefined && mode !== "buffered") {
        await readAll(req, this.maxResponseBytes);
        this.finish(current);
        reply(res, 400, {
          errorType: "InvalidFunctionResponseMode",
          errorMessage: "Invalid function response mode",
        });
        current.resolve({
          kind: "error",
          errorType: "Runtime.InvalidResponseModeHeader",
          payload: Buffer.from(
            JSON.stringify({
              errorType: "Runtime.InvalidResponseModeHeader",
              errorMessage: `Invalid Lambda-Runtime-Function-Response-Mode: ${mode} (expected buffered or streaming)`,
            }),
          ),
        });
        return;
      }
      const body = await readAll(req, this.maxResponseBytes);
      this.finish(current);
      if (body === undefined) {
        reply(res, 413, { errorType: "RequestEntityTooLarge", errorMessage: "Response payload too large" });
        current.resolve({
          kind: "error",
          errorType: "Function.ResponseSizeTooLarge",
          payload: tooLargePayload(this.maxResponseBytes),
        });
        return;
      }
      reply(res, 202, { status: "OK" });
      current.resolve(
        kind === "response"
          ? { kind: "response", payload: body }
          : { kind: "error", errorType: errorTypeOf(req), payload: body },
      );
      return;
    }
    reply(res, 404, { errorType: "NotFound", errorMessage: "Unknown path" });
  }

  /**
   * A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`, runtime-api.md
   * section 4): the chunked body goes to the invocation's sink as it arrives; a failure after the
   * start comes as the trailers `Lambda-Runtime-Function-Error-Type` and
   * `Lambda-Runtime-Function-Error-Body` (base64 of the error JSON).
   */
  private stream(req: IncomingMessage, res: ServerResponse, current: CurrentInvocation): void {
    const sink = current.invocation.stream;
    sink.start(header(req, "content-type") ?? "application/octet-stream");
    let ended = false;
    req.on("data", (chunk: Buffer) => {
      const wait = sink.chunk(chunk);
      if (!wait) return;
      req.pause();
      const resume = () => req.resume();
      wait.then(resume, resume);
    });
    req.on("end", () => {
      ended = true;
      this.finish(current);
      reply(res, 202, { status: "OK" });
      const errorType = req.trailers["lambda-runtime-function-error-type"];
      const errorBody = req.trailers["lambda-runtime-function-error-body"];
      current.resolve({
        kind: "streamed",
        error: errorType
          ? { errorType, payload: errorBody ? Buffer.from(errorBody, "base64") : Buffer.alloc(0) }
          : undefined,
      });
    });
    // The runtime dropped the request before its end: what came is all there is (as Lambda's
    // Runtime.TruncatedResponse).
    req.on("close", () => {
      if (ended) return;
      this.finish(current);
      current.resolve({
        kind: "streamed",
        error: {
          errorType: "Runtime.TruncatedResponse",
          payload: Buffer.from(
            JSON.stringify({
              errorType: "Runtime.TruncatedResponse",
              errorMessage: "The runtime's streamed response ended before it was complete.",
            }),
          ),
        },
      });
    });
  }

  /** The invocation has its answer: forget it, unless a newer one has replaced it already. */
  private finish(current: CurrentInvocation): void {
    if (this.current === current) this.current = undefined;
  }

  private deliver(res: ServerResponse): void {
    const current = this.current;
    if (!current) return;
    current.delivered = true;
    const inv = current.invocation;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": inv.requestId,
      "lambda-runtime-deadline-ms": String(inv.deadlineMs),
      "lambda-runtime-invoked-function-arn": inv.invokedArn,
      "lambda-runtime-trace-id": inv.traceId,
      "content-length": String(inv.payload.length),
    };
    if (inv.clientContext !== undefined) headers["lambda-runtime-client-context"] = inv.clientContext;
    if (inv.identity !== undefined) headers["lambda-runtime-cognito-identity"] = inv.identity;
    res.writeHead(200, headers);
    res.end(inv.payload);
  }
}

function errorTypeOf(req: IncomingMessage): string {
  return header(req, "lambda-runtime-function-error-type") || "Unhandled";
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Reads the body; undefined when it exceeds `limit` (the rest is drained). */
function readAll(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function tooLargePayload(limit: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: `Response payload size exceeded maximum allowed payload size (${limit} bytes).`,
    }),
  );
}
