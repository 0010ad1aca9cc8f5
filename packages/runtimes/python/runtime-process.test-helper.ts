/**
 * Test harness for the Python runtime: spawns bootstrap.py as the platform does (fd 3 a duplex
 * Unix socket, the Lambda environment) and exchanges frames with it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { encodeFrame, type Frame, FrameDecoder, type FrameHeader } from "./frames.test-helper.js";

export const RUNTIME_DIR = dirname(fileURLToPath(import.meta.url));
export const BOOTSTRAP = join(RUNTIME_DIR, "bootstrap.py");
export const FIXTURES = resolve(RUNTIME_DIR, "../../../test/fixtures/functions/python");
/** `python3` from PATH (a pyenv shim on the dev machines) unless TEST_PYTHON names another. */
export const PYTHON = process.env.TEST_PYTHON ?? "python3";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  handler: string;
  /** Where Python writes bytecode, so that no __pycache__ lands in the source tree. */
  pycacheDir: string;
  /** Folder under test/fixtures/functions/python, or an absolute task root. */
  fixture: string;
  env?: Record<string, string>;
  /** Command prefix the runtime runs under, e.g. bubblewrap. */
  wrapper?: string[];
}

export interface InvokeOptions {
  id?: string;
  deadlineMs?: number;
  traceId?: string;
  clientContext?: string;
  identity?: string;
}

export interface InvokeOutcome {
  /** `log` frames sent during the invoke, in order. */
  logs: Frame[];
  /** The `response` or `error` frame. */
  result: Frame;
}

/** One runtime process with fd 3 as a duplex Unix socket, as the platform spawns it. */
export class RuntimeProcess {
  /** Processes that have not exited yet, for leak checks. */
  static readonly running = new Set<RuntimeProcess>();

  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly #channel: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #queue: Frame[] = [];
  #waiter: ((frame: Frame | undefined) => void) | undefined;
  #ended = false;
  #stderr = "";
  #stdout = "";

  constructor(options: StartOptions) {
    const taskRoot = options.fixture.startsWith("/") ? options.fixture : join(FIXTURES, options.fixture);
    const [command = PYTHON, ...prefix] = [...(options.wrapper ?? []), PYTHON];
    this.child = spawn(command, [...prefix, BOOTSTRAP], {
      cwd: taskRoot,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/root",
        LANG: "en_US.UTF-8",
        TZ: ":UTC",
        PYTHONPYCACHEPREFIX: options.pycacheDir,
        _HANDLER: options.handler,
        LAMBDA_TASK_ROOT: taskRoot,
        AWS_LAMBDA_FUNCTION_NAME: "orders",
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
        AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/orders",
        AWS_LAMBDA_LOG_STREAM_NAME: "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
        AWS_REGION: "us-east-1",
        ...options.env,
      },
    });
    const channel = this.child.stdio[3];
    if (!(channel instanceof Socket)) throw new Error("fd 3 is not a socket");
    this.#channel = channel;
    channel.on("data", (chunk: Buffer) => {
      for (const frame of this.#decoder.push(chunk)) this.#deliver(frame);
    });
    channel.on("error", () => {});
    channel.on("close", () => {
      this.#ended = true;
      this.#deliver(undefined);
    });
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.#stdout += chunk.toString("utf8");
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString("utf8");
    });
    this.exited = new Promise((done) => {
      this.child.on("exit", (code, signal) => {
        RuntimeProcess.running.delete(this);
        done({ code, signal });
      });
    });
    RuntimeProcess.running.add(this);
  }

  /** Raw output that bypassed the framing (fd 1 and 2). */
  get rawOutput(): string {
    return this.#stdout + this.#stderr;
  }

  #deliver(frame: Frame | undefined): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(frame);
    } else if (frame) {
      this.#queue.push(frame);
    }
  }

  nextFrame(): Promise<Frame> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(new Error(`fd 3 closed; raw output: ${this.rawOutput}`));
    return new Promise((done, fail) => {
      this.#waiter = (frame) =>
        frame ? done(frame) : fail(new Error(`fd 3 closed; raw output: ${this.rawOutput}`));
    });
  }

  /** Frames up to and including the first one whose type is in `types`. */
  async framesUntil(...types: string[]): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (;;) {
      const frame = await this.nextFrame();
      frames.push(frame);
      if (types.includes(frame.header.t)) return frames;
    }
  }

  /** Waits for the end of Init: the `ready` or `init-error` frame and the logs before it. */
  async init(): Promise<Frame[]> {
    return this.framesUntil("ready", "init-error");
  }

  send(header: FrameHeader, body: Uint8Array | string = ""): void {
    this.#channel.write(encodeFrame(header, body));
  }

  async invoke(event: Uint8Array | string, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    const header: FrameHeader = {
      t: "invoke",
      id: options.id ?? randomUUID(),
      deadlineMs: options.deadlineMs ?? Date.now() + 30_000,
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:orders",
    };
    if (options.traceId !== undefined) header.traceId = options.traceId;
    if (options.clientContext !== undefined) header.clientContext = options.clientContext;
    if (options.identity !== undefined) header.identity = options.identity;
    this.send(header, event);
    const frames = await this.framesUntil("response", "error");
    const result = frames.pop();
    if (!result) throw new Error("no result frame");
    expect(frames.every((frame) => frame.header.t === "log")).toBe(true);
    expect(result.header.id).toBe(header.id);
    return { logs: frames, result };
  }

  /** Closes the platform's end of fd 3; the runtime must exit at once. */
  closeChannel(): Promise<Exit> {
    this.#channel.end();
    return this.exited;
  }
}
