import type { Readable } from "node:stream";
import type { Clock } from "../core/clock.js";
import type { ByteRange, ObjectStore, StoredObjectBytes } from "../storage/object-store.js";
import type {
  BucketRecord,
  NewOutboxMessage,
  ObjectRecord,
  SqliteObjectIndex,
} from "../storage/sqlite/sqlite-object-index.js";
import { validateBucketName } from "./bucket-name.js";
import { noSuchBucket, noSuchKey, s3Error } from "./errors.js";
import { type ListKeysOptions, type ListKeysResult, listKeys } from "./list-keys.js";
import type { NotificationRule } from "./notification-config.js";
import { type EventContext, type EventObject, notificationsFor } from "./notification-events.js";

/** What the client claimed about a body, checked once it has been stored. */
export interface BodyChecks {
  /** Content-MD5 (base64). */
  contentMd5?: string | undefined;
  /** x-amz-content-sha256 when it is a hex digest. */
  sha256Hex?: string | undefined;
  /** Compute the body's SHA-256 even without `sha256Hex` (a checksum header or trailer needs it). */
  needSha256?: boolean | undefined;
  /** Compute the body's CRC32 (an x-amz-checksum-crc32 header or trailer needs it). */
  needCrc32?: boolean | undefined;
}

/** The representation of an object as written: type, stored headers, user metadata. */
export interface ObjectAttributes {
  contentType: string;
  headers: Record<string, string>;
  userMetadata: Record<string, string>;
}

const MAX_KEY_BYTES = 1024;

/**
 * Buckets and whole objects: the domain behind the S3 API (multipart lives in
 * MultipartService). Bytes go to the ObjectStore first; the index row and the notifications
 * the write causes are committed together afterwards, and only then is the write acknowledged.
 */
export class ObjectService {
  private sequence = 0;

  constructor(
    readonly index: SqliteObjectIndex,
    readonly store: ObjectStore,
    private readonly clock: Clock,
    /** Called after notifications were committed, to deliver them. */
    private readonly notified: () => void,
  ) {}

  createBucket(name: string, region: string): void {
    validateBucketName(name);
    const created = this.index.createBucket({
      name,
      region,
      createdAt: this.clock.now(),
      notification: undefined,
    });
    if (!created) {
      throw s3Error(
        "bucketOwned",
        "Your previous request to create the named bucket succeeded and you already own it.",
        { BucketName: name },
      );
    }
  }

  bucket(name: string): BucketRecord {
    const bucket = this.index.getBucket(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  async deleteBucket(name: string): Promise<void> {
    const outcome = this.index.deleteBucket(name);
    if (outcome === "missing") throw noSuchBucket(name);
    if (outcome === "not-empty") {
      throw s3Error("bucketNotEmpty", "The bucket you tried to delete is not empty", { BucketName: name });
    }
    await Promise.all(outcome.map((id) => this.store.delete(id)));
  }

  /** The bucket's notification rules. */
  rules(bucket: BucketRecord): NotificationRule[] {
    return bucket.notification ? (JSON.parse(bucket.notification) as NotificationRule[]) : [];
  }

  /**
   * Streams `body` to storage and checks it: Content-MD5 (BadDigest), x-amz-content-sha256
   * (XAmzContentSHA256Mismatch). Bytes that fail a check are deleted before the error.
   */
  async ingest(body: AsyncIterable<Buffer>, checks: BodyChecks): Promise<StoredObjectBytes> {
    let expectedMd5: string | undefined;
    if (checks.contentMd5 !== undefined) {
      const decoded = Buffer.from(checks.contentMd5, "base64");
      if (decoded.length !== 16 || decoded.toString("base64") !== checks.contentMd5.trim()) {
        throw s3Error("invalidDigest", "The Content-MD5 you specified was invalid.", {
          "Content-MD5": checks.contentMd5,
        });
      }
      expectedMd5 = decoded.toString("hex");
    }
    const stored = await this.store.write(body, {
      sha256: checks.sha256Hex !== undefined || checks.needSha256 === true,
      crc32: checks.needCrc32 === true,
    });
    if (expectedMd5 !== undefined && expectedMd5 !== stored.md5Hex) {
      await this.store.delete(stored.id);
      throw s3Error("badDigest", "The Content-MD5 you specified did not match what we received.", {
        ExpectedDigest: checks.contentMd5 ?? "",
        CalculatedDigest: Buffer.from(stored.md5Hex, "hex").toString("base64"),
      });
    }
    if (checks.sha256Hex !== undefined && checks.sha256Hex !== stored.sha256Hex) {
      await this.store.delete(stored.id);
      throw s3Error(
        "contentSha256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: checks.sha256Hex,
          S3ComputedContentSHA256: stored.sha256Hex ?? "",
        },
      );
    }
    return stored;
  }

  /** Indexes stored bytes as `bucket/key`, with the event it causes; deletes replaced bytes. */
  async commitObject(
    bucket: string,
    key: string,
    stored: { id: string; sizeBytes: number; etag: string },
    attributes: ObjectAttributes,
    eventName: string,
    context: EventContext,
  ): Promise<ObjectRecord> {
    const record: ObjectRecord = {
      bucket,
      key,
      blobId: stored.id,
      sizeBytes: stored.sizeBytes,
      etag: stored.etag,
      contentType: attributes.contentType,
      headers: attributes.headers,
      userMetadata: attributes.userMetadata,
      lastModified: context.time,
    };
    let replaced: string | undefined;
    try {
      // The bucket may have gone while the body streamed.
      const outbox = this.events(
        this.bucket(bucket),
        eventName,
        {
          key,
          sizeBytes: stored.sizeBytes,
          etag: stored.etag.replace(/"/g, ""),
          sequencer: this.sequencer(),
        },
        context,
      );
      replaced = this.index.putObject(record, outbox, context.time);
      if (outbox.length > 0) this.notified();
    } catch (error) {
      await this.store.delete(stored.id);
      throw error;
    }
    if (replaced) await this.store.delete(replaced);
    return record;
  }

  /** Completes a multipart upload: the object row replaces the upload and its parts at once. */
  async commitUpload(uploadId: string, record: ObjectRecord, context: EventContext): Promise<ObjectRecord> {
    let garbage: string[] | undefined;
    try {
      const outbox = this.events(
        this.bucket(record.bucket),
        "ObjectCreated:CompleteMultipartUpload",
        {
          key: record.key,
          sizeBytes: record.sizeBytes,
          etag: record.etag.replace(/"/g, ""),
          sequencer: this.sequencer(),
        },
        context,
      );
      garbage = this.index.finishUpload(uploadId, record, outbox, context.time);
      if (garbage && outbox.length > 0) this.notified();
    } catch (error) {
      await this.store.delete(record.blobId);
      throw error;
    }
    if (!garbage) {
      await this.store.delete(record.blobId);
      throw s3Error(
        "noSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        { UploadId: uploadId },
      );
    }
    await Promise.all(garbage.map((id) => this.store.delete(id)));
    return record;
  }

  head(bucket: string, key: string): ObjectRecord {
    this.bucket(bucket);
    const record = this.index.getObject(bucket, key);
    if (!record) throw noSuchKey(key);
    return record;
  }

  async open(record: ObjectRecord, range?: ByteRange): Promise<Readable> {
    const stream = await this.store.open(record.blobId, range);
    if (!stream) throw noSuchKey(record.key);
    return stream;
  }

  /** Deletes the key (absent keys are not an error); returns whether it existed. */
  async deleteObject(bucket: string, key: string, context: EventContext): Promise<boolean> {
    const outbox = this.events(
      this.bucket(bucket),
      "ObjectRemoved:Delete",
      { key, sequencer: this.sequencer() },
      context,
    );
    const blob = this.index.deleteObject(bucket, key, outbox, context.time);
    if (blob === undefined) return false;
    if (outbox.length > 0) this.notified();
    await this.store.delete(blob);
    return true;
  }

  list(bucket: string, options: ListKeysOptions): ListKeysResult {
    this.bucket(bucket);
    return listKeys((from, after, limit) => this.index.scanObjects(bucket, from, after, limit), options);
  }

  private events(
    bucket: BucketRecord,
    eventName: string,
    object: EventObject,
    context: EventContext,
  ): NewOutboxMessage[] {
    const rules = this.rules(bucket);
    return rules.length === 0 ? [] : notificationsFor(bucket.name, rules, eventName, object, context);
  }

  /** Hex, increasing with every write of this server (time first, then a counter). */
  private sequencer(): string {
    this.sequence = (this.sequence + 1) % 65536;
    return (BigInt(this.clock.now()) * 65536n + BigInt(this.sequence))
      .toString(16)
      .toUpperCase()
      .padStart(18, "0");
  }
}

/** Refuses keys S3 refuses: empty or longer than 1024 UTF-8 bytes. */
export function validateKey(key: string): void {
  if (key.length === 0) throw s3Error("invalidArgument", "Object key must not be empty.");
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw s3Error("keyTooLong", "Your key is too long", { MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
}
