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
}

export type InitOutcome =
  | { ok: true; runtimeVersion: string | undefined }
  | { ok: false; errorType: string; payload: Buffer };

export type ChannelResult =
  | { kind: "response"; payload: Buffer }
  | { kind: "error"; errorType: string; payload: Buffer };

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
