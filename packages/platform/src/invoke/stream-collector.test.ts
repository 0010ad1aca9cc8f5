import { describe, expect, it } from "vitest";
import type { InvokeStreamSink } from "./invoke-types.js";
import { StreamCollector } from "./stream-collector.js";

/** A caller's sink that records what it is given and can ask the runtime to wait. */
function recordingSink(wait?: Promise<void>) {
  const calls: string[] = [];
  const sink: InvokeStreamSink = {
    start: ({ executedVersion, contentType }) => {
      calls.push(`start ${executedVersion} ${contentType}`);
    },
    chunk: (bytes) => {
      calls.push(`chunk ${bytes.toString("utf8")}`);
      return wait;
    },
  };
  return { sink, calls };
}

describe("StreamCollector", () => {
  it("forwards the start and each chunk to the caller's sink, passing its wait back", async () => {
    const wait = Promise.resolve();
    const { sink, calls } = recordingSink(wait);
    const collector = new StreamCollector({ target: sink, executedVersion: "3", limitBytes: 100 });
    collector.start("text/plain");
    expect(collector.chunk(Buffer.from("ab"))).toBe(wait);
    void collector.chunk(Buffer.from("cd"));
    expect(calls).toEqual(["start 3 text/plain", "chunk ab", "chunk cd"]);
    expect(collector.contentType).toBe("text/plain");
    expect(collector.sizeBytes).toBe(4);
    expect(collector.bytes().length).toBe(0);
  });

  it("buffers the stream for a caller without a sink", () => {
    const collector = new StreamCollector({ target: undefined, executedVersion: "$LATEST", limitBytes: 100 });
    collector.start("application/octet-stream");
    expect(collector.chunk(Buffer.from("hello "))).toBeUndefined();
    void collector.chunk(Buffer.from("world"));
    expect(collector.bytes().toString("utf8")).toBe("hello world");
  });

  it("stops passing bytes on once the limit is passed, and says so", () => {
    const { sink, calls } = recordingSink();
    const collector = new StreamCollector({ target: sink, executedVersion: "1", limitBytes: 5 });
    collector.start("a/b");
    void collector.chunk(Buffer.from("1234"));
    void collector.chunk(Buffer.from("56"));
    void collector.chunk(Buffer.from("7"));
    expect(calls).toEqual(["start 1 a/b", "chunk 1234"]);
    expect(collector.overLimit).toBe(true);
    expect(collector.limitBytes).toBe(5);
  });

  it("drops the buffer once over the limit without a sink", () => {
    const collector = new StreamCollector({ target: undefined, executedVersion: "1", limitBytes: 3 });
    void collector.chunk(Buffer.from("12"));
    void collector.chunk(Buffer.from("34"));
    expect(collector.overLimit).toBe(true);
    expect(collector.bytes().length).toBe(0);
  });

  it("ignores what arrives after close", () => {
    const { sink, calls } = recordingSink();
    const collector = new StreamCollector({ target: sink, executedVersion: "1", limitBytes: 100 });
    collector.close();
    collector.start("a/b");
    void collector.chunk(Buffer.from("late"));
    expect(calls).toEqual([]);
    expect(collector.contentType).toBeUndefined();
  });
});
