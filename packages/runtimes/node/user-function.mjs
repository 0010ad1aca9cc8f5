// @ts-check
/**
 * The user's function, with the behaviour of the AWS Node runtime interface client (RIC):
 * loading it from the handler string (`src/UserFunction.js`), running invocations with their
 * context and callbacks (`src/Runtime.js`, `CallbackContext.js`, `InvokeContext.js`) and
 * serializing what it fails with (`src/Errors.js`).
 *
 * How "respond when the event loop drains" works here: while a handler runs, the fd-3 socket is
 * unref'd, so only the user's work (timers, sockets, ...) keeps the process alive. When that
 * work is done Node emits `beforeExit`; the listener of the current invocation then refs the
 * socket again and sends the answer, and the process goes back to waiting for the next invoke.
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

class NodeJsExit extends Error {
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
// Invoking it
// ---------------------------------------------------------------------------------------------

/** @typedef {Record<string, unknown> & { t: string }} FrameHeader */

/**
 * The part of the platform channel an invocation uses.
 * @typedef {object} AnswerChannel
 * @property {(header: FrameHeader, body?: string | Uint8Array) => void} send
 * @property {() => void} ref Let the socket keep the process alive (waiting for an invoke).
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

const noop = () => {};
const ALREADY_DONE =
  "Invocation has already been reported as done. Cannot call complete more than once per invocation.";

/**
 * @param {{ handler: Handler, channel: AnswerChannel, logger: RuntimeLogger, env: NodeJS.ProcessEnv }} options
 * @returns {Invoker}
 */
export function createInvoker({ handler, channel, logger, env }) {
  // The RIC's test: only a real `async function` fails with NodeJsExit when the loop drains.
  const isAsync = handler.constructor?.name === "AsyncFunction";
  /** @type {() => void} */
  let onBeforeExit = noop;
  /** Fails the running invocation; undefined while none waits for an answer. */
  /** @type {((error: unknown) => void) | undefined} */
  let failCurrent;
  /** @type {Array<[InvokeHeader, Buffer]>} */
  const queue = [];

  process.on("beforeExit", () => onBeforeExit());

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
     */
    const answer = (frameHeader, frameBody) => {
      if (answered) return;
      answered = true;
      failCurrent = undefined;
      onBeforeExit = noop;
      channel.ref();
      channel.send(frameHeader, frameBody);
      const next = queue.shift();
      if (next) setImmediate(() => run(...next));
    };

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
    /** @param {() => void} listener only while this invocation is unanswered */
    const setBeforeExit = (listener) => {
      if (!answered) onBeforeExit = listener;
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

    logger.setRequestId(id);
    if (header.traceId) process.env._X_AMZN_TRACE_ID = header.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    // If nothing answers before the user's work runs out: sync handlers succeed with null,
    // async ones fail (their promise can never settle any more).
    setBeforeExit(() => {
      completed = true;
      if (isAsync) logAndPostError(new NodeJsExit());
      else postResponse(null);
    });
    channel.unref();

    try {
      const event = JSON.parse(body.toString("utf8"));
      const fullContext = Object.assign(context, {
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
      const result = handler(event, fullContext, userCallback);
      if (isPromiseLike(result))
        Promise.resolve(result).then(context.succeed, context.fail).catch(context.fail);
    } catch (err) {
      userCallback(err);
    }
  }

  return {
    invoke(header, body) {
      if (failCurrent || queue.length > 0) queue.push([header, body]);
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
function isPromiseLike(value) {
  return Boolean(value) && typeof (/** @type {{ then?: unknown }} */ (value).then) === "function";
}
