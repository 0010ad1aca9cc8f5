// @ts-check
/**
 * Response streaming for handlers wrapped in `awslambda.streamifyResponse`, with the behaviour of
 * the RIC's `ResponseStream.js`, `StreamingContext.js` and `Runtime.handleOnceStreaming`.
 * `bootstrap.mjs` imports this module only when the handler streams, so other functions do not
 * pay for loading it.
 *
 * Frames (docs/runtime-protocol.md): `stream-start` (content type) at the first write, one
 * `stream-chunk` per write, then `stream-end`, which carries the error when the invocation fails
 * after it began (the Runtime API's error trailers).
 */
import { Writable } from "node:stream";
import { InvalidStreamingOperation, isPromiseLike, NodeJsExit, toErrorPayload } from "./user-function.mjs";

/** @typedef {import("./user-function.mjs").AnswerChannel} AnswerChannel */
/** @typedef {import("./user-function.mjs").ErrorPayload} ErrorPayload */
/** @typedef {import("./user-function.mjs").StreamingRun} StreamingRun */
/** @typedef {(error?: Error | null) => void} WriteCallback */

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * The `responseStream` a streaming handler writes to: a Writable whose bytes go to the platform
 * as `stream-chunk` frames. A write completes when the socket has taken its frame, so `write()`
 * returns false (and `drain` follows) when the platform reads slower than the handler writes.
 */
export class ResponseStream extends Writable {
  /**
   * Set by `awslambda.HttpResponseStream.from`: writes the prelude before the first bytes.
   * @type {((write: (chunk: string | Uint8Array) => void) => void) | undefined}
   */
  _onBeforeFirstWrite = undefined;
  #id;
  #channel;
  #contentType = DEFAULT_CONTENT_TYPE;
  #started = false;
  /** The invocation failed: later writes are dropped; what is queued still goes out. */
  #refusing = false;
  /** The invocation was answered: nothing more goes out, queued bytes included. */
  #sealed = false;

  /**
   * @param {string} id request id
   * @param {AnswerChannel} channel
   * @param {number | undefined} highWaterMark
   */
  constructor(id, channel, highWaterMark) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.#id = id;
    this.#channel = channel;
  }

  /**
   * @param {string} contentType
   * @throws {InvalidStreamingOperation} after the first write
   */
  setContentType(contentType) {
    if (this.#started) throw new InvalidStreamingOperation("Cannot set content-type, too late.");
    this.#contentType = String(contentType);
  }

  /**
   * Chunks that are neither strings nor bytes are sent as their JSON text, as the RIC does.
   * @override
   * @param {unknown} chunk
   * @param {BufferEncoding | WriteCallback} [encoding]
   * @param {WriteCallback} [callback]
   * @returns {boolean}
   */
  write(chunk, encoding, callback) {
    // After a failure the stream is closed to the platform; like the RIC's ended request, later
    // writes go nowhere (and do not throw into the handler).
    if (this.#refusing || this.#sealed) return true;
    const data = typeof chunk === "string" || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!this.#started) {
      this.start();
      const beforeFirst = this._onBeforeFirstWrite;
      if (typeof beforeFirst === "function") beforeFirst((piece) => super.write(piece));
    }
    if (typeof encoding === "function") return super.write(data, encoding);
    return encoding === undefined ? super.write(data, callback) : super.write(data, encoding, callback);
  }

  /**
   * `end(chunk)` writes the chunk first, through `write` (so the prelude comes before it).
   * @override
   * @param {unknown} [chunk]
   * @param {BufferEncoding | (() => void)} [encoding]
   * @param {() => void} [callback]
   * @returns {this}
   */
  end(chunk, encoding, callback) {
    if (typeof chunk === "function") return super.end(/** @type {() => void} */ (chunk));
    const done = typeof encoding === "function" ? encoding : callback;
    if (chunk !== undefined && chunk !== null) {
      if (typeof encoding === "string") this.write(chunk, encoding);
      else this.write(chunk);
    }
    return super.end(done);
  }

  /**
   * @override
   * @param {Buffer} chunk
   * @param {BufferEncoding} _encoding
   * @param {WriteCallback} callback
   */
  _write(chunk, _encoding, callback) {
    if (this.#sealed) {
      callback();
      return;
    }
    this.#channel.send({ t: "stream-chunk", id: this.#id }, chunk, () => callback());
  }

  /** Sends `stream-start` once, before the first bytes (or before `stream-end` when none came). */
  start() {
    if (this.#started) return;
    this.#started = true;
    this.#channel.send({ t: "stream-start", id: this.#id, contentType: this.#contentType });
  }

  /** Stops sending: what is still buffered is dropped. */
  seal() {
    this.#sealed = true;
  }

  /** Ends the stream after what the handler has already written; later writes are dropped. */
  endAfterFailure() {
    this.#refusing = true;
    if (!this.writableEnded) super.end();
  }
}

/**
 * Run one invocation of a streaming handler: `handler(event, responseStream, context)`.
 *
 * Its answer is the end of the stream: `stream-end` once the stream has finished, or with the
 * error once the handler fails (thrown, rejected, not async, or returned and left the stream
 * open with nothing else to run: "Response stream is not finished."). A stream the handler ends
 * later, after its promise resolved, still counts, as in the RIC.
 * @param {StreamingRun} run
 */
export function runStreaming(run) {
  const { id, logger } = run;
  const stream = new ResponseStream(id, run.channel, run.highWaterMark);
  let waitForEmptyEventLoop = true;
  let answered = false;
  /** @type {ErrorPayload | undefined} */
  let failure;
  /** @type {unknown} */
  let streamError;

  /** @param {ErrorPayload | undefined} error */
  const answer = (error) => {
    if (answered) return;
    answered = true;
    stream.start();
    stream.seal();
    const header = error ? { t: "stream-end", id, errorType: error.errorType } : { t: "stream-end", id };
    run.answer(header, error ? JSON.stringify(error) : "", waitForEmptyEventLoop);
  };
  /**
   * The handler failed: log it (always, as the RIC), then end the stream with it.
   * @param {unknown} error
   */
  const fail = (error) => {
    logger.logError("Invoke Error", error);
    // Once the handler has ended the stream, its answer is fixed (the RIC's error trailers come
    // too late then); a destroyed stream is answered by its `close`.
    if (answered || failure || stream.writableEnded) return;
    failure = toErrorPayload(error);
    stream.endAfterFailure();
  };

  // An uncaught exception ends the process right after: answer at once, dropping queued bytes.
  run.setAbort((error) => answer(toErrorPayload(error)));
  // A turn later, so that what the handler does as it returns (its promise settling, a last log
  // line) comes before the answer, as it does when the stream ends inside the handler.
  stream.on("finish", () => setImmediate(() => answer(failure)));
  // As with the RIC's request, a stream error never becomes an uncaught exception.
  stream.on("error", (error) => {
    streamError = error;
  });
  stream.on("close", () => {
    // After `finish` the stream closes itself (autoDestroy); that is answered above.
    if (answered || stream.writableFinished) return;
    // Destroyed before its end: by the handler's error, or cut short (Lambda's truncated response).
    const error =
      streamError ??
      Object.assign(new Error("Response stream was destroyed before it ended."), {
        name: "Runtime.TruncatedResponse",
      });
    logger.logError("Invoke Error", error);
    answer(failure ?? toErrorPayload(error));
  });
  // The handler's promise never settled and nothing is left to run.
  run.setBeforeExit(() => fail(new NodeJsExit()));

  try {
    const event = JSON.parse(run.body.toString("utf8"));
    const context = Object.assign(
      {
        get callbackWaitsForEmptyEventLoop() {
          return waitForEmptyEventLoop;
        },
        set callbackWaitsForEmptyEventLoop(value) {
          waitForEmptyEventLoop = value;
        },
      },
      run.contextData(),
    );
    const handler = /** @type {(event: unknown, stream: ResponseStream, context: object) => unknown} */ (
      /** @type {unknown} */ (run.handler)
    );
    const result = handler(event, stream, context);
    if (!isPromiseLike(result)) throw new Error("Streaming does not support non-async handlers.");
    Promise.resolve(result).then((value) => {
      if (value !== undefined) console.warn("Streaming handlers ignore return values.");
      if (answered || stream.writableFinished) return;
      // The handler is done but the stream is still open. Other work may still end it (the RIC
      // waits for that); once nothing else can run, it never will.
      run.setBeforeExit(() => fail(new Error("Response stream is not finished.")));
    }, fail);
  } catch (error) {
    fail(error);
  }
}
