import type Database from "better-sqlite3";
import { MetadataConflictError } from "../errors.js";
import type { ListOptions, ListPage, MetadataStore, StoredDocument, WriteOp } from "../metadata-store.js";
import { openDatabase } from "./open-database.js";

interface Row {
  key: string;
  value: string;
  revision: number;
}

/** The embedded MetadataStore: one SQLite file (WAL). */
export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, revision INTEGER NOT NULL,
        PRIMARY KEY (kind, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.stmts = {
      get: this.db.prepare<[string, string], Row>(
        "SELECT key, value, revision FROM documents WHERE kind = ? AND key = ?",
      ),
      list: this.db.prepare<[string, string, string, string, number], Row>(
        "SELECT key, value, revision FROM documents WHERE kind = ? AND key > ? AND key >= ? AND key < ? ORDER BY key LIMIT ?",
      ),
      count: this.db.prepare<[string, string, string], { n: number }>(
        "SELECT COUNT(*) AS n FROM documents WHERE kind = ? AND key >= ? AND key < ?",
      ),
      revision: this.db.prepare<[string, string], { revision: number }>(
        "SELECT revision FROM documents WHERE kind = ? AND key = ?",
      ),
      upsert: this.db.prepare<[string, string, string, number]>(
        "INSERT INTO documents (kind, key, value, revision) VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, revision = excluded.revision",
      ),
      delete: this.db.prepare<[string, string]>("DELETE FROM documents WHERE kind = ? AND key = ?"),
      nextSeq: this.db.prepare<[string], { value: number }>(
        "INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
      ),
    };
  }

  async get<T>(kind: string, key: string): Promise<StoredDocument<T> | undefined> {
    const row = this.stmts.get.get(kind, key);
    return row ? { key: row.key, value: JSON.parse(row.value) as T, revision: row.revision } : undefined;
  }

  async list<T>(kind: string, options: ListOptions = {}): Promise<ListPage<T>> {
    const prefix = options.prefix ?? "";
    const limit = options.limit ?? 1000;
    const rows = this.stmts.list.all(kind, options.after ?? "", prefix, prefixEnd(prefix), limit + 1);
    const items = rows
      .slice(0, limit)
      .map((r) => ({ key: r.key, value: JSON.parse(r.value) as T, revision: r.revision }));
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextAfter: last.key } : { items };
  }

  async count(kind: string, prefix = ""): Promise<number> {
    return this.stmts.count.get(kind, prefix, prefixEnd(prefix))?.n ?? 0;
  }

  async write(ops: WriteOp[]): Promise<void> {
    this.db.transaction(() => {
      for (const op of ops) {
        const current = this.stmts.revision.get(op.kind, op.key)?.revision;
        if (op.op === "put") {
          if (op.expectRevision === "absent" && current !== undefined)
            throw new MetadataConflictError(op.kind, op.key);
          if (typeof op.expectRevision === "number" && current !== op.expectRevision) {
            throw new MetadataConflictError(op.kind, op.key);
          }
          this.stmts.upsert.run(op.kind, op.key, JSON.stringify(op.value), (current ?? 0) + 1);
        } else {
          if (op.expectRevision !== undefined && current !== op.expectRevision) {
            throw new MetadataConflictError(op.kind, op.key);
          }
          this.stmts.delete.run(op.kind, op.key);
        }
      }
    })();
  }

  async nextSequence(name: string): Promise<number> {
    const row = this.stmts.nextSeq.get(name);
    if (!row) throw new Error(`sequence ${name} returned no row`);
    return row.value;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix === "" ? "\u{10FFFF}" : `${prefix}\u{10FFFF}`;
}
