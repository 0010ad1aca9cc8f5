import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDecoder } from "./frames.js";

describe("framed protocol codec", () => {
  it("round-trips header and raw body bytes", () => {
    const body = Buffer.from([0, 1, 2, 255, 10, 13]);
    const [frame] = new FrameDecoder().push(encodeFrame({ t: "invoke", id: "x" }, body));
    expect(frame?.header).toEqual({ t: "invoke", id: "x" });
    expect(frame?.body.equals(body)).toBe(true);
  });

  it("reassembles frames split across chunks and separates frames sharing one chunk", () => {
    const a = encodeFrame({ t: "log", stream: "stdout" }, Buffer.from("hello\n"));
    const b = encodeFrame({ t: "response", id: "1" }, Buffer.from("{}"));
    const all = Buffer.concat([a, b]);
    const decoder = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < all.length; i += 3) frames.push(...decoder.push(all.subarray(i, i + 3)));
    expect(frames.map((f) => f.header.t)).toEqual(["log", "response"]);
    expect(frames[0]?.body.toString()).toBe("hello\n");
  });

  it("keeps bodies independent of the decoder's buffer", () => {
    const decoder = new FrameDecoder();
    const [first] = decoder.push(encodeFrame({ t: "a" }, Buffer.from("one")));
    decoder.push(encodeFrame({ t: "b" }, Buffer.from("two")));
    expect(first?.body.toString()).toBe("one");
  });
});
