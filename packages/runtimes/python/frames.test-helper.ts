/**
 * Test-side codec for the runtime protocol (docs/runtime-protocol.md):
 * `u32 BE header length | u32 BE body length | header JSON | body bytes`.
 */

export interface FrameHeader {
  t: string;
  [member: string]: unknown;
}

export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

/** Encodes one frame. */
export function encodeFrame(header: FrameHeader, body: Uint8Array | string = ""): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const bodyBytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(headerBytes.length, 0);
  prefix.writeUInt32BE(bodyBytes.length, 4);
  return Buffer.concat([prefix, headerBytes, bodyBytes]);
}

/** Splits a byte stream into frames; feed it every chunk in order. */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Frame[] = [];
    while (this.#pending.length >= 8) {
      const headerLength = this.#pending.readUInt32BE(0);
      const total = 8 + headerLength + this.#pending.readUInt32BE(4);
      if (this.#pending.length < total) break;
      const header: unknown = JSON.parse(this.#pending.subarray(8, 8 + headerLength).toString("utf8"));
      if (typeof header !== "object" || header === null || typeof (header as FrameHeader).t !== "string") {
        throw new Error(`frame header without a type: ${JSON.stringify(header)}`);
      }
      frames.push({
        header: header as FrameHeader,
        body: Buffer.from(this.#pending.subarray(8 + headerLength, total)),
      });
      this.#pending = this.#pending.subarray(total);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pendingBytes(): number {
    return this.#pending.length;
  }
}
