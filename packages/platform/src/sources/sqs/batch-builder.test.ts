import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BatchBuilder, type BatchEntry } from "./batch-builder.js";

function entries(n: number, bodyBytes = 10, from = 0): BatchEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const record = JSON.stringify({ messageId: `m${from + i}`, body: "x".repeat(bodyBytes) });
    return {
      message: {
        messageId: `m${from + i}`,
        receiptHandle: `r${from + i}`,
        body: "x".repeat(bodyBytes),
        attributes: {},
        messageAttributes: {},
        md5OfBody: "",
        md5OfMessageAttributes: undefined,
      },
      record,
      bytes: Buffer.byteLength(record),
    };
  });
}

const SIX_MB = 6_291_456;

describe("BatchBuilder", () => {
  it("long-polls for the first message with room for at most 10", () => {
    const clock = new ManualClock();
    const b = new BatchBuilder({ batchSize: 100, windowMs: 5000, maxPayloadBytes: SIX_MB });
    expect(b.next(clock.now())).toEqual({ kind: "receive", max: 10, waitMs: 20_000 });
  });

  it("without a window, invokes as soon as a receive returned messages", () => {
    const clock = new ManualClock();
    const b = new BatchBuilder({ batchSize: 10, windowMs: 0, maxPayloadBytes: SIX_MB });
    b.add(entries(3), clock.now());
    expect(b.next(clock.now())).toEqual({ kind: "invoke" });
    expect(b.size).toBe(3);
  });

  it("gathers until BatchSize, asking only for the room left", () => {
    const clock = new ManualClock();
    const b = new BatchBuilder({ batchSize: 25, windowMs: 60_000, maxPayloadBytes: SIX_MB });
    b.add(entries(10), clock.now());
    expect(b.next(clock.now())).toEqual({ kind: "receive", max: 10, waitMs: 20_000 });
    b.add(entries(10, 10, 10), clock.now());
    expect(b.next(clock.now())).toEqual({ kind: "receive", max: 5, waitMs: 20_000 });
    b.add(entries(5, 10, 20), clock.now());
    expect(b.next(clock.now())).toEqual({ kind: "invoke" });
    expect(b.size).toBe(25);
  });

  it("sends a partial batch when the window, counted from the first message, ends", () => {
    const clock = new ManualClock();
    const b = new BatchBuilder({ batchSize: 50, windowMs: 5000, maxPayloadBytes: SIX_MB });
    clock.advance(30_000); // time spent waiting for the first message does not count
    b.add(entries(2), clock.now());
    expect(b.next(clock.now())).toEqual({ kind: "receive", max: 10, waitMs: 5000 });
    clock.advance(2000);
    expect(b.next(clock.now())).toEqual({ kind: "receive", max: 10, waitMs: 3000 });
    clock.advance(3000);
    expect(b.next(clock.now())).toEqual({ kind: "invoke" });
    expect(b.size).toBe(2);
  });

  it("stops under the payload limit and carries the rest into the next batch", () => {
    const clock = new ManualClock();
    const one = entries(1, 1000)[0] as BatchEntry;
    const limit = 14 + one.bytes * 3 + 2; // envelope, three records and their commas
    const b = new BatchBuilder({ batchSize: 10, windowMs: 1000, maxPayloadBytes: limit });
    const rest = b.add(entries(5, 1000), clock.now());
    expect(b.size).toBe(3);
    expect(rest.map((e) => e.message.messageId)).toEqual(["m3", "m4"]);
    expect(b.payloadBytes).toBe(limit);
    expect(b.next(clock.now())).toEqual({ kind: "invoke" });
  });

  it("measures the payload exactly as the event is built", () => {
    const b = new BatchBuilder({ batchSize: 10, windowMs: 0, maxPayloadBytes: SIX_MB });
    const list = entries(3, 7);
    b.add(list, 0);
    const payload = `{"Records":[${list.map((e) => e.record).join(",")}]}`;
    expect(b.payloadBytes).toBe(Buffer.byteLength(payload));
  });
});
