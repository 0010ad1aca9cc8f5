import type { Clock } from "../../core/clock.js";

/**
 * Wake-ups for long polling and for other areas that consume queues: a send (or a move to a
 * dead-letter queue) notifies the queue's waiters at once, so a long poll returns as soon as a
 * message arrives, without polling the store. Timers (on the injected clock) cover messages that
 * become visible by themselves (delays, expired visibility timeouts).
 */
export class QueueWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly versions = new Map<string, number>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /**
   * Resolves on the first of: a notify for `storeId`, `delayMs` elapsed, `signal` aborted, or
   * `close()`. Resolves at once when already closed or aborted, or when `storeId` was notified
   * since `seenVersion` (read with `version()` before looking at the store).
   */
  wait(storeId: string, delayMs: number, signal?: AbortSignal, seenVersion?: number): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    // A notify since the caller last looked (with a store that yields between calls) is not lost.
    if (seenVersion !== undefined && seenVersion !== this.version(storeId)) return Promise.resolve();
    return new Promise((resolve) => {
      let cancelTimer = () => {};
      const done = () => {
        cancelTimer();
        signal?.removeEventListener("abort", done);
        remove(this.waiting, storeId, done);
        resolve();
      };
      add(this.waiting, storeId, done);
      cancelTimer = this.clock.setTimer(Math.max(0, delayMs), done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Calls `listener` each time `storeId` may have new messages, until the returned function is
   * called. Listeners must be cheap (they run inside the sender's call).
   */
  listen(storeId: string, listener: () => void): () => void {
    const fn = () => listener();
    add(this.listeners, storeId, fn);
    return () => remove(this.listeners, storeId, fn);
  }

  /** Counts the notifies of `storeId`, so a waiter can tell whether it missed one. */
  version(storeId: string): number {
    return this.versions.get(storeId) ?? 0;
  }

  notify(storeId: string): void {
    this.versions.set(storeId, this.version(storeId) + 1);
    for (const fn of [...(this.waiting.get(storeId) ?? [])]) fn();
    for (const fn of [...(this.listeners.get(storeId) ?? [])]) fn();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Releases every waiter; later waits resolve at once. */
  close(): void {
    this.closed = true;
    for (const set of [...this.waiting.values()]) for (const fn of [...set]) fn();
    this.listeners.clear();
  }
}

function add(map: Map<string, Set<() => void>>, key: string, fn: () => void): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(fn);
}

function remove(map: Map<string, Set<() => void>>, key: string, fn: () => void): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(fn);
  if (set.size === 0) map.delete(key);
}
