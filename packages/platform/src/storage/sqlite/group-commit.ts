import type Database from "better-sqlite3";

interface PendingWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one SQLite connection: the writes that callers start in one turn of the event
 * loop run together in one transaction, each inside its own savepoint (so one that throws is
 * undone alone and rejects alone), and every promise settles only after the COMMIT. Concurrent
 * requests then share one WAL commit instead of paying one each, and nothing is acknowledged
 * before it is durable.
 */
export class GroupCommit {
  private pending: PendingWrite[] = [];

  constructor(private readonly db: Database.Database) {}

  /** Runs `work` in the next group transaction; resolves with its result once committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is waiting now (also called before the connection closes). */
  flush(): void {
    const ops = this.pending;
    this.pending = [];
    if (ops.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const op of ops) {
          try {
            // Nested inside the group's transaction, better-sqlite3 runs this as a savepoint.
            results.push({ ok: true, value: this.db.transaction(op.work)() });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const op of ops) op.reject(error);
      return;
    }
    for (const [i, op] of ops.entries()) {
      const result = results[i];
      if (result?.ok) op.resolve(result.value);
      else op.reject(result?.error);
    }
  }
}
