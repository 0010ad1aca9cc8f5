/**
 * Test-side half of the runtime protocol (docs/runtime-protocol.md): a frame encoder/decoder
 * written independently of the runtime's own, and a harness that spawns `bootstrap.mjs` with
 * the socket on fd 3 the way the platform does.
 */

import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";

export const BOOTSTRAP = fileURLToPath(new URL("./bootstrap.mjs", import.meta.url));

export type FrameHeader = { t: string } & Record<string, unknown>;

export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

export function encodeFrame(header: FrameHeader, body: string | Uint8Array = ""): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const bodyBytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(headerBytes.length, 0);
  prefix.writeUInt32BE(bodyBytes.length, 4);
  return Buffer.concat([prefix, headerBytes, bodyBytes]);
}

/** Accumulates bytes and returns the complete frames found so far. */
export class FrameDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const frames: Frame[] = [];
    while (this.#buffer.length >= 8) {
      const headerLength = this.#buffer.readUInt32BE(0);
      const bodyLength = this.#buffer.readUInt32BE(4);
      if (this.#buffer.length < 8 + headerLength + bodyLength) break;
      const header = JSON.parse(this.#buffer.subarray(8, 8 + headerLength).toString("utf8")) as FrameHeader;
      const body = Buffer.from(this.#buffer.subarray(8 + headerLength, 8 + headerLength + bodyLength));
      frames.push({ header, body });
      this.#buffer = this.#buffer.subarray(8 + headerLength + bodyLength);
    }
    return frames;
  }
}

export interface InvokeOptions {
  id?: string;
  deadlineMs?: number;
  functionArn?: string;
  traceId?: string;
  clientContext?: string;
  identity?: string;
  /** Raw event bytes instead of `JSON.stringify(event)`. */
  rawBody?: string;
}

export interface InvokeOutcome {
  id: string;
  /** The `response` or `error` frame. */
  answer: Frame;
  /** Frames received between the invoke and its answer (`log` frames). */
  before: Frame[];
  /** The answer body parsed as JSON. */
  result: unknown;
  /** Text of the `log` frames before the answer, in order. */
  logText: string;
}

export interface StreamOutcome {
  id: string;
  /** The `stream-start` frame. */
  start: Frame | undefined;
  /** Bodies of the `stream-chunk` frames, in order. */
  chunks: Buffer[];
  /** The `stream-end` frame (or a `response` / `error` frame when the runtime did not stream). */
  end: Frame;
  /** Every frame from the invoke to the end, the end excluded. */
  frames: Frame[];
  /** Text of the `log` frames before the end, in order. */
  logText: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** LAMBDA_TASK_ROOT as the runtime sees it. */
  taskRoot: string;
  /** Working directory to spawn in; defaults to `taskRoot`. */
  cwd?: string;
  /** _HANDLER. */
  handler: string;
  /** Extra or overriding environment variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Runs the runtime through another program (bubblewrap); gets the full environment. */
  wrap?: (nodeArgs: string[]) => { file: string; args: string[] };
}

export const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fixture-fn";

/** The Lambda environment of runtime-api.md section 5, for a fixture. */
export function lambdaEnv(taskRoot: string, handler: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: "/var/runtime",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
    AWS_LAMBDA_FUNCTION_NAME: "fixture-fn",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/fixture-fn",
    AWS_LAMBDA_LOG_STREAM_NAME: "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
  };
}

/** One spawned runtime process and everything it sent on fd 3, 1 and 2. */
export class RuntimeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = "";
  stderr = "";
  readonly #channel: Duplex;
  readonly #frames: Frame[] = [];
  #cursor = 0;
  #exit: Exit | undefined;
  #wake: (() => void) | undefined;

  private constructor(options: StartOptions) {
    const env: Record<string, string> = lambdaEnv(options.taskRoot, options.handler);
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const nodeArgs = [process.execPath, BOOTSTRAP];
    const command = options.wrap
      ? options.wrap(nodeArgs)
      : { file: nodeArgs[0] ?? "node", args: nodeArgs.slice(1) };
    this.child = spawn(command.file, command.args, {
      cwd: options.cwd ?? options.taskRoot,
      env,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    this.#channel = this.child.stdio[3] as Duplex;
    const decoder = new FrameDecoder();
    this.#channel.on("data", (chunk: Buffer) => {
      this.#frames.push(...decoder.push(chunk));
      this.#notify();
    });
    // The runtime may exit while the test still writes; the exit code tells the story.
    this.#channel.on("error", () => {});
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString("utf8");
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  static start(options: StartOptions): RuntimeProcess {
    return new RuntimeProcess(options);
  }

  /** Every frame received so far. */
  get frames(): readonly Frame[] {
    return this.#frames;
  }

  /** The next frame not yet returned; rejects when the process ends first. */
  async nextFrame(): Promise<Frame> {
    for (;;) {
      const frame = this.#frames[this.#cursor];
      if (frame) {
        this.#cursor += 1;
        return frame;
      }
      if (this.#exit) {
        throw new Error(
          `runtime exited (code ${this.#exit.code}, signal ${this.#exit.signal}) without another frame; stderr: ${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Frames up to and including the first one whose type is in `types`. */
  async until(...types: string[]): Promise<{ frame: Frame; before: Frame[] }> {
    const before: Frame[] = [];
    for (;;) {
      const frame = await this.nextFrame();
      if (types.includes(frame.header.t)) return { frame, before };
      before.push(frame);
    }
  }

  /** Waits for `ready` (or fails with the init error). */
  async ready(): Promise<Frame> {
    const { frame } = await this.until("ready", "init-error");
    if (frame.header.t !== "ready") {
      throw new Error(`expected ready, got ${JSON.stringify(frame.header)} ${frame.body.toString("utf8")}`);
    }
    return frame;
  }

  send(header: FrameHeader, body?: string | Uint8Array): void {
    this.#channel.write(encodeFrame(header, body));
  }

  /** Writes bytes to fd 3 as they are (to split frames across writes). */
  writeRaw(bytes: Uint8Array): void {
    this.#channel.write(bytes);
  }

  /** Builds the `invoke` frame header the platform would send. */
  static invokeHeader(id: string, options: InvokeOptions = {}): FrameHeader {
    const header: FrameHeader = {
      t: "invoke",
      id,
      deadlineMs: options.deadlineMs ?? Date.now() + 60_000,
      functionArn: options.functionArn ?? FUNCTION_ARN,
    };
    if (options.traceId !== undefined) header.traceId = options.traceId;
    if (options.clientContext !== undefined) header.clientContext = options.clientContext;
    if (options.identity !== undefined) header.identity = options.identity;
    return header;
  }

  /** Sends an `invoke` frame and collects frames until its `response` or `error`. */
  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    const id = options.id ?? randomUUID();
    this.send(RuntimeProcess.invokeHeader(id, options), options.rawBody ?? JSON.stringify(event));
    const { frame, before } = await this.until("response", "error");
    return {
      id,
      answer: frame,
      before,
      result: JSON.parse(frame.body.toString("utf8")),
      logText: before
        .filter((f) => f.header.t === "log")
        .map((f) => f.body.toString("utf8"))
        .join(""),
    };
  }

  /** Sends an `invoke` frame and collects the streamed answer up to its `stream-end`. */
  async invokeStream(event: unknown, options: InvokeOptions = {}): Promise<StreamOutcome> {
    const id = options.id ?? randomUUID();
    this.send(RuntimeProcess.invokeHeader(id, options), options.rawBody ?? JSON.stringify(event));
    const { frame, before } = await this.until("stream-end", "response", "error");
    return {
      id,
      start: before.find((f) => f.header.t === "stream-start"),
      chunks: before.filter((f) => f.header.t === "stream-chunk").map((f) => f.body),
      end: frame,
      frames: before,
      logText: before
        .filter((f) => f.header.t === "log")
        .map((f) => f.body.toString("utf8"))
        .join(""),
    };
  }

  /** Closes the platform end of fd 3 (the runtime must exit). */
  endChannel(): void {
    this.#channel.end();
  }

  /** Ends the channel and waits for the process to go; kills it if it is still there. */
  async close(): Promise<Exit> {
    if (this.#exit) return this.#exit;
    this.endChannel();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
