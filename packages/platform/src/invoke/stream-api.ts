import { PassThrough } from "node:stream";
import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import {
  EVENT_STREAM_CONTENT_TYPE,
  type InvokeCompleteFields,
  invokeCompleteEvent,
  payloadChunkEvents,
} from "./event-stream.js";
import type { InvokeApiLimits } from "./invoke-api.js";
import { readInvokeInput } from "./invoke-input.js";
import type { InvokeResult } from "./invoke-types.js";
import type { Invoker } from "./invoker.js";

// In the order of Lambda's validation message (ResponseStreamingInvocationType).
const STREAM_INVOCATION_TYPES = ["RequestResponse", "DryRun"];

/**
 * InvokeWithResponseStream (lambda-api.md section 5.4): runs the function through the one invoke
 * path with a response-stream sink, and answers with AWS event-stream messages, one PayloadChunk
 * per piece the function streams, sent as it comes, then InvokeComplete.
 *
 * The HTTP status and headers go out with the first chunk, so errors before the function starts
 * streaming (not found, throttled, ...) are ordinary Lambda errors. A function that does not
 * stream answers with its whole response as one PayloadChunk. Function errors, whenever they
 * happen, are InvokeComplete's ErrorCode (the error type) and ErrorDetails (its message).
 */
export async function invokeWithResponseStream(
  req: AwsRequest,
  functionName: string,
  invoker: Invoker,
  limits: InvokeApiLimits,
): Promise<HttpResult> {
  const input = readInvokeInput(req, STREAM_INVOCATION_TYPES, limits.maxSyncPayloadBytes);
  const dryRun = input.invocationType === "DryRun";
  const body = new EventStreamBody();
  let streamStarted: (executedVersion: string) => void = () => {};
  const started = new Promise<string>((resolve) => {
    streamStarted = resolve;
  });
  const invocation = invoker.invoke({
    functionName,
    qualifier: input.qualifier,
    payload: input.payload,
    tailLog: input.tailLog,
    clientContext: input.clientContext,
    dryRun,
    requestId: req.requestId,
    responseStream: {
      start: ({ executedVersion }) => streamStarted(executedVersion),
      chunk: (bytes) => body.send(payloadChunkEvents(bytes)),
    },
  });
  const first = await Promise.race([
    started.then((executedVersion) => ({ executedVersion, result: undefined })),
    invocation.then((result) => ({ executedVersion: result.executedVersion, result })),
  ]);
  if (dryRun) return { status: 204, headers: {} };
  const headers = {
    "content-type": EVENT_STREAM_CONTENT_TYPE,
    "x-amz-executed-version": first.executedVersion,
  };
  if (first.result) {
    // Not streamed: the whole answer at once.
    const { result } = first;
    const messages = result.functionError ? [] : payloadChunkEvents(result.payload);
    messages.push(invokeCompleteEvent(completion(result)));
    return { status: 200, headers, body: Buffer.concat(messages) };
  }
  invocation.then(
    (result) => body.finish(invokeCompleteEvent(completion(result))),
    // The invoke path fails only before a function runs, so this is a bug; end the stream the
    // way the SDK can still read.
    (error: unknown) =>
      body.finish(
        invokeCompleteEvent({
          errorCode: "ServiceException",
          errorDetails: error instanceof Error ? error.message : String(error),
        }),
      ),
  );
  return { status: 200, headers, stream: body };
}

function completion(result: InvokeResult): InvokeCompleteFields {
  const logResult =
    result.logTail === undefined ? undefined : Buffer.from(result.logTail, "utf8").toString("base64");
  if (!result.functionError) return { logResult };
  return {
    errorCode: result.errorType ?? "Unhandled",
    errorDetails: errorMessage(result.payload),
    logResult,
  };
}

/** The errorMessage of an error JSON (`{errorType, errorMessage, ...}`), else its text. */
function errorMessage(payload: Buffer): string {
  const text = payload.toString("utf8");
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "errorMessage" in parsed) {
      return String(parsed.errorMessage);
    }
  } catch {
    // Not JSON: the text itself.
  }
  return text;
}

const CLIENT_GONE = "client-gone";

/**
 * The HTTP body: event-stream messages in a PassThrough the front door pipes to the response.
 * `send` reports when the client is not keeping up, so the function's stream waits (bounded by
 * the PassThrough's buffer); once the client has gone, messages are dropped.
 */
class EventStreamBody extends PassThrough {
  private gone = false;

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    // The response closing before our end means the client went away.
    destination.once("close", () => this.clientGone());
    return super.pipe(destination, options);
  }

  /** Writes messages; a returned promise settles when the client has taken them, or has gone. */
  send(messages: Buffer[]): Promise<void> | undefined {
    if (this.gone || messages.length === 0) return undefined;
    let flowing = true;
    for (const message of messages) flowing = this.write(message) && flowing;
    if (flowing) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.off("drain", done);
        this.off(CLIENT_GONE, done);
        resolve();
      };
      this.on("drain", done);
      this.on(CLIENT_GONE, done);
    });
  }

  /** Writes the last message and ends the body. */
  finish(last: Buffer): void {
    if (this.gone) this.end();
    else this.end(last);
  }

  private clientGone(): void {
    if (this.gone || this.writableEnded) return;
    this.gone = true;
    // Nobody reads any more: let what is buffered flow away, and release waiting chunks.
    this.resume();
    this.emit(CLIENT_GONE);
  }
}
