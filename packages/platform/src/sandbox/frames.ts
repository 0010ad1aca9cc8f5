/**
 * The framed protocol of Nimbus's own runtimes (docs/runtime-protocol.md):
 * `[u32 BE header length][u32 BE body length][header JSON][body bytes]`.
 */
export interface Frame {
  header: { t: string; [member: string]: unknown };
  body: Buffer;
}

export function encodeFrame(header: Frame["header"], body: Buffer = EMPTY): Buffer {
  const head = Buffer.from(JSON.stringify(header), "utf8");
  const out = Buffer.allocUnsafe(8 + head.length + body.length);
  out.writeUInt32BE(head.length, 0);
  out.writeUInt32BE(body.length, 4);
  head.copy(out, 8);
  body.copy(out, 8 + head.length);
  return out;
}

const EMPTY = Buffer.alloc(0);

/** Accumulates stream chunks and yields whole frames. */
export class FrameDecoder {
  private buffer: Buffer = EMPTY;

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffer.length < 8) break;
      const headLen = this.buffer.readUInt32BE(0);
      const bodyLen = this.buffer.readUInt32BE(4);
      const total = 8 + headLen + bodyLen;
      if (this.buffer.length < total) break;
      const header = JSON.parse(this.buffer.toString("utf8", 8, 8 + headLen)) as Frame["header"];
      const body = Buffer.from(this.buffer.subarray(8 + headLen, total));
      frames.push({ header, body });
      this.buffer = this.buffer.subarray(total);
    }
    if (this.buffer.length === 0) this.buffer = EMPTY;
    return frames;
  }
}
