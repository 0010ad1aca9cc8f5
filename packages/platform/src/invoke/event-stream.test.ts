import { EventStreamCodec } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { describe, expect, it } from "vitest";
import {
  crc32,
  encodeMessage,
  invokeCompleteEvent,
  MAX_CHUNK_PAYLOAD_BYTES,
  payloadChunkEvents,
} from "./event-stream.js";

// The AWS SDK's own decoder: it checks both CRCs and the lengths, as the SDK does on the wire.
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function decode(message: Uint8Array) {
  const { headers, body } = codec.decode(message);
  const plain: Record<string, unknown> = {};
  for (const [name, header] of Object.entries(headers)) plain[name] = header.value;
  return { headers: plain, types: Object.values(headers).map((h) => h.type), body: Buffer.from(body) };
}

describe("crc32", () => {
  it("matches the standard check value and continues across pieces", () => {
    const bytes = Buffer.from("123456789", "ascii");
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes.subarray(4), crc32(bytes.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe("event-stream messages", () => {
  it("encodes a PayloadChunk the SDK's codec decodes, with string headers and the raw bytes", () => {
    const bytes = Buffer.from([0, 1, 2, 255, 0x7b, 0x7d]);
    const [event, ...rest] = payloadChunkEvents(bytes);
    expect(rest).toEqual([]);
    const decoded = decode(event ?? Buffer.alloc(0));
    expect(decoded.headers).toEqual({
      ":event-type": "PayloadChunk",
      ":content-type": "application/octet-stream",
      ":message-type": "event",
    });
    expect(decoded.types).toEqual(["string", "string", "string"]);
    expect(decoded.body).toEqual(bytes);
  });

  it("writes the prelude and message CRCs where the format puts them", () => {
    const message = encodeMessage([["a", "b"]], Buffer.from("xyz"));
    const total = message.readUInt32BE(0);
    expect(total).toBe(message.length);
    expect(message.readUInt32BE(4)).toBe(1 + 1 + 1 + 2 + 1);
    expect(message.readUInt32BE(8)).toBe(crc32(message.subarray(0, 8)));
    expect(message.readUInt32BE(total - 4)).toBe(crc32(message.subarray(0, total - 4)));
  });

  it("is byte-for-byte what the SDK's own encoder produces", () => {
    const ours = encodeMessage(
      [
        [":event-type", "PayloadChunk"],
        [":message-type", "event"],
      ],
      Buffer.from("héllo"),
    );
    const theirs = codec.encode({
      headers: {
        ":event-type": { type: "string", value: "PayloadChunk" },
        ":message-type": { type: "string", value: "event" },
      },
      body: Buffer.from("héllo"),
    });
    expect(Buffer.from(theirs)).toEqual(ours);
  });

  it("splits a chunk larger than the per-message limit and keeps every byte in order", () => {
    const bytes = Buffer.alloc(MAX_CHUNK_PAYLOAD_BYTES * 2 + 10);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
    const events = payloadChunkEvents(bytes);
    expect(events).toHaveLength(3);
    const bodies = events.map((event) => decode(event).body);
    expect(bodies.map((body) => body.length)).toEqual([MAX_CHUNK_PAYLOAD_BYTES, MAX_CHUNK_PAYLOAD_BYTES, 10]);
    // equals(), not toEqual: a deep comparison of 2 MB element by element takes seconds.
    expect(Buffer.concat(bodies).equals(bytes)).toBe(true);
  });

  it("makes no PayloadChunk for zero bytes", () => {
    expect(payloadChunkEvents(Buffer.alloc(0))).toEqual([]);
  });

  it("encodes InvokeComplete as JSON with only the members given", () => {
    const ok = decode(invokeCompleteEvent({}));
    expect(ok.headers).toEqual({
      ":event-type": "InvokeComplete",
      ":content-type": "application/json",
      ":message-type": "event",
    });
    expect(JSON.parse(ok.body.toString("utf8"))).toEqual({});
    const failed = decode(
      invokeCompleteEvent({
        errorCode: "Sandbox.Timedout",
        errorDetails: "Task timed out",
        logResult: "TE9H",
      }),
    );
    expect(JSON.parse(failed.body.toString("utf8"))).toEqual({
      ErrorCode: "Sandbox.Timedout",
      ErrorDetails: "Task timed out",
      LogResult: "TE9H",
    });
  });

  it("refuses a header value too long for its u16 length", () => {
    expect(() => encodeMessage([["x", "y".repeat(70_000)]], Buffer.alloc(0))).toThrow(RangeError);
  });
});
