/** One invocation as handed to a runtime. */
export interface RuntimeInvocation {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedArn: string;
  traceId: string;
  /** JSON text of the decoded X-Amz-Client-Context. */
  clientContext: string | undefined;
  /** JSON text of the Cognito identity. */
  identity: string | undefined;
  /** Where a streamed answer's bytes go, as they arrive. */
  stream: ResponseStreamSink;
}

/**
 * Receives a response the runtime streams (Node's `awslambda.streamifyResponse`, the Runtime
 * API's `Lambda-Runtime-Function-Response-Mode: streaming`).
 */
export interface ResponseStreamSink {
  /** The runtime began streaming; called once, before any chunk. */
  start(contentType: string): void;
  /**
   * Bytes of the stream, in order. A returned promise asks the channel to stop reading from the
   * runtime until it settles (backpressure); the channel resumes at the latest when the
   * invocation ends.
   */
  chunk(bytes: Buffer): Promise<void> | undefined;
}

export type InitOutcome =
  | { ok: true; runtimeVersion: string | undefined }
  | { ok: false; errorType: string; payload: Buffer };

export type ChannelResult =
  | { kind: "response"; payload: Buffer }
  | { kind: "error"; errorType: string; payload: Buffer }
  /**
   * The runtime streamed its answer (its bytes went to `RuntimeInvocation.stream`); `error` is
   * set when it failed after it began (Node's `stream-end` error, the Runtime API's trailers).
   */
  | { kind: "streamed"; error: { errorType: string; payload: Buffer } | undefined };

/**
 * How the platform talks to the runtime in one environment: the framed pipe of Nimbus's own
 * runtimes, or the HTTP Runtime API for custom runtimes. The environment races these promises
 * against process exit and the deadline.
 */
export interface RuntimeChannel {
  /** Settles when Init ends: the runtime is ready for its first invocation, or failed. */
  readonly init: Promise<InitOutcome>;
  /** Sends one invocation; settles with the runtime's answer. */
  invoke(invocation: RuntimeInvocation): Promise<ChannelResult>;
  close(): void;
}
