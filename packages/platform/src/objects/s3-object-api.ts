import { type AwsRequest, type HttpResult, header } from "../aws/http-types.js";
import type { ObjectRecord } from "../storage/sqlite/sqlite-object-index.js";
import { type ChunkedResult, decodeAwsChunked } from "./aws-chunked.js";
import { notImplemented, s3Error } from "./errors.js";
import type { EventContext } from "./notification-events.js";
import type { BodyChecks, ObjectService } from "./object-service.js";
import { validateKey } from "./object-service.js";
import { parseRange } from "./range.js";
import {
  attributesFrom,
  decodePathPart,
  httpDate,
  isoTime,
  objectHeaders,
  readSmallBody,
  xmlResult,
} from "./s3-http.js";
import { child, children, childText, parseXml, type XmlChildren } from "./xml.js";

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const RESPONSE_OVERRIDES = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
] as const;

/** A request body as sent: raw, or with aws-chunked framing removed; plus what to check. */
export interface UploadBody {
  payload: AsyncIterable<Buffer>;
  checks: BodyChecks;
  /** Filled once the payload is consumed (trailing checksums of aws-chunked uploads). */
  chunked: ChunkedResult;
}

/** Reads the upload body of PutObject/UploadPart, decoding SigV4 streaming framing. */
export function uploadBody(
  req: AwsRequest,
  body: AsyncIterable<Buffer>,
  checkChunk?: (signature: string, chunkSha256Hex: string) => void,
): UploadBody {
  const sha = header(req.headers, "x-amz-content-sha256");
  const encoding = header(req.headers, "content-encoding") ?? "";
  const chunked: ChunkedResult = { trailers: {}, decodedBytes: 0 };
  const isChunked =
    sha?.startsWith("STREAMING-") === true || encoding.split(",").some((e) => e.trim() === "aws-chunked");
  if (
    sha?.startsWith("STREAMING-") &&
    !/^STREAMING-(UNSIGNED-PAYLOAD-TRAILER|AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)?)$/.test(sha)
  ) {
    throw notImplemented(`the payload signing mode ${sha}`);
  }
  const decoded = header(req.headers, "x-amz-decoded-content-length");
  const payload = isChunked
    ? decodeAwsChunked(body, chunked, {
        decodedLength: decoded === undefined ? undefined : Number(decoded),
        ...(checkChunk ? { checkChunk } : {}),
      })
    : body;
  return {
    payload,
    chunked,
    checks: {
      contentMd5: header(req.headers, "content-md5"),
      sha256Hex: sha !== undefined && HEX_SHA256.test(sha) ? sha : undefined,
      needSha256:
        header(req.headers, "x-amz-checksum-sha256") !== undefined ||
        /x-amz-checksum-sha256/i.test(header(req.headers, "x-amz-trailer") ?? ""),
      needCrc32:
        header(req.headers, "x-amz-checksum-crc32") !== undefined ||
        /x-amz-checksum-crc32(?!c)/i.test(header(req.headers, "x-amz-trailer") ?? ""),
    },
  };
}

/** Refuses request headers that ask for features Nimbus does not apply. */
export function refuseUnsupportedWrites(req: AwsRequest): void {
  const refused: [string, string][] = [
    ["x-amz-server-side-encryption-customer-algorithm", "server-side encryption with customer keys"],
    ["x-amz-object-lock-mode", "object lock"],
    ["x-amz-object-lock-legal-hold", "object lock"],
    ["x-amz-tagging", "object tagging"],
    ["x-amz-website-redirect-location", "website redirects"],
    ["x-amz-grant-read", "ACL grants"],
    ["x-amz-grant-full-control", "ACL grants"],
    ["x-amz-grant-read-acp", "ACL grants"],
    ["x-amz-grant-write-acp", "ACL grants"],
    ["if-none-match", "conditional writes"],
    ["if-match", "conditional writes"],
  ];
  for (const [name, feature] of refused)
    if (header(req.headers, name) !== undefined) throw notImplemented(feature);
  // SSE-S3 (AES256) is S3's default for every object since 2023, and what `aws cloudformation
  // package` asks for; Nimbus accepts it (the data dir's disk is the operator's to encrypt), and
  // refuses KMS, whose keys it does not have.
  const sse = header(req.headers, "x-amz-server-side-encryption");
  if (sse !== undefined && sse !== "AES256") throw notImplemented(`server-side encryption ${sse}`);
  const acl = header(req.headers, "x-amz-acl");
  if (acl !== undefined && acl !== "private" && acl !== "bucket-owner-full-control")
    throw notImplemented(`the canned ACL ${acl}`);
  const storageClass = header(req.headers, "x-amz-storage-class");
  if (storageClass !== undefined && storageClass !== "STANDARD")
    throw notImplemented(`the storage class ${storageClass}`);
}

/**
 * Checks x-amz-checksum-sha256 and x-amz-checksum-crc32 (header or aws-chunked trailer) against
 * what was computed while storing; returns the checksum headers to echo and keep. CRC32C and
 * SHA1 are neither checked nor echoed.
 */
export function checkChecksums(
  req: AwsRequest,
  chunked: ChunkedResult,
  stored: { sha256Hex?: string | undefined; crc32?: number | undefined },
): Record<string, string> {
  const claimed = (name: string) => header(req.headers, name) ?? chunked.trailers[name];
  const echo: Record<string, string> = {};
  const sha = claimed("x-amz-checksum-sha256");
  if (sha !== undefined) {
    if (stored.sha256Hex === undefined || Buffer.from(sha, "base64").toString("hex") !== stored.sha256Hex) {
      throw s3Error("badDigest", "The SHA256 you specified did not match the calculated checksum.");
    }
    echo["x-amz-checksum-sha256"] = Buffer.from(stored.sha256Hex, "hex").toString("base64");
  }
  const crc = claimed("x-amz-checksum-crc32");
  if (crc !== undefined) {
    const computed = Buffer.alloc(4);
    computed.writeUInt32BE(stored.crc32 ?? 0);
    if (stored.crc32 === undefined || computed.toString("base64") !== crc) {
      throw s3Error("badDigest", "The CRC32 you specified did not match the calculated checksum.");
    }
    echo["x-amz-checksum-crc32"] = computed.toString("base64");
  }
  return echo;
}

/** Checksum headers kept with an object (returned by GET/HEAD with x-amz-checksum-mode: ENABLED). */
export const CHECKSUM_HEADERS = ["x-amz-checksum-sha256", "x-amz-checksum-crc32"] as const;

export async function putObject(
  objects: ObjectService,
  req: AwsRequest,
  bucket: string,
  key: string,
  body: AsyncIterable<Buffer>,
  context: EventContext,
  checkChunk?: (signature: string, chunkSha256Hex: string) => void,
): Promise<HttpResult> {
  validateKey(key);
  refuseUnsupportedWrites(req);
  objects.bucket(bucket);
  const attributes = attributesFrom(req.headers);
  const upload = uploadBody(req, body, checkChunk);
  const stored = await objects.ingest(upload.payload, upload.checks);
  let checksums: Record<string, string>;
  try {
    checksums = checkChecksums(req, upload.chunked, stored);
  } catch (error) {
    await objects.store.delete(stored.id);
    throw error;
  }
  const record = await objects.commitObject(
    bucket,
    key,
    { id: stored.id, sizeBytes: stored.sizeBytes, etag: `"${stored.md5Hex}"` },
    { ...attributes, headers: { ...attributes.headers, ...checksums } },
    "ObjectCreated:Put",
    context,
  );
  return { status: 200, headers: { etag: record.etag, ...checksums } };
}

/** GetObject and HeadObject: conditional headers, ranges, response-* overrides, streamed body. */
export async function getObject(
  objects: ObjectService,
  req: AwsRequest,
  bucket: string,
  key: string,
): Promise<HttpResult> {
  if (req.query.has("partNumber")) throw notImplemented("GetObject by partNumber");
  if (req.query.has("versionId") && req.query.get("versionId") !== "null")
    throw notImplemented("object versions");
  const record = objects.head(bucket, key);
  const notModified = evaluateConditions(req, record);
  if (notModified) return notModified;
  const range = parseRange(header(req.headers, "range"), record.sizeBytes);
  const headers = objectHeaders(record);
  // Whole-object checksums: only when asked for, and never for a part of the object.
  if (range || header(req.headers, "x-amz-checksum-mode") !== "ENABLED") {
    for (const name of CHECKSUM_HEADERS) delete headers[name];
  }
  for (const [param, name] of RESPONSE_OVERRIDES) {
    const value = req.query.get(param);
    if (value !== null) headers[name] = value;
  }
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${record.sizeBytes}`;
    headers["content-length"] = String(range.end - range.start + 1);
  } else {
    headers["content-length"] = String(record.sizeBytes);
  }
  const status = range ? 206 : 200;
  if (req.method === "HEAD" || record.sizeBytes === 0) return { status, headers };
  return { status, headers, stream: await objects.open(record, range) };
}

/** RFC 7232 order as S3 applies it: If-Match/If-Unmodified-Since (412), then If-None-Match/If-Modified-Since (304). */
function evaluateConditions(req: AwsRequest, record: ObjectRecord): HttpResult | undefined {
  const ifMatch = header(req.headers, "if-match");
  const ifNoneMatch = header(req.headers, "if-none-match");
  const ifModifiedSince = header(req.headers, "if-modified-since");
  const ifUnmodifiedSince = header(req.headers, "if-unmodified-since");
  const modified = Math.floor(record.lastModified / 1000) * 1000;
  const failed = (condition: string) =>
    s3Error("preconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: condition,
    });
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, record.etag)) throw failed("If-Match");
  } else if (ifUnmodifiedSince !== undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && modified > since) throw failed("If-Unmodified-Since");
  }
  const notModified = (): HttpResult => ({
    status: 304,
    headers: { etag: record.etag, "last-modified": httpDate(record.lastModified) },
  });
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, record.etag)) return notModified();
  } else if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (!Number.isNaN(since) && modified <= since) return notModified();
  }
  return undefined;
}

function etagMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/"/g, "");
  return list.split(",").some((candidate) => {
    const c = candidate.trim().replace(/^W\//, "").replace(/"/g, "");
    return c === "*" || c === bare;
  });
}

export async function deleteObject(
  objects: ObjectService,
  req: AwsRequest,
  bucket: string,
  key: string,
  context: EventContext,
): Promise<HttpResult> {
  if (req.query.has("versionId") && req.query.get("versionId") !== "null")
    throw notImplemented("object versions");
  await objects.deleteObject(bucket, key, context);
  return { status: 204 };
}

/** DeleteObjects: up to 1000 keys, per-key results, Quiet mode reporting errors only. */
export async function deleteObjects(
  objects: ObjectService,
  bucket: string,
  body: AsyncIterable<Buffer>,
  context: EventContext,
): Promise<HttpResult> {
  objects.bucket(bucket);
  const doc = parseXml(await readSmallBody(body, 2 * 1024 * 1024));
  const entries = children(doc, "Object");
  if (doc.name !== "Delete" || entries.length === 0 || entries.length > 1000) {
    throw s3Error(
      "malformedXml",
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  }
  const quiet = childText(doc, "Quiet") === "true";
  const out: XmlChildren = [];
  for (const entry of entries) {
    const key = child(entry, "Key")?.text ?? "";
    try {
      const version = childText(entry, "VersionId");
      if (version !== undefined && version !== "null") throw notImplemented("object versions");
      validateKey(key);
      await objects.deleteObject(bucket, key, context);
      if (!quiet) out.push(["Deleted", [["Key", key]]]);
    } catch (error) {
      const e = error as { awsName?: string; message?: string };
      out.push([
        "Error",
        [
          ["Key", key],
          ["Code", e.awsName ?? "InternalError"],
          ["Message", e.message ?? "We encountered an internal error."],
        ],
      ]);
    }
  }
  return xmlResult("DeleteResult", out);
}

/** The source object of CopyObject/UploadPartCopy (`x-amz-copy-source`), with its conditions checked. */
export function copySource(objects: ObjectService, req: AwsRequest): ObjectRecord {
  const raw = header(req.headers, "x-amz-copy-source") ?? "";
  const q = raw.indexOf("?");
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/^\//, "");
  if (q !== -1) {
    const version = new URLSearchParams(raw.slice(q + 1)).get("versionId");
    if (version !== null && version !== "null") throw notImplemented("object versions");
  }
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) {
    throw s3Error(
      "invalidArgument",
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
      {
        ArgumentName: "x-amz-copy-source",
        ArgumentValue: raw,
      },
    );
  }
  const source = objects.head(decodePathPart(path.slice(0, slash)), decodePathPart(path.slice(slash + 1)));
  const condition = (name: string) => header(req.headers, `x-amz-copy-source-${name}`);
  const failed = (c: string) =>
    s3Error("preconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: c,
    });
  const modified = Math.floor(source.lastModified / 1000) * 1000;
  const ifMatch = condition("if-match");
  const ifNoneMatch = condition("if-none-match");
  const ifModified = condition("if-modified-since");
  const ifUnmodified = condition("if-unmodified-since");
  if (ifMatch !== undefined && !etagMatches(ifMatch, source.etag)) throw failed("x-amz-copy-source-If-Match");
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, source.etag))
    throw failed("x-amz-copy-source-If-None-Match");
  if (ifUnmodified !== undefined && modified > Date.parse(ifUnmodified))
    throw failed("x-amz-copy-source-If-Unmodified-Since");
  if (ifModified !== undefined && modified <= Date.parse(ifModified))
    throw failed("x-amz-copy-source-If-Modified-Since");
  return source;
}

export async function copyObject(
  objects: ObjectService,
  req: AwsRequest,
  bucket: string,
  key: string,
  context: EventContext,
): Promise<HttpResult> {
  validateKey(key);
  refuseUnsupportedWrites(req);
  objects.bucket(bucket);
  const source = copySource(objects, req);
  const directive = header(req.headers, "x-amz-metadata-directive") ?? "COPY";
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw s3Error("invalidArgument", "Unknown metadata directive.", {
      ArgumentName: "x-amz-metadata-directive",
      ArgumentValue: directive,
    });
  }
  if (source.bucket === bucket && source.key === key && directive === "COPY") {
    throw s3Error(
      "invalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const attributes =
    directive === "REPLACE"
      ? attributesFrom(req.headers)
      : { contentType: source.contentType, headers: source.headers, userMetadata: source.userMetadata };
  const stored = await objects.store.write(await objects.open(source));
  const record = await objects.commitObject(
    bucket,
    key,
    { id: stored.id, sizeBytes: stored.sizeBytes, etag: `"${stored.md5Hex}"` },
    attributes,
    "ObjectCreated:Copy",
    context,
  );
  return xmlResult("CopyObjectResult", [
    ["LastModified", isoTime(record.lastModified)],
    ["ETag", record.etag],
  ]);
}
