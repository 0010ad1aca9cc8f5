/** The neutral request every caller (Invoke API, gateway, async, sources, workflows) sends. */
export interface InvokeRequest {
  /** Name, partial ARN or ARN, optionally with `:qualifier`. */
  functionName: string;
  qualifier: string | undefined;
  payload: Buffer;
  /** Return the last 4 KB of the invocation's log. */
  tailLog: boolean;
  /** JSON text of the client context (decoded from base64). */
  clientContext: string | undefined;
  /** Validate and resolve only. */
  dryRun: boolean;
  /**
   * The invocation's request id when the caller already has one: Lambda answers Invoke with the
   * function's awsRequestId as x-amzn-RequestId. A new one is made when absent.
   */
  requestId?: string;
  /**
   * Receives a streamed answer as the function produces it (InvokeWithResponseStream). Without
   * it, a function that streams is buffered (up to the synchronous response limit) and its bytes
   * come back in `payload`, as plain Invoke does on AWS.
   */
  responseStream?: InvokeStreamSink;
}

/** The caller's end of a response stream. */
export interface InvokeStreamSink {
  /** The function began streaming; called once, before any chunk. */
  start(info: { executedVersion: string; contentType: string }): void;
  /**
   * The stream's bytes, in order. A returned promise stops reading from the function until it
   * settles (backpressure).
   */
  chunk(bytes: Buffer): Promise<void> | undefined;
}

export interface InvokeResult {
  requestId: string;
  /** The version that ran (`$LATEST` or a number). */
  executedVersion: string;
  /** Response bytes, or the error JSON when `functionError` is set. */
  payload: Buffer;
  /** `Unhandled` when the function failed. */
  functionError: "Unhandled" | undefined;
  /** Short error type when failed (`Runtime.ExitError`, `Sandbox.Timedout`, the runtime's type). */
  errorType: string | undefined;
  /** Last 4 KB of the invocation's log, when asked for. */
  logTail: string | undefined;
  durationMs: number;
  coldStart: boolean;
  /**
   * Set when the function answered in streaming mode. With `InvokeRequest.responseStream` its
   * bytes went there, and `payload` is empty (or the error JSON when it failed); without, they
   * are in `payload`.
   */
  streamed?: { contentType: string; sizeBytes: number } | undefined;
}

/**
 * Where Invoke with InvocationType Event and InvokeAsync put events: the async area
 * (async/, wired in server.ts). `accept` resolves only once the event is durably queued.
 */
export interface AsyncInvocations {
  accept(req: {
    functionName: string;
    qualifier: string | undefined;
    payload: Buffer;
    requestId: string;
    clientContext: string | undefined;
  }): Promise<string>;
  /** Invoke Event's payload limit (AWS: 1 MB). */
  readonly maxEventPayloadBytes: number;
  /** InvokeAsync's payload limit (AWS: 256 KB). */
  readonly maxInvokeAsyncPayloadBytes: number;
}
