// @ts-check
/**
 * Nimbus Node.js runtime: the process Nimbus starts inside an execution environment for
 * `nodejs*.x` functions. It loads the handler named by `_HANDLER` from `LAMBDA_TASK_ROOT`, then
 * answers `invoke` frames on fd 3 (docs/runtime-protocol.md) with the behaviour of the AWS Node
 * runtime interface client. Imports nothing outside this folder and no packages.
 *
 * Handlers wrapped in `awslambda.streamifyResponse` answer with `stream-*` frames; the code for
 * that (`response-stream.mjs`) is imported only for them.
 */
import { Module } from "node:module";
import { Socket } from "node:net";
import { delimiter } from "node:path";
import { format } from "node:util";
import { setFlagsFromString } from "node:v8";
import {
  createInvoker,
  handlerMetadata,
  intoError,
  loadHandler,
  toErrorPayload,
  toFormatted,
  UnhandledPromiseRejection,
} from "./user-function.mjs";

// ---------------------------------------------------------------------------------------------
// Channel: length-prefixed frames over the Unix socket on fd 3 (docs/runtime-protocol.md).
// Frame = u32 BE header length, u32 BE body length, header JSON, body bytes.
// ---------------------------------------------------------------------------------------------

/** @typedef {import("./user-function.mjs").FrameHeader} FrameHeader */
/** @typedef {(header: FrameHeader, body: Buffer) => void} FrameListener */

/**
 * @typedef {object} Channel
 * @property {(header: FrameHeader, body?: string | Uint8Array, onWritten?: () => void) => void} send
 *   Queue one frame; frames reach the platform in call order. `onWritten` runs once the socket
 *   has taken the frame (response streams wait for it, which is their backpressure).
 * @property {(stream: "stdout" | "stderr", text: string | Uint8Array) => void} log
 *   Send a `log` frame.
 * @property {(header: FrameHeader, body: string | Uint8Array, exitCode: number) => void} sendThenExit
 *   Send a last frame, then exit once everything queued before it has been written.
 * @property {(exitCode: number) => void} flushThenExit
 * @property {() => void} ref Let the socket keep the process alive (waiting for an invoke).
 * @property {() => void} unref Let only user work keep the process alive (a handler runs).
 */

const EMPTY = Buffer.alloc(0);
/** Corked log output past this many bytes is written at once. */
const CORK_LIMIT = 64 * 1024;
const LOG_HEADERS = {
  stdout: Buffer.from(JSON.stringify({ t: "log", stream: "stdout" })),
  stderr: Buffer.from(JSON.stringify({ t: "log", stream: "stderr" })),
};

/**
 * Build one frame in a single buffer, so each frame costs one socket write.
 * @param {Buffer} header UTF-8 JSON
 * @param {string | Uint8Array | undefined} body
 * @returns {Buffer}
 */
function encodeFrame(header, body) {
  const bodyLength =
    body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.length;
  const frame = Buffer.allocUnsafe(8 + header.length + bodyLength);
  frame.writeUInt32BE(header.length, 0);
  frame.writeUInt32BE(bodyLength, 4);
  header.copy(frame, 8);
  if (typeof body === "string") frame.write(body, 8 + header.length);
  else if (body !== undefined) frame.set(body, 8 + header.length);
  return frame;
}

/**
 * Splits a byte stream into frames. Buffers chunks until a whole frame is there, then copies
 * once, so a large event arriving in many chunks costs linear time.
 */
class FrameDecoder {
  /** @type {Buffer[]} */
  #chunks = [];
  #size = 0;
  /** Bytes needed before the next frame can make progress. */
  #need = 8;
  #onFrame;

  /** @param {FrameListener} onFrame */
  constructor(onFrame) {
    this.#onFrame = onFrame;
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size < this.#need) return;
    const buffer = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#size);
    let offset = 0;
    for (;;) {
      const available = buffer.length - offset;
      if (available < 8) {
        this.#need = 8;
        break;
      }
      const headerLength = buffer.readUInt32BE(offset);
      const frameLength = 8 + headerLength + buffer.readUInt32BE(offset + 4);
      if (available < frameLength) {
        this.#need = frameLength;
        break;
      }
      const headerEnd = offset + 8 + headerLength;
      const header = JSON.parse(buffer.toString("utf8", offset + 8, headerEnd));
      const body = buffer.subarray(headerEnd, offset + frameLength);
      offset += frameLength;
      this.#onFrame(header, body);
    }
    const rest = offset === buffer.length ? EMPTY : buffer.subarray(offset);
    this.#chunks = rest.length === 0 ? [] : [rest];
    this.#size = rest.length;
  }
}

/**
 * Open the channel on `fd`. End-of-file or a socket error means the platform is gone: the
 * process exits at once.
 * @param {number} fd
 * @param {FrameListener} onFrame
 * @returns {Channel}
 */
function openChannel(fd, onFrame) {
  const socket = new Socket({ fd, readable: true, writable: true });
  const decoder = new FrameDecoder(onFrame);
  socket.on("data", (chunk) => decoder.push(chunk));
  socket.on("end", () => process.exit(0));
  socket.on("error", () => process.exit(1));
  let exiting = false;

  // Log frames are corked and go out with the next frame that is sent (usually the invocation's
  // answer), so an invoke that logs costs the platform one wake-up and one read instead of one
  // per line. Nothing waits longer than the current turn of the event loop (setImmediate), and a
  // burst of output is written as soon as it passes CORK_LIMIT bytes.
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  const cork = () => {
    if (corked) return;
    corked = true;
    socket.cork();
    setImmediate(uncork);
  };
  // A handler that calls process.exit() right after logging: libuv tries socket writes at once,
  // so uncorking on the way out still hands the lines to the platform.
  process.on("exit", uncork);

  /** @param {number} exitCode */
  const flushThenExit = (exitCode) => {
    if (exiting) return;
    exiting = true;
    uncork();
    if (socket.writableLength === 0) process.exit(exitCode);
    socket.ref();
    // Write callbacks run in order, so this one runs after every frame queued before it.
    socket.write(EMPTY, () => process.exit(exitCode));
  };

  return {
    send(header, body, onWritten) {
      socket.write(encodeFrame(Buffer.from(JSON.stringify(header)), body), onWritten);
      uncork();
    },
    log(stream, text) {
      cork();
      socket.write(encodeFrame(LOG_HEADERS[stream], text));
      if (socket.writableLength >= CORK_LIMIT) uncork();
    },
    sendThenExit(header, body, exitCode) {
      if (exiting) return;
      exiting = true;
      socket.ref();
      socket.write(encodeFrame(Buffer.from(JSON.stringify(header)), body), () => process.exit(exitCode));
      uncork();
    },
    flushThenExit,
    ref: () => socket.ref(),
    unref: () => socket.unref(),
  };
}

// ---------------------------------------------------------------------------------------------
// Console and stdio, after the RIC's `src/LogPatch.js`: each console call becomes one line
// `<ISO time>\t<requestId>\t<LEVEL>\t<message>` (or one JSON object when
// AWS_LAMBDA_LOG_FORMAT=JSON), embedded newlines turned into `\r`, sent as a `log` frame.
// `process.stdout.write` / `process.stderr.write` send their raw text as `log` frames, so every
// byte of output is ordered with the invoke's answer.
// ---------------------------------------------------------------------------------------------

/** @typedef {"TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL"} Level */
/** @typedef {(message?: unknown, ...params: unknown[]) => void} LogMethod */

/** @typedef {import("./user-function.mjs").RuntimeLogger} RuntimeLogger */

/** @type {Record<Level, number>} */
const PRIORITY = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };

// The RIC keeps the current request id under this global symbol; libraries read it there.
const REQUEST_ID = Symbol.for("aws.lambda.runtime.requestId");
const globals = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (globalThis));

const noop = () => {};

/**
 * Replace the console methods and the stdio `write`s. Call once, before user code loads.
 * @param {Channel} channel
 * @param {NodeJS.ProcessEnv} env reads AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL
 * @returns {RuntimeLogger}
 */
function patchConsole(channel, env) {
  const json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON";
  const wanted = /** @type {Level | undefined} */ (env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase());
  const minimum = (wanted && PRIORITY[wanted]) ?? PRIORITY.TRACE;

  /**
   * @param {Level} level
   * @returns {LogMethod}
   */
  const method = (level) => {
    if (PRIORITY[level] < minimum && level !== "FATAL") return noop;
    return (message, ...params) => {
      const time = new Date().toISOString();
      const requestId = globals[REQUEST_ID];
      const line = json
        ? formatJson(time, requestId, level, message, params)
        : `${time}\t${requestId}\t${level}\t${format(message, ...params)}`;
      channel.log("stdout", `${line.replace(/\n/g, "\r")}\n`);
    };
  };

  const error = method("ERROR");
  const patched = /** @type {Console & { fatal: LogMethod }} */ (console);
  patched.trace = method("TRACE");
  patched.debug = method("DEBUG");
  patched.info = method("INFO");
  patched.log = patched.info;
  patched.warn = method("WARN");
  patched.error = error;
  patched.fatal = method("FATAL");
  patchStdio("stdout", channel);
  patchStdio("stderr", channel);

  return {
    setRequestId(requestId) {
      globals[REQUEST_ID] = requestId;
    },
    logError(message, err) {
      if (json) error(intoError(err));
      else error(message, toFormatted(intoError(err)));
    },
  };
}

/**
 * Patch `process[name].write`. Node creates the stdio streams on first access (about half a
 * millisecond each), so keep that lazy: most handlers only use the console.
 * @param {"stdout" | "stderr"} name
 * @param {Channel} channel
 */
function patchStdio(name, channel) {
  const descriptor = Object.getOwnPropertyDescriptor(process, name);
  const create = descriptor?.get;
  if (!create) {
    patchWrite(process[name], name, channel);
    return;
  }
  /** @type {NodeJS.WriteStream | undefined} */
  let stream;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: descriptor.enumerable ?? true,
    get() {
      if (!stream) {
        stream = /** @type {NodeJS.WriteStream} */ (create.call(process));
        patchWrite(stream, name, channel);
      }
      return stream;
    },
  });
}

/**
 * @param {NodeJS.WriteStream} stream
 * @param {"stdout" | "stderr"} name
 * @param {Channel} channel
 */
function patchWrite(stream, name, channel) {
  /**
   * @param {string | Uint8Array} chunk
   * @param {BufferEncoding | ((err?: Error | null) => void)} [encoding]
   * @param {(err?: Error | null) => void} [callback]
   * @returns {boolean}
   */
  const write = (chunk, encoding, callback) => {
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof chunk === "string") {
      channel.log(name, typeof encoding === "string" ? Buffer.from(chunk, encoding) : chunk);
    } else if (chunk instanceof Uint8Array) {
      channel.log(name, chunk);
    } else {
      throw new TypeError(
        `The "chunk" argument must be of type string or an instance of Buffer or Uint8Array`,
      );
    }
    if (done) process.nextTick(done);
    return true;
  };
  stream.write = /** @type {NodeJS.WriteStream["write"]} */ (write);
}

/**
 * One JSON log record, as the RIC's `formatJsonMessage`.
 * @param {string} timestamp
 * @param {unknown} requestId
 * @param {Level} level
 * @param {unknown} message
 * @param {unknown[]} params
 * @returns {string}
 */
function formatJson(timestamp, requestId, level, message, params) {
  /** @type {Record<string, unknown>} */
  const record = { timestamp, level, requestId };
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(message);
      return JSON.stringify(record);
    }
  }
  record.message = format(message, ...params);
  for (const param of [message, ...params]) {
    if (param instanceof Error) {
      record.errorType = param.constructor?.name ?? "UnknownError";
      record.errorMessage = param.message;
      record.stackTrace = typeof param.stack === "string" ? param.stack.split("\n") : [];
      break;
    }
  }
  return JSON.stringify(record);
}

/**
 * @param {string} _key
 * @param {unknown} value
 * @returns {unknown}
 */
function jsonErrorReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return {
    errorType: value.constructor?.name ?? "UnknownError",
    errorMessage: value.message,
    stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
    ...value,
  };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/** @typedef {import("./user-function.mjs").InvokeHeader} InvokeHeader */

const CHANNEL_FD = 3;
const env = process.env;

/** @type {import("./user-function.mjs").Invoker | undefined} */
let invoker;
/** Invokes that arrive before Init is done (the platform should not send any). */
/** @type {Array<[InvokeHeader, Buffer]>} */
const early = [];

// A pre-started environment (NIMBUS_DEFERRED_INIT=1) reports `standby` and learns its function
// from the `assign` frame, which carries the environment variables; then Init runs as usual.
const deferred = env.NIMBUS_DEFERRED_INIT === "1";
/** @type {(body: Buffer) => void} */
let onAssign = () => {};
/** @type {Promise<Buffer> | undefined} */
const assignment = deferred
  ? new Promise((resolve) => {
      onAssign = resolve;
    })
  : undefined;

/** @type {Channel} */
let channel;
try {
  channel = openChannel(CHANNEL_FD, (header, body) => {
    if (header.t === "assign") {
      onAssign(body);
      return;
    }
    if (header.t !== "invoke") {
      process.stderr.write(`nimbus node runtime: ignoring unknown frame type ${JSON.stringify(header.t)}\n`);
      return;
    }
    const invoke = /** @type {InvokeHeader} */ (/** @type {unknown} */ (header));
    if (invoker) invoker.invoke(invoke, body);
    else early.push([invoke, body]);
  });
} catch (err) {
  process.stderr.write(`nimbus node runtime: fd ${CHANNEL_FD} is not the platform socket: ${String(err)}\n`);
  process.exit(1);
}

if (assignment) {
  channel.send({ t: "standby", runtime: "node" });
  const vars = /** @type {Record<string, string>} */ (JSON.parse((await assignment).toString("utf8")));
  for (const [key, value] of Object.entries(vars)) env[key] = value;
  delete env.NIMBUS_DEFERRED_INIT;
  try {
    process.chdir(env.LAMBDA_TASK_ROOT ?? process.cwd());
  } catch {
    // The task root is checked again when the handler loads.
  }
  /** @type {{ _initPaths?: () => void }} */ (/** @type {unknown} */ (Module))._initPaths?.();
}

const logger = patchConsole(channel, env);

if (env.NODE_PATH === undefined) {
  // The platform normally passes NODE_PATH (layers first, as Lambda does). Node reads it once
  // at startup, so re-read it after setting the default; missing folders are harmless.
  env.NODE_PATH = [
    `/opt/nodejs/node${process.versions.node.split(".")[0]}/node_modules`,
    "/opt/nodejs/node_modules",
    `${env.LAMBDA_RUNTIME_DIR ?? "/var/runtime"}/node_modules`,
  ].join(delimiter);
  /** @type {{ _initPaths?: () => void }} */ (/** @type {unknown} */ (Module))._initPaths?.();
}

/**
 * Once Init is done, V8 optimizes hot code after about an eighth of its default work. An
 * environment sees only its share of a function's traffic (one request at a time), so with the
 * default each one ran its invoke path unoptimized for its first several thousand invocations (at
 * 10 connections a new runtime spent about twice the CPU per invoke of a warmed one for ~10 s).
 * Not from the start: during Init the lower budget optimizes module-loading code that runs once,
 * which made cold starts ~25 ms slower here. Function behaviour is the same either way.
 */
function tierUpSooner() {
  try {
    setFlagsFromString("--interrupt-budget=16000");
  } catch {
    // A Node without this V8 option keeps its default.
  }
}

/**
 * Fail hard: during Init send `init-error` and exit 1; during an invoke answer it with the
 * error, then exit with `exitCode` (129 uncaught exception, 128 unhandled rejection).
 * @param {unknown} error
 * @param {number} exitCode
 */
function fatal(error, exitCode) {
  if (!invoker) {
    const payload = toErrorPayload(error);
    channel.sendThenExit({ t: "init-error", errorType: payload.errorType }, JSON.stringify(payload), 1);
    return;
  }
  invoker.abort(error);
  channel.flushThenExit(exitCode);
}

process.on("uncaughtException", (error) => {
  logger.logError("Uncaught Exception", error);
  fatal(error, 129);
});
process.on("unhandledRejection", (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logger.logError("Unhandled Promise Rejection", error);
  fatal(error, 128);
});

try {
  const handler = await loadHandler(env.LAMBDA_TASK_ROOT ?? process.cwd(), env._HANDLER ?? "");
  const metadata = handlerMetadata(handler);
  const streaming = metadata.streaming
    ? {
        runStreaming: (await import("./response-stream.mjs")).runStreaming,
        highWaterMark: metadata.highWaterMark,
      }
    : undefined;
  invoker = createInvoker({ handler, channel, logger, env, streaming });
} catch (error) {
  logger.logError("Uncaught Exception", error);
  fatal(error, 1);
}
if (invoker) {
  tierUpSooner();
  channel.send({ t: "ready", runtime: "node", version: process.version });
  for (const [header, body] of early.splice(0)) invoker.invoke(header, body);
}
