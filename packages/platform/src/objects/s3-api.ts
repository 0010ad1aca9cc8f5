import { randomBytes } from "node:crypto";
import { toWireError } from "../aws/aws-errors.js";
import { type AwsRequest, type HttpResult, header } from "../aws/http-types.js";
import type { Clock } from "../core/clock.js";
import { isPlatformError } from "../core/errors.js";
import { notImplemented, s3Error } from "./errors.js";
import type { MultipartService } from "./multipart-service.js";
import type { EventContext } from "./notification-events.js";
import type { ObjectService } from "./object-service.js";
import { s3Address, virtualHostBucket } from "./s3-addressing.js";
import * as bucketApi from "./s3-bucket-api.js";
import * as multipartApi from "./s3-multipart-api.js";
import * as objectApi from "./s3-object-api.js";
import { toXml } from "./xml.js";

/** Bucket sub-resources Nimbus does not implement: refused by name, never silently accepted. */
const UNSUPPORTED_BUCKET = [
  "accelerate",
  "analytics",
  "cors",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "lifecycle",
  "logging",
  "metadataConfiguration",
  "metrics",
  "object-lock",
  "ownershipControls",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "tagging",
  "versions",
  "website",
];
const UNSUPPORTED_OBJECT = [
  "tagging",
  "retention",
  "legal-hold",
  "torrent",
  "restore",
  "select",
  "attributes",
  "renameObject",
];

/** Verifies one chunk signature of a signed streaming upload; throws on a mismatch. */
export type ChunkCheck = (signature: string, chunkSha256Hex: string) => void;

export interface S3ApiDeps {
  objects: ObjectService;
  multipart: MultipartService;
  bucket: bucketApi.BucketApiDeps;
  clock: Clock;
  ownerId: string;
  /** Resolves once start-up cleanup is done; requests wait for it. */
  ready?: Promise<void>;
}

/**
 * The S3 REST API (restXml): picks the operation by method, bucket/key and sub-resource markers,
 * runs it with the request body as a stream, and answers S3's XML (errors included) with
 * `x-amz-request-id` and `x-amz-id-2` on every response.
 */
export class S3Api {
  constructor(private readonly deps: S3ApiDeps) {}

  /**
   * True for requests that are S3's: signed for `s3`, or unsigned to a virtual-hosted bucket
   * name, or unsigned and not claimed by another service (`unsignedFallback`).
   */
  claims(hostname: string, signingService: string | undefined, unsignedFallback: boolean): boolean {
    if (/(^|\.)(lambda-url|execute-api)\.|\.elb\.localhost$/.test(hostname)) return false;
    if (signingService !== undefined) return signingService === "s3";
    return virtualHostBucket(hostname) !== undefined || unsignedFallback;
  }

  async handle(
    req: AwsRequest,
    body: AsyncIterable<Buffer>,
    options: { checkChunk?: ChunkCheck | undefined } = {},
  ): Promise<HttpResult> {
    await this.deps.ready;
    // A presigned URL expires whether or not signatures are verified (auth off).
    checkPresignExpiry(req.query, this.deps.clock.now());
    const hostId = randomBytes(24).toString("base64");
    const result = await this.route(req, body, hostId, options.checkChunk);
    return {
      ...result,
      headers: { ...result.headers, "x-amz-request-id": req.requestId, "x-amz-id-2": hostId },
    };
  }

  /** The S3 `<Error>` document for anything thrown (HEAD: status only, as S3 answers). */
  errorResult(error: unknown, req: AwsRequest): HttpResult {
    const s3 = toS3Error(error);
    const hostId = randomBytes(24).toString("base64");
    const headers = {
      "x-amz-request-id": req.requestId,
      "x-amz-id-2": hostId,
      "content-type": "application/xml",
    };
    if (req.method === "HEAD") return { status: s3.status, headers };
    const extras = Object.entries(s3.details).map(([k, v]) => [k, String(v)] as const);
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${toXml([["Code", s3.name], ["Message", s3.message], ...extras, ["RequestId", req.requestId], ["HostId", hostId]])}</Error>`;
    return { status: s3.status, headers, body };
  }

  private async route(
    req: AwsRequest,
    body: AsyncIterable<Buffer>,
    hostId: string,
    checkChunk: ChunkCheck | undefined,
  ): Promise<HttpResult> {
    const { objects, multipart, ownerId } = this.deps;
    const { bucket, key } = s3Address(req.hostname, req.rawPath);
    const q = req.query;
    const m = req.method;
    const context = (): EventContext => ({
      requestId: req.requestId,
      hostId,
      sourceIp: req.sourceIp,
      principalId: `AWS:${req.caller.accessKeyId ?? "anonymous"}`,
      region: req.caller.region,
      time: this.deps.clock.now(),
    });
    if (bucket === undefined) {
      if (m === "GET") return bucketApi.listBuckets(this.deps.bucket);
      throw methodNotAllowed(m);
    }
    // Every bucket belongs to the one account: another expected owner is refused as S3 does.
    const expectedOwner = header(req.headers, "x-amz-expected-bucket-owner");
    if (expectedOwner !== undefined && expectedOwner !== req.caller.accountId) {
      throw s3Error("accessDenied", "Access Denied");
    }
    if (key === undefined) {
      if (m === "PUT" && header(req.headers, "x-amz-bucket-object-lock-enabled") === "true") {
        throw notImplemented("object lock");
      }
      const unsupported = UNSUPPORTED_BUCKET.find((name) => q.has(name));
      if (unsupported) throw notImplemented(`the bucket ${unsupported} configuration`);
      if (q.has("acl")) {
        if (m === "GET") return bucketApi.bucketAcl(this.deps.bucket, bucket);
        throw notImplemented("bucket ACL changes");
      }
      if (q.has("versioning")) {
        if (m === "GET") return bucketApi.bucketVersioning(this.deps.bucket, bucket);
        throw notImplemented("bucket versioning");
      }
      if (q.has("location") && m === "GET") return bucketApi.bucketLocation(this.deps.bucket, bucket);
      if (q.has("notification")) {
        if (m === "GET") return bucketApi.getNotification(this.deps.bucket, bucket);
        if (m === "PUT") return bucketApi.putNotification(this.deps.bucket, bucket, body);
      }
      if (q.has("uploads") && m === "GET") return multipartApi.listUploads(multipart, req, bucket, ownerId);
      if (q.has("delete") && m === "POST") return objectApi.deleteObjects(objects, bucket, body, context());
      switch (m) {
        case "PUT":
          return bucketApi.createBucket(this.deps.bucket, bucket, body);
        case "HEAD":
          return bucketApi.headBucket(this.deps.bucket, bucket);
        case "DELETE":
          return bucketApi.deleteBucket(this.deps.bucket, bucket);
        case "GET":
          return bucketApi.listObjects(this.deps.bucket, req, bucket);
        case "POST":
          throw notImplemented("browser-based POST uploads");
        default:
          throw methodNotAllowed(m);
      }
    }
    const unsupported = UNSUPPORTED_OBJECT.find((name) => q.has(name));
    if (unsupported) throw notImplemented(`object ${unsupported}`);
    if (q.has("acl")) {
      if (m === "GET") return multipartApi.objectAcl(objects, bucket, key, ownerId);
      throw notImplemented("object ACL changes");
    }
    if (q.has("uploads") && m === "POST") return multipartApi.createUpload(multipart, req, bucket, key);
    if (q.has("uploadId")) {
      if (m === "PUT" && q.has("partNumber"))
        return multipartApi.uploadPart(objects, multipart, req, bucket, key, body, checkChunk);
      if (m === "POST") return multipartApi.completeUpload(multipart, req, bucket, key, body, context());
      if (m === "DELETE") return multipartApi.abortUpload(multipart, req, bucket, key);
      if (m === "GET") return multipartApi.listParts(multipart, req, bucket, key, ownerId);
    }
    switch (m) {
      case "PUT":
        return header(req.headers, "x-amz-copy-source") !== undefined
          ? objectApi.copyObject(objects, req, bucket, key, context())
          : objectApi.putObject(objects, req, bucket, key, body, context(), checkChunk);
      case "GET":
      case "HEAD":
        return objectApi.getObject(objects, req, bucket, key);
      case "DELETE":
        return objectApi.deleteObject(objects, req, bucket, key, context());
      case "POST":
        throw notImplemented("this POST operation on an object");
      default:
        throw methodNotAllowed(m);
    }
  }
}

/** AccessDenied "Request has expired" past X-Amz-Date + X-Amz-Expires of a presigned URL. */
export function checkPresignExpiry(query: URLSearchParams, nowMs: number): void {
  const date = query.get("X-Amz-Date");
  const expires = query.get("X-Amz-Expires");
  if (date === null || expires === null || !query.has("X-Amz-Signature")) return;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m || !/^\d+$/.test(expires)) {
    throw s3Error(
      "accessDenied",
      "X-Amz-Date and X-Amz-Expires must be an ISO 8601 basic date and a number of seconds.",
    );
  }
  const signedAt = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  const expiresAt = signedAt + Number(expires) * 1000;
  if (nowMs > expiresAt) {
    throw s3Error("accessDenied", "Request has expired", {
      "X-Amz-Expires": expires,
      Expires: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
      ServerTime: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
  }
}

function methodNotAllowed(method: string) {
  return s3Error("methodNotAllowed", "The specified method is not allowed against this resource.", {
    Method: method,
    ResourceType: "OBJECT",
  });
}

/** Maps the shared auth errors to S3's names; everything else keeps its own. */
function toS3Error(error: unknown) {
  if (isPlatformError(error)) {
    if (error.code === "ERR_AWS_MISSING_AUTH")
      return { name: "AccessDenied", message: "Access Denied", status: 403, details: {} };
    if (error.code === "ERR_AWS_UNRECOGNIZED_CLIENT") {
      return {
        name: "InvalidAccessKeyId",
        message: "The AWS Access Key Id you provided does not exist in our records.",
        status: 403,
        details: {},
      };
    }
  }
  const wire = toWireError(error);
  return wire.status >= 500 && !isPlatformError(error)
    ? {
        name: "InternalError",
        message: "We encountered an internal error. Please try again.",
        status: 500,
        details: {},
      }
    : { name: wire.name, message: wire.message, status: wire.status, details: wire.details };
}
