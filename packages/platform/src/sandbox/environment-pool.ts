import type { Clock } from "../core/clock.js";
import type { ExecutionEnvironment } from "./environment.js";

interface IdleEntry {
  env: ExecutionEnvironment;
  cancelIdle: () => void;
}

/**
 * Warm environments by key (function + version + configuration revision). An environment is
 * either busy (lent out) or idle here; idle ones shut down after `idleTimeoutMs`. Keys embed
 * the configuration revision, so changed code or settings never reach an old environment.
 */
export class EnvironmentPool {
  private readonly idle = new Map<string, IdleEntry[]>();
  private readonly busy = new Set<ExecutionEnvironment>();
  private readonly keyOf = new Map<ExecutionEnvironment, string>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Takes an idle environment for `key` (most recently used first), if any. */
  take(key: string): ExecutionEnvironment | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop();
      if (!entry) break;
      entry.cancelIdle();
      if (!entry.env.alive) {
        void entry.env.shutdown();
        this.keyOf.delete(entry.env);
        continue;
      }
      this.busy.add(entry.env);
      return entry.env;
    }
    return undefined;
  }

  /** Registers a new environment as busy under `key`. */
  adopt(key: string, env: ExecutionEnvironment): void {
    this.keyOf.set(env, key);
    this.busy.add(env);
  }

  /** Returns a busy environment: idle again when healthy and its key is still current. */
  release(env: ExecutionEnvironment, reusable: boolean): void {
    this.busy.delete(env);
    const key = this.keyOf.get(env);
    if (!reusable || !env.alive || this.closed || key === undefined || this.retired.has(key)) {
      this.keyOf.delete(env);
      void env.shutdown();
      return;
    }
    const list = this.idle.get(key) ?? [];
    const entry: IdleEntry = {
      env,
      cancelIdle: this.clock.setTimer(this.idleTimeoutMs, () => {
        const current = this.idle.get(key);
        if (current)
          this.idle.set(
            key,
            current.filter((e) => e !== entry),
          );
        this.keyOf.delete(env);
        void env.shutdown();
      }),
    };
    list.push(entry);
    this.idle.set(key, list);
  }

  private readonly retired = new Set<string>();

  /** Shuts down idle environments whose key starts with `prefix`; busy ones stop when released. */
  retire(prefix: string): void {
    for (const [key, list] of this.idle) {
      if (!key.startsWith(prefix)) continue;
      for (const entry of list) {
        entry.cancelIdle();
        this.keyOf.delete(entry.env);
        void entry.env.shutdown();
      }
      this.idle.delete(key);
    }
    for (const [env, key] of this.keyOf)
      if (key.startsWith(prefix) && this.busy.has(env)) this.retired.add(key);
  }

  /** Marks a key usable again (a new configuration revision never collides, but keep it tidy). */
  unretire(key: string): void {
    this.retired.delete(key);
  }

  stats(): { idle: number; busy: number } {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    return { idle, busy: this.busy.size };
  }

  /** Shuts every environment down, busy ones included. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.busy];
    for (const list of this.idle.values())
      for (const entry of list) {
        entry.cancelIdle();
        all.push(entry.env);
      }
    this.idle.clear();
    this.busy.clear();
    await Promise.all(all.map((env) => env.shutdown()));
  }
}
