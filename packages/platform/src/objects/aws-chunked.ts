import { createHash } from "node:crypto";
import { s3Error } from "./errors.js";

/** What the decoder learned besides the payload bytes. */
export interface ChunkedResult {
  /** Trailing headers (`x-amz-checksum-crc32: ...`), lower-case names. */
  trailers: Record<string, string>;
  decodedBytes: number;
}

export interface ChunkedOptions {
  /**
   * Called for each chunk that carries a `chunk-signature` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD),
   * with that chunk's SHA-256; throws to refuse the upload.
   */
  checkChunk?: (signature: string, chunkSha256Hex: string) => void;
  /** x-amz-decoded-content-length: the payload must have exactly this many bytes. */
  decodedLength?: number | undefined;
}

const MAX_LINE = 4096;
const CRLF = Buffer.from("\r\n");

/**
 * Decodes `Content-Encoding: aws-chunked` framing (SigV4 streaming uploads): chunks of
 * `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n`, a zero-size chunk, then optional trailer
 * lines and a blank line. Yields the payload as it arrives, never buffering a whole chunk.
 */
export async function* decodeAwsChunked(
  source: AsyncIterable<Buffer>,
  result: ChunkedResult,
  options: ChunkedOptions = {},
): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let state: "header" | "data" | "crlf" | "trailer" | "done" = "header";
  let remaining = 0;
  let signature: string | undefined;
  let hash = createHash("sha256");

  const finishChunk = () => {
    // A signed upload must sign every chunk: a missing signature fails the check.
    if (options.checkChunk) options.checkChunk(signature ?? "", hash.digest("hex"));
    hash = createHash("sha256");
  };

  for await (const piece of source) {
    pending = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    for (;;) {
      if (state === "done") {
        if (pending.length > 0 && pending.toString("latin1").trim() !== "") throw invalid();
        pending = Buffer.alloc(0);
        break;
      }
      if (state === "data") {
        if (pending.length === 0) break;
        const take = Math.min(remaining, pending.length);
        const data = pending.subarray(0, take);
        pending = pending.subarray(take);
        remaining -= take;
        result.decodedBytes += take;
        if (options.checkChunk) hash.update(data);
        yield data;
        if (remaining === 0) state = "crlf";
        continue;
      }
      if (state === "crlf") {
        if (pending.length < 2) break;
        if (!pending.subarray(0, 2).equals(CRLF)) throw invalid();
        pending = pending.subarray(2);
        finishChunk();
        state = "header";
        continue;
      }
      const eol = pending.indexOf(CRLF);
      if (eol === -1) {
        if (pending.length > MAX_LINE) throw invalid();
        break;
      }
      const line = pending.subarray(0, eol).toString("latin1");
      pending = pending.subarray(eol + 2);
      if (state === "header") {
        const [size = "", ...extensions] = line.split(";");
        if (!/^[0-9a-fA-F]{1,16}$/.test(size.trim())) throw invalid();
        remaining = Number.parseInt(size.trim(), 16);
        const sig = extensions.find((e) => e.trim().startsWith("chunk-signature="));
        signature = sig?.trim().slice("chunk-signature=".length);
        if (remaining === 0) {
          finishChunk();
          state = "trailer";
        } else {
          state = "data";
        }
        continue;
      }
      // Trailer section: header lines up to a blank line.
      if (line === "") {
        state = "done";
        continue;
      }
      const colon = line.indexOf(":");
      if (colon <= 0) throw invalid();
      result.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  // Some clients end the body right after the last chunk's header (no blank line).
  const ended: string = state;
  if (ended !== "done" && ended !== "trailer") {
    throw s3Error("incompleteBody", "The request body terminated unexpectedly");
  }
  if (options.decodedLength !== undefined && result.decodedBytes !== options.decodedLength) {
    throw s3Error(
      "incompleteBody",
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
    );
  }
}

function invalid() {
  return s3Error("invalidChunk", "The aws-chunked body of the request is not framed correctly.");
}
