import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { afterFunctionError, isExpired, throttleBackoffMs } from "./retry-policy.js";

const defaults = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

describe("retry scheduling after function errors", () => {
  it("retries after about 1 minute, then about 2, then gives up", () => {
    const clock = new ManualClock();
    const first = afterFunctionError(1, defaults, clock.now(), 1);
    expect(first).toEqual({ kind: "retry", visibleAt: clock.now() + 60_000 });
    clock.advance(60_000);
    const second = afterFunctionError(2, defaults, clock.now(), 1);
    expect(second).toEqual({ kind: "retry", visibleAt: clock.now() + 120_000 });
    clock.advance(120_000);
    expect(afterFunctionError(3, defaults, clock.now(), 1)).toEqual({
      kind: "give-up",
      condition: "RetriesExhausted",
    });
  });

  it("multiplies the delays by the configured scale", () => {
    const now = new ManualClock().now();
    expect(afterFunctionError(1, defaults, now, 0.001)).toEqual({ kind: "retry", visibleAt: now + 60 });
    expect(afterFunctionError(2, defaults, now, 0.5)).toEqual({ kind: "retry", visibleAt: now + 60_000 });
    expect(afterFunctionError(1, defaults, now, 0)).toEqual({ kind: "retry", visibleAt: now });
  });

  it("honours MaximumRetryAttempts 0 and 1", () => {
    const now = new ManualClock().now();
    const none = { ...defaults, maximumRetryAttempts: 0 };
    expect(afterFunctionError(1, none, now, 1).kind).toBe("give-up");
    const one = { ...defaults, maximumRetryAttempts: 1 };
    expect(afterFunctionError(1, one, now, 1).kind).toBe("retry");
    expect(afterFunctionError(2, one, now, 1).kind).toBe("give-up");
  });
});

describe("throttle backoff", () => {
  it("starts at 1 s, doubles, and stops growing at 5 minutes", () => {
    expect([0, 1, 2, 3, 4].map(throttleBackoffMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(throttleBackoffMs(8)).toBe(256_000);
    expect(throttleBackoffMs(9)).toBe(300_000);
    expect(throttleBackoffMs(500)).toBe(300_000);
  });
});

describe("event age", () => {
  it("expires an event once it is MaximumEventAgeInSeconds old, not before", () => {
    const clock = new ManualClock();
    const acceptedAt = clock.now();
    const settings = { ...defaults, maximumEventAgeSeconds: 60 };
    clock.advance(59_999);
    expect(isExpired(acceptedAt, settings, clock.now())).toBe(false);
    clock.advance(1);
    expect(isExpired(acceptedAt, settings, clock.now())).toBe(true);
  });

  it("defaults to six hours", () => {
    const clock = new ManualClock();
    const acceptedAt = clock.now();
    clock.advance(6 * 3600 * 1000 - 1);
    expect(isExpired(acceptedAt, defaults, clock.now())).toBe(false);
    clock.advance(1);
    expect(isExpired(acceptedAt, defaults, clock.now())).toBe(true);
  });
});
