import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { ObjectRecord, PartRecord, UploadRecord } from "../storage/sqlite/sqlite-object-index.js";
import { s3Error } from "./errors.js";
import type { EventContext } from "./notification-events.js";
import type { BodyChecks, ObjectAttributes, ObjectService } from "./object-service.js";

/** Every part but the last must be at least 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

/**
 * Multipart uploads: parts are stored as separate bytes; completion checks the part list,
 * concatenates the parts into the object's bytes (streamed), and indexes the object with the
 * `<md5 of part md5s>-<count>` ETag.
 */
export class MultipartService {
  constructor(
    private readonly objects: ObjectService,
    private readonly clock: Clock,
  ) {}

  create(bucket: string, key: string, attributes: ObjectAttributes): UploadRecord {
    this.objects.bucket(bucket);
    const upload: UploadRecord = {
      uploadId: randomBytes(24).toString("base64url"),
      bucket,
      key,
      initiatedAt: this.clock.now(),
      ...attributes,
    };
    this.objects.index.createUpload(upload);
    return upload;
  }

  upload(bucket: string, key: string, uploadId: string): UploadRecord {
    this.objects.bucket(bucket);
    const upload = this.objects.index.getUpload(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: AsyncIterable<Buffer>,
    checks: BodyChecks,
    /** Checks of what only the finished body tells (trailing checksums); throws to refuse. */
    verify: (stored: { sha256Hex?: string | undefined; crc32?: number | undefined }) => void = () => {},
  ): Promise<PartRecord> {
    checkPartNumber(partNumber);
    this.upload(bucket, key, uploadId);
    const stored = await this.objects.ingest(body, checks);
    try {
      verify(stored);
    } catch (error) {
      await this.objects.store.delete(stored.id);
      throw error;
    }
    return this.storePart(uploadId, partNumber, stored.id, stored.sizeBytes, stored.md5Hex);
  }

  /** UploadPartCopy: the part's bytes come from an existing object (or a range of it). */
  async copyPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    source: ObjectRecord,
    range: { start: number; end: number } | undefined,
  ): Promise<PartRecord> {
    checkPartNumber(partNumber);
    this.upload(bucket, key, uploadId);
    const stored = await this.objects.store.write(await this.objects.open(source, range));
    return this.storePart(uploadId, partNumber, stored.id, stored.sizeBytes, stored.md5Hex);
  }

  async complete(
    bucket: string,
    key: string,
    uploadId: string,
    requested: { partNumber: number; etag: string }[],
    context: EventContext,
  ): Promise<ObjectRecord> {
    const upload = this.upload(bucket, key, uploadId);
    if (requested.length === 0) {
      throw s3Error(
        "malformedXml",
        "The XML you provided was not well-formed or did not validate against our published schema",
      );
    }
    const stored = new Map(this.objects.index.listParts(uploadId).map((p) => [p.partNumber, p]));
    const chosen: PartRecord[] = [];
    let previous = 0;
    for (const want of requested) {
      if (want.partNumber <= previous) {
        throw s3Error(
          "invalidPartOrder",
          "The list of parts was not in ascending order. Parts must be ordered by part number.",
          {
            UploadId: uploadId,
          },
        );
      }
      previous = want.partNumber;
      const part = stored.get(want.partNumber);
      if (!part || normalizeEtag(want.etag) !== normalizeEtag(part.etag)) {
        throw s3Error(
          "invalidPart",
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          { UploadId: uploadId, PartNumber: String(want.partNumber), ETag: want.etag },
        );
      }
      chosen.push(part);
    }
    for (const [i, part] of chosen.entries()) {
      if (i < chosen.length - 1 && part.sizeBytes < MIN_PART_BYTES) {
        throw s3Error(
          "entityTooSmall",
          "Your proposed upload is smaller than the minimum allowed object size.",
          {
            ProposedSize: String(part.sizeBytes),
            MinSizeAllowed: String(MIN_PART_BYTES),
            PartNumber: String(part.partNumber),
            ETag: part.etag,
          },
        );
      }
    }
    const digests = Buffer.concat(chosen.map((p) => Buffer.from(normalizeEtag(p.etag), "hex")));
    const etag = `"${createHash("md5").update(digests).digest("hex")}-${chosen.length}"`;
    const whole = await this.objects.store.concat(chosen.map((p) => p.blobId));
    const record: ObjectRecord = await this.objects.commitUpload(
      uploadId,
      {
        bucket,
        key,
        blobId: whole.id,
        sizeBytes: whole.sizeBytes,
        etag,
        ...attributesOf(upload),
        lastModified: context.time,
      },
      context,
    );
    return record;
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    this.upload(bucket, key, uploadId);
    const garbage = this.objects.index.finishUpload(uploadId, undefined, [], this.clock.now()) ?? [];
    await Promise.all(garbage.map((id) => this.objects.store.delete(id)));
  }

  parts(bucket: string, key: string, uploadId: string): PartRecord[] {
    this.upload(bucket, key, uploadId);
    return this.objects.index.listParts(uploadId);
  }

  uploads(bucket: string): UploadRecord[] {
    this.objects.bucket(bucket);
    return this.objects.index.listUploads(bucket);
  }

  private async storePart(
    uploadId: string,
    partNumber: number,
    id: string,
    sizeBytes: number,
    md5Hex: string,
  ) {
    const part: PartRecord = {
      uploadId,
      partNumber,
      blobId: id,
      sizeBytes,
      etag: `"${md5Hex}"`,
      lastModified: this.clock.now(),
    };
    // The upload may have been completed or aborted while this part streamed.
    if (!this.objects.index.getUpload(uploadId)) {
      await this.objects.store.delete(id);
      throw noSuchUpload(uploadId);
    }
    const replaced = this.objects.index.putPart(part);
    if (replaced) await this.objects.store.delete(replaced);
    return part;
  }
}

function attributesOf(upload: UploadRecord): ObjectAttributes {
  return { contentType: upload.contentType, headers: upload.headers, userMetadata: upload.userMetadata };
}

function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, "").toLowerCase();
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw s3Error("invalidArgument", "Part number must be an integer between 1 and 10000, inclusive", {
      ArgumentName: "partNumber",
      ArgumentValue: String(partNumber),
    });
  }
}

function noSuchUpload(uploadId: string) {
  return s3Error(
    "noSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    { UploadId: uploadId },
  );
}
