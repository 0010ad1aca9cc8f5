/**
 * Metadata of every area (functions, versions, aliases, ...) as JSON documents grouped by
 * kind, each with a revision for optimistic concurrency. Small on purpose so that SQLite,
 * PostgreSQL and any later backend carry the same contract (`metadata-store.contract.ts`).
 */
export interface StoredDocument<T> {
  key: string;
  value: T;
  /** Starts at 1 on create, +1 on each put. */
  revision: number;
}

export interface ListOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Only keys sorting strictly after this one (pagination cursor). */
  after?: string;
  limit?: number;
}

export interface ListPage<T> {
  items: StoredDocument<T>[];
  /** Present when more items follow; pass as `after` to continue. */
  nextAfter?: string;
}

export type WriteOp =
  | { op: "put"; kind: string; key: string; value: unknown; expectRevision?: number | "absent" }
  | { op: "delete"; kind: string; key: string; expectRevision?: number };

export interface MetadataStore {
  get<T>(kind: string, key: string): Promise<StoredDocument<T> | undefined>;
  list<T>(kind: string, options?: ListOptions): Promise<ListPage<T>>;
  count(kind: string, prefix?: string): Promise<number>;
  /**
   * Applies all operations atomically, or none. Throws a `MetadataConflictError`
   * (`code` ERR_STORAGE_CONFLICT) when an `expectRevision` does not hold.
   */
  write(ops: WriteOp[]): Promise<void>;
  /** Atomically increments and returns a named counter (version numbers, sequences). */
  nextSequence(name: string): Promise<number>;
  close(): Promise<void>;
}
