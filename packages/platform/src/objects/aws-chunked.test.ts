import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ChunkedResult, decodeAwsChunked } from "./aws-chunked.js";

async function decode(pieces: string[], options = {}) {
  const result: ChunkedResult = { trailers: {}, decodedBytes: 0 };
  const out: Buffer[] = [];
  async function* source() {
    for (const p of pieces) yield Buffer.from(p, "latin1");
  }
  for await (const b of decodeAwsChunked(source(), result, options)) out.push(b);
  return { body: Buffer.concat(out).toString("latin1"), result };
}

const sig = "a".repeat(64);

describe("decodeAwsChunked", () => {
  it("decodes signed chunks split anywhere across reads", async () => {
    const wire = `5;chunk-signature=${sig}\r\nhello\r\n6;chunk-signature=${sig}\r\n world\r\n0;chunk-signature=${sig}\r\n\r\n`;
    for (const step of [1, 3, 7, wire.length]) {
      const pieces: string[] = [];
      for (let i = 0; i < wire.length; i += step) pieces.push(wire.slice(i, i + step));
      const { body, result } = await decode(pieces);
      expect(body).toBe("hello world");
      expect(result.decodedBytes).toBe(11);
    }
  });

  it("reads trailers of unsigned streaming uploads", async () => {
    const { body, result } = await decode(["3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n"]);
    expect(body).toBe("abc");
    expect(result.trailers).toEqual({ "x-amz-checksum-crc32": "NSRBwg==" });
  });

  it("hands each signed chunk's SHA-256 to the checker, the final empty one included", async () => {
    const seen: string[] = [];
    await decode([`3;chunk-signature=${sig}\r\nabc\r\n0;chunk-signature=${sig}\r\n\r\n`], {
      checkChunk: (_s: string, h: string) => seen.push(h),
    });
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(seen).toEqual([sha("abc"), sha("")]);
  });

  it("refuses bad framing, truncation and a wrong decoded length", async () => {
    await expect(decode(["zz\r\nabc\r\n"])).rejects.toMatchObject({ awsName: "InvalidChunkSizeError" });
    await expect(decode(["3\r\nabcX\r\n0\r\n\r\n"])).rejects.toMatchObject({
      awsName: "InvalidChunkSizeError",
    });
    await expect(decode(["5\r\nabc"])).rejects.toMatchObject({ awsName: "IncompleteBody" });
    await expect(decode(["3\r\nabc\r\n0\r\n\r\n"], { decodedLength: 4 })).rejects.toMatchObject({
      awsName: "IncompleteBody",
    });
  });
});
