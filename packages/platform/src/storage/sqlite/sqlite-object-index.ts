import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import { openDatabase } from "./open-database.js";

/**
 * The key index of buckets (docs/buckets.md): buckets, object rows (size, ETag, content type,
 * metadata, where the bytes are), multipart uploads and parts, and the notification outbox. The
 * bytes themselves live in an ObjectStore. An object row and the notifications its write causes
 * are committed in one transaction, so an acknowledged write never loses its notification.
 * Keys sort in SQLite's BINARY collation, which is the UTF-8 byte order S3 lists in.
 */

export interface BucketRecord {
  name: string;
  region: string;
  createdAt: number;
  /** The notification configuration (JSON of the parsed shape), if one is set. */
  notification: string | undefined;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  blobId: string;
  sizeBytes: number;
  /** Quoted, as S3 sends it (`"<md5>"` or `"<md5>-<parts>"`). */
  etag: string;
  contentType: string;
  /** Stored representation headers (cache-control, content-disposition, ...). */
  headers: Record<string, string>;
  /** x-amz-meta-* values, by lower-case name without the prefix. */
  userMetadata: Record<string, string>;
  lastModified: number;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedAt: number;
  contentType: string;
  headers: Record<string, string>;
  userMetadata: Record<string, string>;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blobId: string;
  sizeBytes: number;
  etag: string;
  lastModified: number;
}

/** A notification waiting for delivery to its destination ARN. */
export interface OutboxMessage {
  id: number;
  targetArn: string;
  body: string;
  attempts: number;
  nextAt: number;
}

export type NewOutboxMessage = Pick<OutboxMessage, "targetArn" | "body">;

interface ObjectRow {
  bucket: string;
  key: string;
  blob_id: string;
  size: number;
  etag: string;
  content_type: string;
  headers: string;
  user_meta: string;
  last_modified: number;
}

/** SQLite implementation of the object key index, in its own database file. */
export class SqliteObjectIndex {
  private readonly db: Database.Database;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = openDatabase(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS buckets (
        name TEXT PRIMARY KEY, region TEXT NOT NULL, created_at INTEGER NOT NULL, notification TEXT);
      CREATE TABLE IF NOT EXISTS objects (
        bucket TEXT NOT NULL, key TEXT NOT NULL, blob_id TEXT NOT NULL, size INTEGER NOT NULL,
        etag TEXT NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL, user_meta TEXT NOT NULL,
        last_modified INTEGER NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS uploads (
        upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated_at INTEGER NOT NULL,
        content_type TEXT NOT NULL, headers TEXT NOT NULL, user_meta TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS uploads_by_bucket ON uploads (bucket, key, initiated_at);
      CREATE TABLE IF NOT EXISTS parts (
        upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, blob_id TEXT NOT NULL, size INTEGER NOT NULL,
        etag TEXT NOT NULL, last_modified INTEGER NOT NULL, PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, target_arn TEXT NOT NULL, body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL);
    `);
  }

  createBucket(bucket: BucketRecord): boolean {
    const result = this.db
      .prepare("INSERT OR IGNORE INTO buckets (name, region, created_at, notification) VALUES (?, ?, ?, ?)")
      .run(bucket.name, bucket.region, bucket.createdAt, bucket.notification ?? null);
    return result.changes === 1;
  }

  getBucket(name: string): BucketRecord | undefined {
    const row = this.db.prepare("SELECT * FROM buckets WHERE name = ?").get(name) as
      | { name: string; region: string; created_at: number; notification: string | null }
      | undefined;
    return row && toBucket(row);
  }

  listBuckets(): BucketRecord[] {
    const rows = this.db.prepare("SELECT * FROM buckets ORDER BY name").all() as {
      name: string;
      region: string;
      created_at: number;
      notification: string | null;
    }[];
    return rows.map(toBucket);
  }

  /** Deletes an empty bucket with its unfinished uploads; returns the part blobs to delete. */
  deleteBucket(name: string): "missing" | "not-empty" | string[] {
    return this.db.transaction(() => {
      if (!this.getBucket(name)) return "missing";
      if (this.db.prepare("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1").get(name)) return "not-empty";
      const blobs = this.db
        .prepare(
          "SELECT p.blob_id AS id FROM parts p JOIN uploads u ON u.upload_id = p.upload_id WHERE u.bucket = ?",
        )
        .all(name) as { id: string }[];
      this.db
        .prepare("DELETE FROM parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE bucket = ?)")
        .run(name);
      this.db.prepare("DELETE FROM uploads WHERE bucket = ?").run(name);
      this.db.prepare("DELETE FROM buckets WHERE name = ?").run(name);
      return blobs.map((b) => b.id);
    })();
  }

  setNotification(name: string, notification: string | undefined): void {
    this.db.prepare("UPDATE buckets SET notification = ? WHERE name = ?").run(notification ?? null, name);
  }

  /** Writes the row and its notifications in one transaction; returns the replaced bytes' id. */
  putObject(record: ObjectRecord, outbox: NewOutboxMessage[], now: number): string | undefined {
    return this.db.transaction(() => {
      const previous = this.getObject(record.bucket, record.key);
      this.db
        .prepare(
          `INSERT OR REPLACE INTO objects (bucket, key, blob_id, size, etag, content_type, headers, user_meta, last_modified)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.bucket,
          record.key,
          record.blobId,
          record.sizeBytes,
          record.etag,
          record.contentType,
          JSON.stringify(record.headers),
          JSON.stringify(record.userMetadata),
          record.lastModified,
        );
      this.enqueue(outbox, now);
      return previous && previous.blobId !== record.blobId ? previous.blobId : undefined;
    })();
  }

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.db.prepare("SELECT * FROM objects WHERE bucket = ? AND key = ?").get(bucket, key) as
      | ObjectRow
      | undefined;
    return row && toObject(row);
  }

  /** Deletes the row (with its notifications, only when it existed); returns its bytes' id. */
  deleteObject(bucket: string, key: string, outbox: NewOutboxMessage[], now: number): string | undefined {
    return this.db.transaction(() => {
      const previous = this.getObject(bucket, key);
      if (!previous) return undefined;
      this.db.prepare("DELETE FROM objects WHERE bucket = ? AND key = ?").run(bucket, key);
      this.enqueue(outbox, now);
      return previous.blobId;
    })();
  }

  /** Up to `limit` rows with key > `after` and key >= `from`, in key order. */
  scanObjects(bucket: string, from: string, after: string | undefined, limit: number): ObjectRecord[] {
    const rows = (
      after === undefined
        ? this.db
            .prepare("SELECT * FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?")
            .all(bucket, from, limit)
        : this.db
            .prepare("SELECT * FROM objects WHERE bucket = ? AND key >= ? AND key > ? ORDER BY key LIMIT ?")
            .all(bucket, from, after, limit)
    ) as ObjectRow[];
    return rows.map(toObject);
  }

  createUpload(upload: UploadRecord): void {
    this.db
      .prepare(
        "INSERT INTO uploads (upload_id, bucket, key, initiated_at, content_type, headers, user_meta) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        upload.uploadId,
        upload.bucket,
        upload.key,
        upload.initiatedAt,
        upload.contentType,
        JSON.stringify(upload.headers),
        JSON.stringify(upload.userMetadata),
      );
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const row = this.db.prepare("SELECT * FROM uploads WHERE upload_id = ?").get(uploadId) as
      | UploadRow
      | undefined;
    return row && toUpload(row);
  }

  listUploads(bucket: string): UploadRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM uploads WHERE bucket = ? ORDER BY key, initiated_at")
      .all(bucket) as UploadRow[];
    return rows.map(toUpload);
  }

  /** Stores a part (replacing one with the same number); returns the replaced bytes' id. */
  putPart(part: PartRecord): string | undefined {
    return this.db.transaction(() => {
      const previous = this.db
        .prepare("SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?")
        .get(part.uploadId, part.partNumber) as { blob_id: string } | undefined;
      this.db
        .prepare(
          "INSERT OR REPLACE INTO parts (upload_id, part_number, blob_id, size, etag, last_modified) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(part.uploadId, part.partNumber, part.blobId, part.sizeBytes, part.etag, part.lastModified);
      return previous?.blob_id;
    })();
  }

  listParts(uploadId: string): PartRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number")
      .all(uploadId) as {
      upload_id: string;
      part_number: number;
      blob_id: string;
      size: number;
      etag: string;
      last_modified: number;
    }[];
    return rows.map((r) => ({
      uploadId: r.upload_id,
      partNumber: r.part_number,
      blobId: r.blob_id,
      sizeBytes: r.size,
      etag: r.etag,
      lastModified: r.last_modified,
    }));
  }

  /**
   * Ends an upload: removes it and its parts, and (completion) writes the object row with its
   * notifications, all in one transaction. Returns the blob ids no row refers to any more.
   */
  finishUpload(uploadId: string, object: ObjectRecord | undefined, outbox: NewOutboxMessage[], now: number) {
    return this.db.transaction((): string[] | undefined => {
      if (!this.getUpload(uploadId)) return undefined;
      const garbage = this.listParts(uploadId).map((p) => p.blobId);
      this.db.prepare("DELETE FROM parts WHERE upload_id = ?").run(uploadId);
      this.db.prepare("DELETE FROM uploads WHERE upload_id = ?").run(uploadId);
      if (object) {
        const replaced = this.putObject(object, outbox, now);
        if (replaced) garbage.push(replaced);
      }
      return garbage;
    })();
  }

  /** Every blob id a row refers to (start-up removes the others: writes a crash left behind). */
  referencedBlobs(): Set<string> {
    const rows = this.db
      .prepare("SELECT blob_id AS id FROM objects UNION SELECT blob_id AS id FROM parts")
      .all() as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  dueNotifications(now: number, limit: number): OutboxMessage[] {
    const rows = this.db
      .prepare("SELECT * FROM outbox WHERE next_at <= ? ORDER BY id LIMIT ?")
      .all(now, limit) as {
      id: number;
      target_arn: string;
      body: string;
      attempts: number;
      next_at: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      targetArn: r.target_arn,
      body: r.body,
      attempts: r.attempts,
      nextAt: r.next_at,
    }));
  }

  /** Earliest next_at of pending notifications, for the delivery timer. */
  nextNotificationAt(): number | undefined {
    const row = this.db.prepare("SELECT MIN(next_at) AS at FROM outbox").get() as { at: number | null };
    return row.at ?? undefined;
  }

  pendingNotifications(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
  }

  /** Adds notifications outside an object write (the s3:TestEvent). */
  enqueueNotifications(outbox: NewOutboxMessage[], now: number): void {
    this.db.transaction(() => this.enqueue(outbox, now))();
  }

  removeNotification(id: number): void {
    this.db.prepare("DELETE FROM outbox WHERE id = ?").run(id);
  }

  retryNotification(id: number, nextAt: number): void {
    this.db.prepare("UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ?").run(nextAt, id);
  }

  close(): void {
    this.db.close();
  }

  private enqueue(outbox: NewOutboxMessage[], now: number): void {
    const insert = this.db.prepare("INSERT INTO outbox (target_arn, body, next_at) VALUES (?, ?, ?)");
    for (const message of outbox) insert.run(message.targetArn, message.body, now);
  }
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated_at: number;
  content_type: string;
  headers: string;
  user_meta: string;
}

function toBucket(row: { name: string; region: string; created_at: number; notification: string | null }) {
  return {
    name: row.name,
    region: row.region,
    createdAt: row.created_at,
    notification: row.notification ?? undefined,
  };
}

function toObject(row: ObjectRow): ObjectRecord {
  return {
    bucket: row.bucket,
    key: row.key,
    blobId: row.blob_id,
    sizeBytes: row.size,
    etag: row.etag,
    contentType: row.content_type,
    headers: JSON.parse(row.headers) as Record<string, string>,
    userMetadata: JSON.parse(row.user_meta) as Record<string, string>,
    lastModified: row.last_modified,
  };
}

function toUpload(row: UploadRow): UploadRecord {
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiatedAt: row.initiated_at,
    contentType: row.content_type,
    headers: JSON.parse(row.headers) as Record<string, string>,
    userMetadata: JSON.parse(row.user_meta) as Record<string, string>,
  };
}
