import type { ResponseStreamSink } from "../sandbox/index.js";
import type { InvokeStreamSink } from "./invoke-types.js";

/** Lambda's limit for a streamed response (lambda-api.md section 5.4): 200 MB. */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

export interface StreamCollectorOptions {
  /** The caller's sink; absent when the caller wants the whole answer at once (plain Invoke). */
  target: InvokeStreamSink | undefined;
  executedVersion: string;
  /** Bytes allowed in all: the streamed limit with a target, the buffered one without. */
  limitBytes: number;
}

/**
 * One invocation's end of a runtime's response stream. It forwards chunks to the caller's sink,
 * or buffers them for a caller that wants the whole answer; it counts bytes against the limit and
 * stops passing them on past it (the invocation then fails with Function.ResponseSizeTooLarge);
 * and once closed (the invocation has its outcome) it drops whatever still arrives.
 */
export class StreamCollector implements ResponseStreamSink {
  private contentTypeValue: string | undefined;
  private size = 0;
  private over = false;
  private closed = false;
  private readonly buffered: Buffer[] = [];

  constructor(private readonly options: StreamCollectorOptions) {}

  start(contentType: string): void {
    if (this.closed || this.contentTypeValue !== undefined) return;
    this.contentTypeValue = contentType;
    this.options.target?.start({ executedVersion: this.options.executedVersion, contentType });
  }

  chunk(bytes: Buffer): Promise<void> | undefined {
    if (this.closed || this.over || bytes.length === 0) return undefined;
    this.size += bytes.length;
    if (this.size > this.options.limitBytes) {
      this.over = true;
      this.buffered.length = 0;
      return undefined;
    }
    if (this.options.target) return this.options.target.chunk(bytes);
    this.buffered.push(bytes);
    return undefined;
  }

  /** The invocation has its outcome: later chunks are dropped. */
  close(): void {
    this.closed = true;
  }

  /** The stream's content type once the runtime began streaming. */
  get contentType(): string | undefined {
    return this.contentTypeValue;
  }

  /** Bytes the runtime streamed (counted past the limit too). */
  get sizeBytes(): number {
    return this.size;
  }

  get limitBytes(): number {
    return this.options.limitBytes;
  }

  /** The stream went past `limitBytes`. */
  get overLimit(): boolean {
    return this.over;
  }

  /** The buffered bytes (no target), in order. */
  bytes(): Buffer {
    return Buffer.concat(this.buffered);
  }
}
