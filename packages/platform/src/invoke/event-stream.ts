/**
 * The AWS event-stream encoding (`application/vnd.amazon.eventstream`, lambda-api.md section 5.4)
 * of InvokeWithResponseStream's answer: a sequence of binary messages
 *
 * ```
 * [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32 u32]
 * header = [name length u8][name][type u8 = 7 (string)][value length u16][value]
 * ```
 *
 * Every message is an `event`: `PayloadChunk` events carry the function's bytes, one final
 * `InvokeComplete` event carries `{ErrorCode?, ErrorDetails?, LogResult?}` as JSON.
 */

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

/** Largest payload of one PayloadChunk; bigger pieces are split (event-stream messages stay small). */
export const MAX_CHUNK_PAYLOAD_BYTES = 1024 * 1024;

const STRING_HEADER = 7;
const PRELUDE_BYTES = 8;
const OVERHEAD_BYTES = PRELUDE_BYTES + 4 + 4;

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), slicing-by-4. Node 20's zlib has no
// crc32 export (it arrived in 22.2); this runs over every streamed byte, so it reads four bytes
// per step (about 1 ms per MB here, four times the byte-wise loop).
const CRC_TABLES = new Int32Array(4 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLES[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 4; t++) {
    const previous = CRC_TABLES[(t - 1) * 256 + n] as number;
    CRC_TABLES[t * 256 + n] = (CRC_TABLES[previous & 0xff] as number) ^ (previous >>> 8);
  }
}

/** CRC-32 of `bytes`; pass a previous result as `crc` to continue over more bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const table = CRC_TABLES;
  let c = ~crc;
  let i = 0;
  for (const end = bytes.length - 3; i < end; i += 4) {
    c ^=
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    c =
      (table[768 + (c & 0xff)] as number) ^
      (table[512 + ((c >>> 8) & 0xff)] as number) ^
      (table[256 + ((c >>> 16) & 0xff)] as number) ^
      (table[c >>> 24] as number);
  }
  for (; i < bytes.length; i++) c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** One event-stream message with string headers (in the given order). */
export function encodeMessage(
  headers: ReadonlyArray<readonly [string, string]>,
  payload: Uint8Array,
): Buffer {
  const encoded = headers.map(([name, value]) => [Buffer.from(name, "utf8"), Buffer.from(value, "utf8")]);
  let headersLength = 0;
  for (const [name, value] of encoded)
    headersLength += 1 + (name?.length ?? 0) + 1 + 2 + (value?.length ?? 0);
  const total = OVERHEAD_BYTES + headersLength + payload.length;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headersLength, 4);
  out.writeUInt32BE(crc32(out.subarray(0, PRELUDE_BYTES)), 8);
  let offset = 12;
  for (const [name = Buffer.alloc(0), value = Buffer.alloc(0)] of encoded) {
    if (name.length > 255) throw new RangeError(`event-stream header name too long: ${name.length} bytes`);
    if (value.length > 0xffff)
      throw new RangeError(`event-stream header value too long: ${value.length} bytes`);
    out.writeUInt8(name.length, offset);
    name.copy(out, offset + 1);
    offset += 1 + name.length;
    out.writeUInt8(STRING_HEADER, offset);
    out.writeUInt16BE(value.length, offset + 1);
    value.copy(out, offset + 3);
    offset += 3 + value.length;
  }
  out.set(payload, offset);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

const PAYLOAD_CHUNK_HEADERS = [
  [":event-type", "PayloadChunk"],
  [":content-type", "application/octet-stream"],
  [":message-type", "event"],
] as const;

/**
 * `PayloadChunk` events for `bytes`: none for no bytes, several when `bytes` is larger than
 * MAX_CHUNK_PAYLOAD_BYTES (response streams promise no chunk-boundary fidelity).
 */
export function payloadChunkEvents(bytes: Uint8Array): Buffer[] {
  const events: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += MAX_CHUNK_PAYLOAD_BYTES) {
    events.push(encodeMessage(PAYLOAD_CHUNK_HEADERS, bytes.subarray(start, start + MAX_CHUNK_PAYLOAD_BYTES)));
  }
  return events;
}

/** What InvokeComplete reports; absent members are left out of the JSON. */
export interface InvokeCompleteFields {
  errorCode?: string | undefined;
  errorDetails?: string | undefined;
  /** Base64 of the last 4 KB of the log (LogType Tail). */
  logResult?: string | undefined;
}

/** The final `InvokeComplete` event. */
export function invokeCompleteEvent(fields: InvokeCompleteFields): Buffer {
  const body: Record<string, string> = {};
  if (fields.errorCode !== undefined) body.ErrorCode = fields.errorCode;
  if (fields.errorDetails !== undefined) body.ErrorDetails = fields.errorDetails;
  if (fields.logResult !== undefined) body.LogResult = fields.logResult;
  return encodeMessage(
    [
      [":event-type", "InvokeComplete"],
      [":content-type", "application/json"],
      [":message-type", "event"],
    ],
    Buffer.from(JSON.stringify(body), "utf8"),
  );
}
