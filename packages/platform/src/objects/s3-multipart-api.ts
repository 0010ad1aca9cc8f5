import { type AwsRequest, type HttpResult, header } from "../aws/http-types.js";
import { notImplemented, s3Error } from "./errors.js";
import type { MultipartService } from "./multipart-service.js";
import type { EventContext } from "./notification-events.js";
import type { ObjectService } from "./object-service.js";
import { validateKey } from "./object-service.js";
import { aclChildren } from "./s3-bucket-api.js";
import { attributesFrom, isoTime, readSmallBody, xmlResult } from "./s3-http.js";
import { checkChecksums, copySource, refuseUnsupportedWrites, uploadBody } from "./s3-object-api.js";
import { children, childText, parseXml, type XmlChildren } from "./xml.js";

export async function createUpload(
  multipart: MultipartService,
  req: AwsRequest,
  bucket: string,
  key: string,
): Promise<HttpResult> {
  validateKey(key);
  refuseUnsupportedWrites(req);
  const upload = multipart.create(bucket, key, attributesFrom(req.headers));
  return xmlResult("InitiateMultipartUploadResult", [
    ["Bucket", bucket],
    ["Key", key],
    ["UploadId", upload.uploadId],
  ]);
}

function partNumberOf(req: AwsRequest): number {
  const raw = req.query.get("partNumber") ?? "";
  if (!/^\d+$/.test(raw)) {
    throw s3Error("invalidArgument", "Part number must be an integer between 1 and 10000, inclusive", {
      ArgumentName: "partNumber",
      ArgumentValue: raw,
    });
  }
  return Number(raw);
}

export async function uploadPart(
  objects: ObjectService,
  multipart: MultipartService,
  req: AwsRequest,
  bucket: string,
  key: string,
  body: AsyncIterable<Buffer>,
  checkChunk?: (signature: string, chunkSha256Hex: string) => void,
): Promise<HttpResult> {
  const uploadId = req.query.get("uploadId") ?? "";
  const partNumber = partNumberOf(req);
  if (header(req.headers, "x-amz-copy-source") !== undefined) {
    const source = copySource(objects, req);
    const rangeHeader = header(req.headers, "x-amz-copy-source-range");
    let range: { start: number; end: number } | undefined;
    if (rangeHeader !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader);
      if (!m || Number(m[2]) < Number(m[1]) || Number(m[2]) >= source.sizeBytes) {
        throw s3Error(
          "invalidArgument",
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
          {
            ArgumentName: "x-amz-copy-source-range",
            ArgumentValue: rangeHeader,
          },
        );
      }
      range = { start: Number(m[1]), end: Number(m[2]) };
    }
    const part = await multipart.copyPart(bucket, key, uploadId, partNumber, source, range);
    return xmlResult("CopyPartResult", [
      ["LastModified", isoTime(part.lastModified)],
      ["ETag", part.etag],
    ]);
  }
  const upload = uploadBody(req, body, checkChunk);
  const part = await multipart.uploadPart(
    bucket,
    key,
    uploadId,
    partNumber,
    upload.payload,
    upload.checks,
    (stored) => {
      checkChecksums(req, upload.chunked, stored);
    },
  );
  return { status: 200, headers: { etag: part.etag } };
}

export async function completeUpload(
  multipart: MultipartService,
  req: AwsRequest,
  bucket: string,
  key: string,
  body: AsyncIterable<Buffer>,
  context: EventContext,
): Promise<HttpResult> {
  const uploadId = req.query.get("uploadId") ?? "";
  multipart.upload(bucket, key, uploadId);
  const doc = parseXml(await readSmallBody(body, 4 * 1024 * 1024));
  if (doc.name !== "CompleteMultipartUpload") {
    throw s3Error(
      "malformedXml",
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  }
  const parts = children(doc, "Part").map((p) => ({
    partNumber: Number(childText(p, "PartNumber") ?? "NaN"),
    etag: childText(p, "ETag") ?? "",
  }));
  const record = await multipart.complete(bucket, key, uploadId, parts, context);
  return xmlResult("CompleteMultipartUploadResult", [
    ["Location", `${req.origin}/${bucket}/${encodeURI(key)}`],
    ["Bucket", bucket],
    ["Key", key],
    ["ETag", record.etag],
  ]);
}

export async function abortUpload(
  multipart: MultipartService,
  req: AwsRequest,
  bucket: string,
  key: string,
): Promise<HttpResult> {
  await multipart.abort(bucket, key, req.query.get("uploadId") ?? "");
  return { status: 204 };
}

export function listParts(
  multipart: MultipartService,
  req: AwsRequest,
  bucket: string,
  key: string,
  ownerId: string,
): HttpResult {
  const uploadId = req.query.get("uploadId") ?? "";
  const marker = Number(req.query.get("part-number-marker") ?? "0") || 0;
  const maxParts = Math.min(1000, Number(req.query.get("max-parts") ?? "1000") || 1000);
  const all = multipart.parts(bucket, key, uploadId).filter((p) => p.partNumber > marker);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const owner: XmlChildren = [
    ["ID", ownerId],
    ["DisplayName", "nimbus"],
  ];
  return xmlResult("ListPartsResult", [
    ["Bucket", bucket],
    ["Key", key],
    ["UploadId", uploadId],
    ["Initiator", owner],
    ["Owner", owner],
    ["StorageClass", "STANDARD"],
    ["PartNumberMarker", marker],
    ["NextPartNumberMarker", page.at(-1)?.partNumber ?? marker],
    ["MaxParts", maxParts],
    ["IsTruncated", truncated],
    ...page.map(
      (p) =>
        [
          "Part",
          [
            ["PartNumber", p.partNumber],
            ["LastModified", isoTime(p.lastModified)],
            ["ETag", p.etag],
            ["Size", p.sizeBytes],
          ],
        ] as const,
    ),
  ]);
}

export function listUploads(
  multipart: MultipartService,
  req: AwsRequest,
  bucket: string,
  ownerId: string,
): HttpResult {
  const q = req.query;
  if (q.has("delimiter")) throw notImplemented("ListMultipartUploads with a delimiter");
  const prefix = q.get("prefix") ?? "";
  const keyMarker = q.get("key-marker") ?? "";
  const uploadIdMarker = q.get("upload-id-marker") ?? "";
  const maxRaw = q.get("max-uploads");
  if (maxRaw !== null && !/^\d+$/.test(maxRaw)) {
    throw s3Error("invalidArgument", "Provided max-uploads not an integer or within integer range", {
      ArgumentName: "max-uploads",
      ArgumentValue: maxRaw,
    });
  }
  const maxUploads = Math.min(1000, maxRaw === null ? 1000 : Number(maxRaw));
  // Ordered by key, then initiation; the markers resume after (key, upload id).
  const all = multipart
    .uploads(bucket)
    .filter((u) => u.key.startsWith(prefix))
    .filter(
      (u) =>
        keyMarker === "" ||
        u.key > keyMarker ||
        (u.key === keyMarker && uploadIdMarker !== "" && u.uploadId > uploadIdMarker),
    );
  const uploads = all.slice(0, maxUploads);
  const truncated = all.length > uploads.length;
  const last = uploads.at(-1);
  const owner: XmlChildren = [
    ["ID", ownerId],
    ["DisplayName", "nimbus"],
  ];
  return xmlResult("ListMultipartUploadsResult", [
    ["Bucket", bucket],
    ["KeyMarker", keyMarker],
    ["UploadIdMarker", uploadIdMarker],
    ["NextKeyMarker", truncated ? last?.key : undefined],
    ["NextUploadIdMarker", truncated ? last?.uploadId : undefined],
    ["Prefix", prefix],
    ["MaxUploads", maxUploads],
    ["IsTruncated", truncated],
    ...uploads.map(
      (u) =>
        [
          "Upload",
          [
            ["Key", u.key],
            ["UploadId", u.uploadId],
            ["Initiator", owner],
            ["Owner", owner],
            ["StorageClass", "STANDARD"],
            ["Initiated", isoTime(u.initiatedAt)],
          ],
        ] as const,
    ),
  ]);
}

/** GetObjectAcl's fixed answer: the owner has full control. */
export function objectAcl(objects: ObjectService, bucket: string, key: string, ownerId: string): HttpResult {
  objects.head(bucket, key);
  return xmlResult("AccessControlPolicy", aclChildren(ownerId));
}
