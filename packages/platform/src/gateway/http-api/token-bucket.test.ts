import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { Throttles, TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("lets a burst through, then refills at the rate", () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(clock, 2, 3);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    clock.advance(499);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it("never holds more than the burst", () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(clock, 100, 2);
    clock.advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});

describe("Throttles", () => {
  it("does not throttle without limits and refuses everything at a zero burst", () => {
    const throttles = new Throttles(new ManualClock());
    for (let i = 0; i < 100; i++)
      expect(throttles.admit("a", { burst: undefined, rate: undefined })).toBe(true);
    expect(throttles.admit("b", { burst: 0, rate: 10 })).toBe(false);
  });

  it("keeps one bucket per key and starts a fresh one when the limits change", () => {
    const throttles = new Throttles(new ManualClock());
    expect(throttles.admit("r1", { burst: 1, rate: 1 })).toBe(true);
    expect(throttles.admit("r1", { burst: 1, rate: 1 })).toBe(false);
    expect(throttles.admit("r2", { burst: 1, rate: 1 })).toBe(true);
    expect(throttles.admit("r1", { burst: 2, rate: 1 })).toBe(true);
    throttles.forget("r");
    expect(throttles.admit("r2", { burst: 1, rate: 1 })).toBe(true);
  });
});
