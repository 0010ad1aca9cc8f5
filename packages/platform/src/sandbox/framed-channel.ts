import type { Socket } from "node:net";
import { encodeFrame, FrameDecoder } from "./frames.js";
import type { ChannelResult, InitOutcome, RuntimeChannel, RuntimeInvocation } from "./runtime-channel.js";

/** The channel of Nimbus's own runtimes: frames over fd 3 (docs/runtime-protocol.md). */
export class FramedChannel implements RuntimeChannel {
  readonly init: Promise<InitOutcome>;
  private resolveInit!: (outcome: InitOutcome) => void;
  private pending: { id: string; resolve: (result: ChannelResult) => void } | undefined;
  private readonly decoder = new FrameDecoder();

  constructor(
    private readonly socket: Socket,
    private readonly onLog: (text: string, stream: "stdout" | "stderr") => void,
  ) {
    this.init = new Promise((resolve) => {
      this.resolveInit = resolve;
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // The process exit is what the environment reacts to; socket errors follow from it.
    socket.on("error", () => {});
  }

  invoke(invocation: RuntimeInvocation): Promise<ChannelResult> {
    return new Promise((resolve) => {
      this.pending = { id: invocation.requestId, resolve };
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
        case "error": {
          const pending = this.pending;
          if (!pending || pending.id !== header.id) break;
          this.pending = undefined;
          pending.resolve(
            header.t === "response"
              ? { kind: "response", payload: body }
              : { kind: "error", errorType: String(header.errorType ?? "Unhandled"), payload: body },
          );
          break;
        }
      }
    }
  }
}
