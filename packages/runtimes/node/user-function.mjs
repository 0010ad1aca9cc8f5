// @ts-check
/**
 * The user's function, with the behaviour of the AWS Node runtime interface client (RIC):
 * loading it from the handler string (`src/UserFunction.js`), running invocations with their
 * context and callbacks (`src/Runtime.js`, `CallbackContext.js`, `InvokeContext.js`) and
 * serializing what it fails with (`src/Errors.js`).
 *
 * How "respond when the event loop drains" works here: while a handler runs, the runtime does
 * not wait on the fd-3 socket (`channel.unref()`), so only the user's work (timers, sockets, ...)
 * keeps the process alive. When that work is done Node emits `beforeExit`; the listener of the
 * current invocation then sends the answer, and `channel.ref()` goes back to waiting for the next
 * invoke (blocking: the user's leftover work is frozen until it comes, as on AWS).
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { types } from "node:util";

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** What the platform receives in an `error` / `init-error` frame body. */
/** @typedef {{ errorType: string, errorMessage: string, trace?: string[] }} ErrorPayload */

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
export class InvalidStreamingOperation extends Error {}

export class NodeJsExit extends Error {
  constructor() {
    super(
      "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
    );
  }
}

export class UnhandledPromiseRejection extends Error {
  /**
   * @param {unknown} reason
   * @param {Promise<unknown>} promise
   */
  constructor(reason, promise) {
    super(reason === undefined ? undefined : safeString(reason));
    this.reason = reason;
    this.promise = promise;
  }
}

// The RIC names its errors `Runtime.<Class>` on the prototype, so `err.name` and the first stack
// line both carry the prefix.
for (const errorClass of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  errorClass.prototype.name = `Runtime.${errorClass.name}`;
}

/**
 * @param {unknown} value
 * @returns {value is { name: string, message: string, stack: string }}
 */
function isErrorLike(value) {
  if (typeof value !== "object" || value === null) return false;
  const { name, message, stack } = /** @type {Record<string, unknown>} */ (value);
  return (
    Boolean(name && message && stack) &&
    typeof name === "string" &&
    typeof message === "string" &&
    typeof stack === "string"
  );
}

/**
 * Serialize anything a handler failed with, as the RIC's `toRapidResponse` does.
 * @param {unknown} error
 * @returns {ErrorPayload}
 */
export function toErrorPayload(error) {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      const err = /** @type {{ name: string, message: string, stack: string }} */ (error);
      return {
        errorType: escapeDel(err.name),
        errorMessage: escapeDel(err.message),
        trace: escapeDel(err.stack).split("\n"),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

/**
 * DEL is not allowed in the RIC's header values; it escapes it everywhere.
 * @param {string} text
 */
function escapeDel(text) {
  return text.replaceAll("\x7F", "%7F");
}

/**
 * @param {unknown} value
 * @returns {Error}
 */
export function intoError(value) {
  return value instanceof Error ? value : new Error(value === undefined ? undefined : safeString(value));
}

/**
 * Error text for the text log format: a tab, then the error as JSON with its non-enumerable
 * members (`errorType`, `errorMessage`, `code`, `stack` as lines) made visible.
 * @param {Error} error
 * @returns {string}
 */
export function toFormatted(error) {
  try {
    return `\t${JSON.stringify(error, (_key, value) => withEnumerableProperties(value))}`;
  } catch {
    return `\t${JSON.stringify(toErrorPayload(error))}`;
  }
}

/**
 * @param {unknown} value
 * @returns {unknown}
 */
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  /** @type {Record<string, unknown>} */
  const result = {
    errorType: value.name,
    errorMessage: value.message,
    code: /** @type {{ code?: unknown }} */ (value).code,
    ...value,
  };
  if (typeof value.stack === "string") result.stack = value.stack.split("\n");
  return result;
}

/**
 * `String(value)` that never throws (symbols, objects without a prototype).
 * @param {unknown} value
 * @returns {string}
 */
function safeString(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Loading the handler
// ---------------------------------------------------------------------------------------------

/** @typedef {(event: unknown, context: object, callback: (err?: unknown, result?: unknown) => void) => unknown} Handler */

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
const EXTENSIONS = ["", ".js", ".mjs", ".cjs"];

/**
 * @param {string} appRoot absolute task root (LAMBDA_TASK_ROOT)
 * @param {string} fullHandlerString the `_HANDLER` value
 * @returns {Promise<Handler>}
 * @throws {Error} `Runtime.MalformedHandlerName`, `Runtime.ImportModuleError`,
 *   `Runtime.UserCodeSyntaxError`, `Runtime.HandlerNotFound`, or whatever the module threw
 */
export async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes("..")) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = FUNCTION_EXPR.exec(handlerString);
  if (!match) throw new MalformedHandlerName("Bad handler");
  const moduleName = match[1] ?? "";
  const handlerPath = match[2] ?? "";

  installAwsLambdaGlobal(process.env);
  const module = await loadModule(appRoot, moduleRoot, moduleName);
  let handler = findIn(module, handlerPath);
  if (!handler && typeof module === "object" && module !== null && "default" in module) {
    // A CJS module whose exports the loader could not detect statically: use module.exports.
    handler = findIn(module.default, handlerPath);
  }
  if (!handler) throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handler !== "function") throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  return /** @type {Handler} */ (handler);
}

/**
 * @param {string} appRoot
 * @param {string} moduleRoot
 * @param {string} moduleName
 * @returns {Promise<unknown>}
 */
async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  try {
    for (const extension of EXTENSIONS) {
      const file = base + extension;
      if (statSync(file, { throwIfNoEntry: false })?.isFile()) return await import(pathToFileURL(file).href);
    }
    const resolved = createRequire(import.meta.url).resolve(moduleName, {
      paths: [appRoot, path.join(appRoot, moduleRoot)],
    });
    return await import(path.isAbsolute(resolved) ? pathToFileURL(resolved).href : resolved);
  } catch (err) {
    if (err instanceof SyntaxError) throw new UserCodeSyntaxError(String(err));
    const code = /** @type {{ code?: unknown } | undefined} */ (err)?.code;
    if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND")
      throw new ImportModuleError(String(err));
    throw err;
  }
}

/**
 * @param {unknown} object
 * @param {string} nestedPath `a.b.c`
 * @returns {unknown}
 */
function findIn(object, nestedPath) {
  /** @type {unknown} */
  let current = object;
  for (const key of nestedPath.split(".")) {
    if (!current) return undefined;
    current = /** @type {Record<string, unknown>} */ (current)[key];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Response streaming: the `awslambda` global user code marks streaming handlers with (the RIC's
// `UserFunction.js` and `HttpResponseStream.js`). The stream itself is in `response-stream.mjs`,
// loaded only for streaming handlers.
// ---------------------------------------------------------------------------------------------

const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HANDLER_HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
const STREAM_RESPONSE = "response";
const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";

/**
 * What `HttpResponseStream.from` needs of a response stream.
 * @typedef {object} PreludeTarget
 * @property {(contentType: string) => void} setContentType
 * @property {((write: (chunk: string | Uint8Array) => void) => void) | undefined} _onBeforeFirstWrite
 */

/**
 * Function URL / HTTP integration responses: a JSON prelude (status, headers, cookies) and 8 NUL
 * bytes, written just before the first body bytes.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: user code calls awslambda.HttpResponseStream.from, a class in AWS's API
export class HttpResponseStream {
  /**
   * @template {PreludeTarget} T
   * @param {T} underlyingStream
   * @param {unknown} prelude
   * @returns {T}
   */
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    // NUL is not allowed inside the prelude; JSON text never contains a raw one.
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

/**
 * Define `globalThis.awslambda` (streamifyResponse, HttpResponseStream) before user code loads,
 * unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA opts out.
 * @param {NodeJS.ProcessEnv} env
 */
function installAwsLambdaGlobal(env) {
  const optOut = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (optOut === "1" || optOut === "true") return;
  /** @type {Record<string, unknown>} */ (globalThis).awslambda = {
    HttpResponseStream,
    /**
     * @param {Record<symbol, unknown>} handler
     * @param {{ highWaterMark?: unknown }} [options]
     */
    streamifyResponse(handler, options) {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === "number") {
        handler[HANDLER_HIGHWATERMARK] = Number.parseInt(String(options.highWaterMark), 10);
      }
      return handler;
    },
  };
}

/**
 * How a loaded handler answers: buffered, or streamed (marked by `awslambda.streamifyResponse`).
 * @param {Handler} handler
 * @returns {{ streaming: boolean, highWaterMark: number | undefined }}
 * @throws {Error} `Runtime.MalformedStreamingHandler` for a streaming mark other than "response"
 */
export function handlerMetadata(handler) {
  const marks = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (handler));
  const mode = marks[HANDLER_STREAMING];
  if (mode === undefined || mode === null || mode === false)
    return { streaming: false, highWaterMark: undefined };
  if (mode !== STREAM_RESPONSE) throw new MalformedStreamingHandler("Only response streaming is supported.");
  const mark = marks[HANDLER_HIGHWATERMARK];
  const highWaterMark =
    mark === undefined || mark === null || mark === false ? Number.NaN : Number.parseInt(String(mark), 10);
  return { streaming: true, highWaterMark: Number.isNaN(highWaterMark) ? undefined : highWaterMark };
}

// ---------------------------------------------------------------------------------------------
// Invoking it
// ---------------------------------------------------------------------------------------------

/** @typedef {Record<string, unknown> & { t: string }} FrameHeader */

/**
 * The part of the platform channel an invocation uses.
 * @typedef {object} AnswerChannel
 * @property {(header: FrameHeader, body?: string | Uint8Array, onWritten?: () => void) => void} send
 *   Queue one frame; `onWritten` runs once the socket has taken it (response-stream backpressure).
 * @property {() => void} ref Idle: wait for the next invoke (the user's leftover work is frozen).
 * @property {() => void} unref Let only user work keep the process alive (a handler runs).
 */

/**
 * @typedef {object} RuntimeLogger
 * @property {(requestId: string) => void} setRequestId Request id printed on following lines.
 * @property {(message: string, error: unknown) => void} logError
 *   Log a failure the way the RIC does ("Invoke Error", "Uncaught Exception", ...).
 */

/**
 * Header of an `invoke` frame.
 * @typedef {object} InvokeHeader
 * @property {string} id request id
 * @property {number} deadlineMs epoch ms
 * @property {string} functionArn ARN as invoked
 * @property {string} [traceId]
 * @property {string} [clientContext] JSON text
 * @property {string} [identity] JSON text
 */

/**
 * @typedef {object} Invoker
 * @property {(header: InvokeHeader, body: Buffer) => void} invoke
 *   Run one invocation (queued if one is still running).
 * @property {(error: unknown) => boolean} abort
 *   Answer the running invocation with `error` (uncaught exception, unhandled rejection).
 *   Returns false when no invocation is waiting for an answer.
 */

/**
 * One invocation of a streaming handler, as `createInvoker` hands it to `response-stream.mjs`.
 * @typedef {object} StreamingRun
 * @property {Handler} handler
 * @property {string} id request id
 * @property {Buffer} body event bytes
 * @property {() => Record<string, unknown>} contextData the context's members (throws on a bad client context)
 * @property {AnswerChannel} channel
 * @property {RuntimeLogger} logger
 * @property {number | undefined} highWaterMark from `streamifyResponse(handler, {highWaterMark})`
 * @property {(header: FrameHeader, body: string, holdNext: boolean) => void} answer
 *   Send the last frame of the invocation; with `holdNext`, the next invocation waits until the
 *   event loop drains.
 * @property {(listener: () => void) => void} setBeforeExit Run `listener` if the event loop drains first.
 * @property {(fail: (error: unknown) => void) => void} setAbort How `Invoker.abort` fails this invocation.
 */

/**
 * The streaming half of the runtime (`response-stream.mjs`).
 * @typedef {object} Streaming
 * @property {(run: StreamingRun) => void} runStreaming
 * @property {number | undefined} highWaterMark
 */

const noop = () => {};
const ALREADY_DONE =
  "Invocation has already been reported as done. Cannot call complete more than once per invocation.";

/**
 * @param {{ handler: Handler, channel: AnswerChannel, logger: RuntimeLogger, env: NodeJS.ProcessEnv, streaming?: Streaming | undefined }} options
 *   `streaming` when the handler is a streaming one (see `handlerMetadata`).
 * @returns {Invoker}
 */
export function createInvoker({ handler, channel, logger, env, streaming }) {
  // The RIC's test: only a real `async function` fails with NodeJsExit when the loop drains.
  const isAsync = handler.constructor?.name === "AsyncFunction";
  /** @type {() => void} */
  let onBeforeExit = noop;
  /** Fails the running invocation; undefined while none waits for an answer. */
  /** @type {((error: unknown) => void) | undefined} */
  let failCurrent;
  /** @type {Array<[InvokeHeader, Buffer]>} */
  const queue = [];
  /** A streaming invocation has answered but waits for the event loop to drain (as the RIC). */
  let holding = false;

  process.on("beforeExit", () => onBeforeExit());

  const runNext = () => {
    const next = queue.shift();
    if (next) setImmediate(() => run(...next));
  };

  /**
   * @param {InvokeHeader} header
   * @param {Buffer} body
   */
  function run(header, body) {
    const id = String(header.id);
    let answered = false;
    /**
     * Send the one answer of this invocation; later attempts are dropped.
     * @param {FrameHeader} frameHeader
     * @param {string} frameBody
     * @param {boolean} [holdNext] keep later invocations queued until the event loop drains
     */
    const answer = (frameHeader, frameBody, holdNext = false) => {
      if (answered) return;
      answered = true;
      failCurrent = undefined;
      channel.send(frameHeader, frameBody);
      if (holdNext) {
        // The socket stays unref'd, so `beforeExit` comes once the leftover work is done.
        holding = true;
        onBeforeExit = () => {
          onBeforeExit = noop;
          holding = false;
          channel.ref();
          runNext();
        };
        return;
      }
      onBeforeExit = noop;
      channel.ref();
      runNext();
    };
    /** @param {() => void} listener only while this invocation is unanswered */
    const setBeforeExit = (listener) => {
      if (!answered) onBeforeExit = listener;
    };
    /** The context's members from the invoke header and the environment. */
    const contextData = () => ({
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: parseJson(header.clientContext, "ClientContext"),
      identity: parseJson(header.identity, "CognitoIdentity"),
      invokedFunctionArn: header.functionArn,
      awsRequestId: id,
      tenantId: undefined,
      getRemainingTimeInMillis: () => Number(header.deadlineMs) - Date.now(),
    });

    logger.setRequestId(id);
    if (header.traceId) process.env._X_AMZN_TRACE_ID = header.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    channel.unref();

    if (streaming) {
      streaming.runStreaming({
        handler,
        id,
        body,
        contextData,
        channel,
        logger,
        highWaterMark: streaming.highWaterMark,
        answer,
        setBeforeExit,
        setAbort: (fail) => {
          if (!answered) failCurrent = fail;
        },
      });
      return;
    }

    /** @param {unknown} err */
    const postError = (err) => {
      const payload = toErrorPayload(err);
      answer({ t: "error", id, errorType: payload.errorType }, JSON.stringify(payload));
    };
    failCurrent = postError;
    /** @param {unknown} result */
    const postResponse = (result) => {
      let json;
      try {
        json = JSON.stringify(result === undefined ? null : result);
      } catch {
        postError(new Error("Unable to stringify response body"));
        return;
      }
      answer({ t: "response", id }, json ?? "null");
    };
    /** @param {unknown} err */
    const logAndPostError = (err) => {
      logger.logError("Invoke Error", err);
      postError(err);
    };

    let completed = false;
    /** @param {unknown} result */
    const complete = (result) => {
      if (completed) {
        console.error(ALREADY_DONE);
        return;
      }
      completed = true;
      postResponse(result);
    };

    let waitForEmptyEventLoop = true;
    /**
     * @param {unknown} [err]
     * @param {unknown} [result]
     */
    const callback = (err, result) => {
      setBeforeExit(noop);
      if (err !== undefined && err !== null) logAndPostError(err);
      else if (!waitForEmptyEventLoop) complete(result);
      else setBeforeExit(() => setImmediate(() => complete(result)));
    };
    /**
     * @param {unknown} [err]
     * @param {unknown} [result]
     */
    const done = (err, result) => {
      setBeforeExit(noop);
      if (err !== undefined && err !== null) logAndPostError(err);
      else complete(result);
    };

    // Only the first of callback / succeed / fail / done counts.
    let finished = false;
    /**
     * @template {unknown[]} A
     * @param {(...args: A) => void} fn
     * @returns {(...args: A) => void}
     */
    const once =
      (fn) =>
      (...args) => {
        if (finished) return;
        fn(...args);
        finished = true;
      };
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      succeed: once(/** @param {unknown} [result] */ (result) => done(null, result)),
      fail: once(
        /** @param {unknown} [err] */ (err) =>
          err === undefined || err === null ? done("handled") : done(err, null),
      ),
      done: once(done),
    };
    const userCallback = once(callback);

    // If nothing answers before the user's work runs out: sync handlers succeed with null,
    // async ones fail (their promise can never settle any more).
    setBeforeExit(() => {
      completed = true;
      if (isAsync) logAndPostError(new NodeJsExit());
      else postResponse(null);
    });

    try {
      const event = JSON.parse(body.toString("utf8"));
      const fullContext = Object.assign(context, contextData());
      const result = handler(event, fullContext, userCallback);
      if (isPromiseLike(result))
        Promise.resolve(result).then(context.succeed, context.fail).catch(context.fail);
    } catch (err) {
      userCallback(err);
    }
  }

  return {
    invoke(header, body) {
      if (failCurrent || holding || queue.length > 0) queue.push([header, body]);
      else run(header, body);
    },
    abort(error) {
      if (!failCurrent) return false;
      failCurrent(error);
      return true;
    },
  };
}

/**
 * @param {string | undefined} text
 * @param {string} name
 * @returns {unknown}
 */
function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

/**
 * @param {unknown} value
 * @returns {value is PromiseLike<unknown>}
 */
export function isPromiseLike(value) {
  return Boolean(value) && typeof (/** @type {{ then?: unknown }} */ (value).then) === "function";
}
