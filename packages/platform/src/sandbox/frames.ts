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

/**
 * Accumulates stream chunks and yields whole frames. A frame's body is a view into the chunk
 * it arrived in (each socket read is its own buffer), so the common case copies nothing.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the next frame can make progress. */
  private need = 8;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < this.need) return [];
    const buffer = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.size);
    const frames: Frame[] = [];
    let offset = 0;
    for (;;) {
      const available = buffer.length - offset;
      if (available < 8) {
        this.need = 8;
        break;
      }
      const headLen = buffer.readUInt32BE(offset);
      const total = 8 + headLen + buffer.readUInt32BE(offset + 4);
      if (available < total) {
        this.need = total;
        break;
      }
      const headEnd = offset + 8 + headLen;
      const header = JSON.parse(buffer.toString("utf8", offset + 8, headEnd)) as Frame["header"];
      frames.push({ header, body: buffer.subarray(headEnd, offset + total) });
      offset += total;
    }
    if (offset === buffer.length) {
      this.chunks = [];
      this.size = 0;
    } else {
      const rest = buffer.subarray(offset);
      this.chunks = [rest];
      this.size = rest.length;
    }
    return frames;
  }
}
