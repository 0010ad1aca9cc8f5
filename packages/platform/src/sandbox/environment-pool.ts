import type { Clock } from "../core/clock.js";
import type { ExecutionEnvironment } from "./environment.js";

interface IdleEntry {
  env: ExecutionEnvironment;
  /** `clock.monotonic()` when it became idle. */
  since: number;
}

/**
 * Warm environments by key (function + version + configuration revision). An environment is
 * either busy (lent out) or idle here; idle ones shut down after `idleTimeoutMs`. Keys embed
 * the configuration revision, so changed code or settings never reach an old environment.
 *
 * Pinned environments (provisioned concurrency) never idle out and are lent before on-demand
 * ones; `unpin` releases them.
 */
export class EnvironmentPool {
  private readonly idle = new Map<string, IdleEntry[]>();
  private readonly pinnedIdle = new Map<string, ExecutionEnvironment[]>();
  private readonly busy = new Set<ExecutionEnvironment>();
  private readonly keyOf = new Map<ExecutionEnvironment, string>();
  private readonly pinned = new Set<ExecutionEnvironment>();
  private readonly retired = new Set<string>();
  private closed = false;
  /**
   * One timer for every idle environment, due when the oldest one has been idle for
   * `idleTimeoutMs`: a warm invoke (take, then release) arms and cancels no timer of its own.
   */
  private cancelSweep: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Takes an idle environment for `key`: a provisioned one first, then the most recently used. */
  take(key: string): ExecutionEnvironment | undefined {
    const pinned = this.pinnedIdle.get(key);
    while (pinned && pinned.length > 0) {
      const env = pinned.pop();
      if (!env) break;
      if (!env.alive) {
        this.forget(env);
        continue;
      }
      this.busy.add(env);
      return env;
    }
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop();
      if (!entry) break;
      if (!entry.env.alive) {
        this.forget(entry.env);
        continue;
      }
      this.busy.add(entry.env);
      return entry.env;
    }
    return undefined;
  }

  /** Registers a new environment as busy under `key`. */
  adopt(key: string, env: ExecutionEnvironment, options: { pinned?: boolean } = {}): void {
    this.keyOf.set(env, key);
    if (options.pinned) this.pinned.add(env);
    this.busy.add(env);
  }

  /** Marks a busy environment as provisioned: never idles out, lent first. */
  pin(env: ExecutionEnvironment): void {
    if (this.keyOf.has(env)) this.pinned.add(env);
  }

  /** Returns a busy environment: idle again when healthy and its key is still current. */
  release(env: ExecutionEnvironment, reusable: boolean): void {
    this.busy.delete(env);
    const key = this.keyOf.get(env);
    if (!reusable || !env.alive || this.closed || key === undefined || this.retired.has(key)) {
      this.forget(env);
      return;
    }
    if (this.pinned.has(env)) {
      const list = this.pinnedIdle.get(key) ?? [];
      list.push(env);
      this.pinnedIdle.set(key, list);
      return;
    }
    let list = this.idle.get(key);
    if (!list) {
      list = [];
      this.idle.set(key, list);
    }
    // Released in time order, taken from the end: each list is oldest first.
    list.push({ env, since: this.clock.monotonic() });
    if (!this.cancelSweep) this.armSweep(this.idleTimeoutMs);
  }

  /** Shuts down the environments idle for `idleTimeoutMs`, then waits for the next one due. */
  private sweep(): void {
    this.cancelSweep = undefined;
    const now = this.clock.monotonic();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, list] of this.idle) {
      let expired = 0;
      while (expired < list.length && now - (list[expired]?.since ?? now) >= this.idleTimeoutMs) expired++;
      for (const entry of list.splice(0, expired)) this.forget(entry.env);
      const oldest = list[0];
      if (oldest) next = Math.min(next, oldest.since + this.idleTimeoutMs);
      else this.idle.delete(key);
    }
    // At least 1 ms: a timer may fire a fraction early on the monotonic clock.
    if (next !== Number.POSITIVE_INFINITY) this.armSweep(Math.max(1, next - now));
  }

  private armSweep(ms: number): void {
    this.cancelSweep = this.clock.setTimer(ms, () => this.sweep());
  }

  /** Shuts down idle environments whose key starts with `prefix`; busy ones stop when released. */
  retire(prefix: string): void {
    for (const [key, list] of this.idle) {
      if (!key.startsWith(prefix)) continue;
      for (const entry of list) this.forget(entry.env);
      this.idle.delete(key);
    }
    for (const [key, list] of this.pinnedIdle) {
      if (!key.startsWith(prefix)) continue;
      for (const env of list) this.forget(env);
      this.pinnedIdle.delete(key);
    }
    for (const [env, key] of this.keyOf)
      if (key.startsWith(prefix) && this.busy.has(env)) this.retired.add(key);
  }

  /** Live pinned environments of `key` (busy or idle). */
  pinnedCount(key: string): number {
    let n = 0;
    for (const env of this.pinned) if (this.keyOf.get(env) === key && env.alive) n++;
    return n;
  }

  /** Turns `count` pinned environments of `key` back into ordinary ones (idle ones shut down). */
  unpin(key: string, count = Number.POSITIVE_INFINITY): void {
    let left = count;
    const idle = this.pinnedIdle.get(key) ?? [];
    while (left > 0 && idle.length > 0) {
      const env = idle.pop();
      if (env) this.forget(env);
      left--;
    }
    for (const env of this.pinned) {
      if (left <= 0) break;
      if (this.keyOf.get(env) === key && this.busy.has(env)) {
        this.pinned.delete(env);
        left--;
      }
    }
  }

  stats(): { idle: number; busy: number; provisioned: number } {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    for (const list of this.pinnedIdle.values()) idle += list.length;
    return { idle, busy: this.busy.size, provisioned: this.pinned.size };
  }

  /** Shuts every environment down, busy ones included. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelSweep?.();
    this.cancelSweep = undefined;
    const all = [...this.busy];
    for (const list of this.idle.values()) for (const entry of list) all.push(entry.env);
    for (const list of this.pinnedIdle.values()) all.push(...list);
    this.idle.clear();
    this.pinnedIdle.clear();
    this.busy.clear();
    this.pinned.clear();
    await Promise.all(all.map((env) => env.shutdown()));
  }

  private forget(env: ExecutionEnvironment): void {
    this.keyOf.delete(env);
    this.pinned.delete(env);
    this.busy.delete(env);
    void env.shutdown();
  }
}
