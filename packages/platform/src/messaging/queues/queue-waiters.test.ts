import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { QueueWaiters } from "./queue-waiters.js";

/** Resolves to whether `promise` settled while pending callbacks ran; time does not move. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe("QueueWaiters", () => {
  it("wakes a waiter on notify of its queue only", async () => {
    const waiters = new QueueWaiters(new ManualClock());
    const waiting = waiters.wait("a", 20_000);
    waiters.notify("b");
    expect(await settled(waiting)).toBe(false);
    waiters.notify("a");
    expect(await settled(waiting)).toBe(true);
  });

  it("wakes a waiter when its delay ends, when aborted, and on close", async () => {
    const clock = new ManualClock();
    const waiters = new QueueWaiters(clock);
    const timed = waiters.wait("a", 1_000);
    clock.advance(999);
    expect(await settled(timed)).toBe(false);
    clock.advance(1);
    expect(await settled(timed)).toBe(true);
    const controller = new AbortController();
    const aborted = waiters.wait("a", 20_000, controller.signal);
    controller.abort();
    expect(await settled(aborted)).toBe(true);
    const closing = waiters.wait("a", 20_000);
    waiters.close();
    expect(await settled(closing)).toBe(true);
    expect(await settled(waiters.wait("a", 20_000))).toBe(true);
  });

  it("does not miss a notify that came between looking at the store and waiting", async () => {
    const waiters = new QueueWaiters(new ManualClock());
    const seen = waiters.version("a");
    waiters.notify("a");
    expect(await settled(waiters.wait("a", 20_000, undefined, seen))).toBe(true);
    expect(await settled(waiters.wait("a", 20_000, undefined, waiters.version("a")))).toBe(false);
  });

  it("calls listeners on every notify until unsubscribed", () => {
    const waiters = new QueueWaiters(new ManualClock());
    let calls = 0;
    const stop = waiters.listen("a", () => calls++);
    waiters.notify("a");
    waiters.notify("a");
    stop();
    waiters.notify("a");
    expect(calls).toBe(2);
  });
});
