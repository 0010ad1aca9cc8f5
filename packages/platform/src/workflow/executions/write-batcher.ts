import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";

interface Pending {
  ops: WriteOp[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for execution steps: the writes asked for during one turn of the event loop go to
 * the store in ONE transaction, and each caller's promise settles only once that transaction has
 * committed, so "stored before acting" holds for every step. Steps of one execution are already
 * serialized, so one batch never holds two writes of the same execution. If the batch fails (an
 * `expectRevision` of one step does not hold), each write is retried alone, so a conflict fails
 * only its own step.
 */
export class WriteBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly store: MetadataStore) {}

  write(ops: WriteOp[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ops, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Not a timer: runs after the I/O callbacks of this loop turn, whatever the clock says.
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    if (batch.length === 1 && batch[0]) return settle(batch[0], this.store);
    try {
      await this.store.write(batch.flatMap((p) => p.ops));
    } catch {
      for (const p of batch) await settle(p, this.store);
      return;
    }
    for (const p of batch) p.resolve();
  }
}

async function settle(p: Pending, store: MetadataStore): Promise<void> {
  try {
    await store.write(p.ops);
    p.resolve();
  } catch (error) {
    p.reject(error);
  }
}
