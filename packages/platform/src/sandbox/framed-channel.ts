import type { Socket } from "node:net";
import { encodeFrame, type Frame, FrameDecoder } from "./frames.js";
import type { ChannelResult, InitOutcome, RuntimeChannel, RuntimeInvocation } from "./runtime-channel.js";

/** The channel of Nimbus's own runtimes: frames over fd 3 (docs/runtime-protocol.md). */
export class FramedChannel implements RuntimeChannel {
  readonly init: Promise<InitOutcome>;
  private resolveInit!: (outcome: InitOutcome) => void;
  /** Settles when a pre-started runtime reports `standby` (NIMBUS_DEFERRED_INIT). */
  readonly standby: Promise<true>;
  private resolveStandby!: (value: true) => void;
  private pending: { invocation: RuntimeInvocation; resolve: (result: ChannelResult) => void } | undefined;
  private readonly decoder = new FrameDecoder();
  /** Stream chunks whose consumer asked to wait; reading from the runtime pauses meanwhile. */
  private waits = 0;

  constructor(
    private readonly socket: Socket,
    private readonly onLog: (text: string, stream: "stdout" | "stderr") => void,
  ) {
    this.init = new Promise((resolve) => {
      this.resolveInit = resolve;
    });
    this.standby = new Promise((resolve) => {
      this.resolveStandby = resolve;
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // The process exit is what the environment reacts to; socket errors follow from it.
    socket.on("error", () => {});
  }

  invoke(invocation: RuntimeInvocation): Promise<ChannelResult> {
    return new Promise((resolve) => {
      this.pending = { invocation, resolve };
      const header: Record<string, unknown> & { t: string } = {
        t: "invoke",
        id: invocation.requestId,
        deadlineMs: invocation.deadlineMs,
        functionArn: invocation.invokedArn,
        traceId: invocation.traceId,
      };
      if (invocation.clientContext !== undefined) header.clientContext = invocation.clientContext;
      if (invocation.identity !== undefined) header.identity = invocation.identity;
      this.socket.write(encodeFrame(header, invocation.payload));
    });
  }

  /** Gives a standby runtime its function: the environment variables, then Init runs. */
  assign(env: Record<string, string>): void {
    this.socket.write(encodeFrame({ t: "assign" }, Buffer.from(JSON.stringify(env))));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: ReturnType<FrameDecoder["push"]>;
    try {
      frames = this.decoder.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const { header, body } of frames) {
      switch (header.t) {
        case "log":
          this.onLog(body.toString("utf8"), header.stream === "stderr" ? "stderr" : "stdout");
          break;
        case "standby":
          this.resolveStandby(true);
          break;
        case "ready":
          this.resolveInit({
            ok: true,
            runtimeVersion: typeof header.version === "string" ? header.version : undefined,
          });
          break;
        case "init-error":
          this.resolveInit({
            ok: false,
            errorType: String(header.errorType ?? "Runtime.Unknown"),
            payload: body,
          });
          break;
        case "response":
        case "error":
        case "stream-end": {
          const pending = this.pending;
          if (!pending || pending.invocation.requestId !== header.id) break;
          this.pending = undefined;
          this.resumeReading();
          pending.resolve(answerOf(header, body));
          break;
        }
        case "stream-start": {
          const pending = this.pending;
          if (!pending || pending.invocation.requestId !== header.id) break;
          const contentType = typeof header.contentType === "string" ? header.contentType : undefined;
          pending.invocation.stream.start(contentType ?? "application/octet-stream");
          break;
        }
        case "stream-chunk": {
          const pending = this.pending;
          if (!pending || pending.invocation.requestId !== header.id) break;
          const wait = pending.invocation.stream.chunk(body);
          if (wait) this.waitFor(wait, pending.invocation);
          break;
        }
      }
    }
  }

  /** Backpressure: stop reading the socket until the stream's consumer has caught up. */
  private waitFor(wait: Promise<void>, invocation: RuntimeInvocation): void {
    this.waits++;
    this.socket.pause();
    const done = () => {
      // Waits of an invocation that has ended were already released by `resumeReading`.
      if (this.pending?.invocation !== invocation || this.waits === 0) return;
      this.waits--;
      if (this.waits === 0) this.socket.resume();
    };
    wait.then(done, done);
  }

  private resumeReading(): void {
    if (this.waits === 0) return;
    this.waits = 0;
    this.socket.resume();
  }
}

function answerOf(header: Frame["header"], body: Buffer): ChannelResult {
  switch (header.t) {
    case "response":
      return { kind: "response", payload: body };
    case "error":
      return { kind: "error", errorType: String(header.errorType ?? "Unhandled"), payload: body };
    default:
      return {
        kind: "streamed",
        error:
          typeof header.errorType === "string" ? { errorType: header.errorType, payload: body } : undefined,
      };
  }
}
