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
import { fstatSync, readSync, writeSync } from "node:fs";
import { Module } from "node:module";
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
//
// The socket is used with blocking reads and writes, not as a Node stream. One invocation runs
// at a time, so the runtime has nothing to do between invocations: waiting for the next invoke
// blocks in read(2), with the user's leftover work (timers, sockets) paused until it comes, as
// in a Lambda environment frozen between invocations. Per invoke that is one read and one write
// system call and a few lines of JavaScript, instead of Node's event-loop wake-up and stream
// machinery on both sides, which cost more CPU than the invocation itself and took each new
// environment thousands of invocations to optimize.
// ---------------------------------------------------------------------------------------------

/** @typedef {import("./user-function.mjs").FrameHeader} FrameHeader */
/** @typedef {(header: FrameHeader, body: Buffer) => void} FrameListener */

/**
 * @typedef {object} Channel
 * @property {(header: FrameHeader, body?: string | Uint8Array, onWritten?: () => void) => void} send
 *   Write one frame (after any log output still held); frames reach the platform in call order.
 *   `onWritten` runs once the socket has taken the frame (response streams wait for it, which is
 *   their backpressure).
 * @property {(stream: "stdout" | "stderr", text: string | Uint8Array) => void} log
 *   Queue a `log` frame: written with the next frame, at the end of the current turn of the
 *   event loop, or at once past CORK_LIMIT bytes.
 * @property {() => { header: FrameHeader, body: Buffer }} read
 *   Block until the next platform frame (Init only: the pre-started environment's `assign`).
 * @property {(header: FrameHeader, body: string | Uint8Array, exitCode: number) => void} sendThenExit
 *   Send a last frame, then exit.
 * @property {(exitCode: number) => void} flushThenExit
 * @property {() => void} ref Idle: wait for the next invoke (blocking, on the next turn).
 * @property {() => void} unref A handler runs: only user work keeps the process alive.
 */

/** Log output held past this many bytes is written at once. */
const CORK_LIMIT = 64 * 1024;
const LOG_HEADERS = {
  stdout: Buffer.from(JSON.stringify({ t: "log", stream: "stdout" })),
  stderr: Buffer.from(JSON.stringify({ t: "log", stream: "stderr" })),
};
/** Reads go into a buffer of this size; a larger frame gets one of its own size. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Build one frame in a single buffer.
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
 * Open the channel on `fd`, which must be in blocking mode (as the platform's socketpair end
 * is: nothing in this process wraps it in a Node stream). End-of-file or an error on the socket
 * means the platform is gone: the process exits at once.
 * @param {number} fd
 * @param {FrameListener} onFrame receives each frame read while idle (after `ref`)
 * @returns {Channel}
 */
function openChannel(fd, onFrame) {
  if (!fstatSync(fd).isSocket()) throw new Error(`fd ${fd} is not a socket`);
  /** Bytes read and not yet consumed: `buffer[start, end)`. */
  let buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let start = 0;
  let end = 0;
  /** @type {Buffer[]} frames held for the next write */
  let held = [];
  let heldBytes = 0;
  /** @type {ReturnType<typeof setImmediate> | undefined} */
  let flushSoon;
  /** @type {ReturnType<typeof setImmediate> | undefined} */
  let readSoon;
  let exiting = false;
  /** The socket is broken: nothing more is written. */
  let broken = false;

  /**
   * The platform is gone (end-of-file, a broken socket): exit at once, holding nothing back.
   * @param {number} exitCode
   */
  const gone = (exitCode) => {
    broken = true;
    held = [];
    heldBytes = 0;
    process.exit(exitCode);
  };

  /**
   * fd 3 in non-blocking mode would make every wait a busy loop: refuse it.
   * @param {unknown} error
   */
  const failed = (error) => {
    const code = /** @type {{ code?: string }} */ (error).code;
    if (code === "EAGAIN")
      process.stderr.write(`nimbus node runtime: fd ${fd} must be a blocking socket (got EAGAIN)\n`);
    gone(code === "EPIPE" || code === "ECONNRESET" ? 0 : 1);
  };

  /** @param {Buffer} data */
  const writeAll = (data) => {
    let offset = 0;
    while (offset < data.length && !broken) {
      try {
        offset += writeSync(fd, data, offset, data.length - offset);
      } catch (error) {
        if (/** @type {{ code?: string }} */ (error).code === "EINTR") continue;
        failed(error);
      }
    }
  };

  /** Write the held log frames, and `frame` after them, in one system call. */
  const flush = (/** @type {Buffer | undefined} */ frame) => {
    if (flushSoon) {
      clearImmediate(flushSoon);
      flushSoon = undefined;
    }
    if (heldBytes === 0) {
      if (frame) writeAll(frame);
      return;
    }
    if (frame) held.push(frame);
    const data = held.length === 1 ? /** @type {Buffer} */ (held[0]) : Buffer.concat(held);
    held = [];
    heldBytes = 0;
    writeAll(data);
  };
  const flushHeld = () => flush(undefined);
  // End-of-file shows only while waiting for an invoke. A handler still running when the
  // platform dies (kill -9, without bubblewrap's --die-with-parent) notices its parent is gone:
  // this process is then re-parented. The timer does not keep the process alive, and it cannot
  // fire while the process waits for an invoke.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) gone(0);
  }, 1000).unref();
  // A handler that calls process.exit() right after logging still hands its lines over.
  process.on("exit", flushHeld);

  /** @param {number} needed bytes that must be available from `start` */
  const fill = (needed) => {
    if (buffer.length - start < needed) {
      const bigger = needed > buffer.length ? Buffer.allocUnsafe(needed) : buffer;
      buffer.copy(bigger, 0, start, end);
      end -= start;
      start = 0;
      buffer = bigger;
    }
    while (end - start < needed) {
      let n = 0;
      try {
        n = readSync(fd, buffer, end, buffer.length - end, null);
      } catch (error) {
        if (/** @type {{ code?: string }} */ (error).code === "EINTR") continue;
        failed(error);
      }
      if (n === 0) gone(0);
      end += n;
    }
  };

  /** @returns {{ header: FrameHeader, body: Buffer }} */
  const read = () => {
    flushHeld();
    fill(8);
    const headerLength = buffer.readUInt32BE(start);
    const frameLength = 8 + headerLength + buffer.readUInt32BE(start + 4);
    fill(frameLength);
    const header = JSON.parse(buffer.toString("utf8", start + 8, start + 8 + headerLength));
    // The body is copied out when the read buffer will be reused; a frame that needed a buffer
    // of its own keeps it.
    const own = buffer.length === frameLength && buffer.length > READ_BUFFER_BYTES;
    const view = buffer.subarray(start + 8 + headerLength, start + frameLength);
    const body = own ? view : Buffer.from(view);
    start += frameLength;
    if (start === end) {
      start = 0;
      end = 0;
      if (own) buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    }
    return { header, body };
  };

  const readNext = () => {
    readSoon = undefined;
    const { header, body } = read();
    onFrame(header, body);
  };

  /** @param {number} exitCode */
  const flushThenExit = (exitCode) => {
    if (exiting) return;
    exiting = true;
    flushHeld();
    process.exit(exitCode);
  };

  return {
    send(header, body, onWritten) {
      flush(encodeFrame(Buffer.from(JSON.stringify(header)), body));
      if (onWritten) process.nextTick(onWritten);
    },
    log(stream, text) {
      const frame = encodeFrame(LOG_HEADERS[stream], text);
      held.push(frame);
      heldBytes += frame.length;
      if (heldBytes >= CORK_LIMIT) flushHeld();
      else flushSoon ??= setImmediate(flushHeld);
    },
    read,
    sendThenExit(header, body, exitCode) {
      if (exiting) return;
      flush(encodeFrame(Buffer.from(JSON.stringify(header)), body));
      exiting = true;
      process.exit(exitCode);
    },
    flushThenExit,
    ref: () => {
      readSoon ??= setImmediate(readNext);
    },
    unref: () => {
      if (readSoon) clearImmediate(readSoon);
      readSoon = undefined;
    },
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

/** @type {Channel} */
let channel;
try {
  channel = openChannel(CHANNEL_FD, (header, body) => {
    if (header.t === "invoke" && invoker) {
      invoker.invoke(/** @type {InvokeHeader} */ (/** @type {unknown} */ (header)), body);
      return;
    }
    process.stderr.write(`nimbus node runtime: ignoring unexpected frame type ${JSON.stringify(header.t)}\n`);
    channel.ref();
  });
} catch (err) {
  process.stderr.write(`nimbus node runtime: fd ${CHANNEL_FD} is not the platform socket: ${String(err)}\n`);
  process.exit(1);
}

// A pre-started environment (NIMBUS_DEFERRED_INIT=1) reports `standby` and learns its function
// from the `assign` frame, which carries the environment variables; then Init runs as usual.
if (env.NIMBUS_DEFERRED_INIT === "1") {
  channel.send({ t: "standby", runtime: "node" });
  // One turn of the event loop first, so the start-up work Node leaves for it is done while the
  // environment waits, not after the assignment (a blocking read here made cold starts ~7 ms slower).
  await new Promise((resolve) => setImmediate(resolve));
  let frame = channel.read();
  while (frame.header.t !== "assign") {
    process.stderr.write(`nimbus node runtime: ignoring ${JSON.stringify(frame.header.t)} before assign\n`);
    frame = channel.read();
  }
  const vars = /** @type {Record<string, string>} */ (JSON.parse(frame.body.toString("utf8")));
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
 * Once Init is done, V8 optimizes hot code after about a quarter of its default work. An
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
  channel.ref();
}
