import { PlatformError } from "../core/errors.js";

/** Stable codes of the objects area (docs/errors.md, "Buckets"), each with its S3 error code. */
export const OBJECT_ERRORS = {
  noSuchBucket: ["ERR_OBJECTS_NO_SUCH_BUCKET", "NoSuchBucket", 404],
  noSuchKey: ["ERR_OBJECTS_NO_SUCH_KEY", "NoSuchKey", 404],
  noSuchUpload: ["ERR_OBJECTS_NO_SUCH_UPLOAD", "NoSuchUpload", 404],
  bucketOwned: ["ERR_OBJECTS_BUCKET_ALREADY_OWNED", "BucketAlreadyOwnedByYou", 409],
  bucketNotEmpty: ["ERR_OBJECTS_BUCKET_NOT_EMPTY", "BucketNotEmpty", 409],
  invalidBucketName: ["ERR_OBJECTS_INVALID_BUCKET_NAME", "InvalidBucketName", 400],
  keyTooLong: ["ERR_OBJECTS_KEY_TOO_LONG", "KeyTooLongError", 400],
  badDigest: ["ERR_OBJECTS_BAD_DIGEST", "BadDigest", 400],
  invalidDigest: ["ERR_OBJECTS_INVALID_DIGEST", "InvalidDigest", 400],
  contentSha256Mismatch: ["ERR_OBJECTS_CONTENT_SHA256_MISMATCH", "XAmzContentSHA256Mismatch", 400],
  incompleteBody: ["ERR_OBJECTS_INCOMPLETE_BODY", "IncompleteBody", 400],
  invalidRange: ["ERR_OBJECTS_INVALID_RANGE", "InvalidRange", 416],
  preconditionFailed: ["ERR_OBJECTS_PRECONDITION_FAILED", "PreconditionFailed", 412],
  invalidPart: ["ERR_OBJECTS_INVALID_PART", "InvalidPart", 400],
  invalidPartOrder: ["ERR_OBJECTS_INVALID_PART_ORDER", "InvalidPartOrder", 400],
  entityTooSmall: ["ERR_OBJECTS_ENTITY_TOO_SMALL", "EntityTooSmall", 400],
  invalidArgument: ["ERR_OBJECTS_INVALID_ARGUMENT", "InvalidArgument", 400],
  invalidRequest: ["ERR_OBJECTS_INVALID_REQUEST", "InvalidRequest", 400],
  malformedXml: ["ERR_OBJECTS_MALFORMED_XML", "MalformedXML", 400],
  invalidChunk: ["ERR_OBJECTS_INVALID_CHUNK", "InvalidChunkSizeError", 400],
  accessDenied: ["ERR_OBJECTS_ACCESS_DENIED", "AccessDenied", 403],
  methodNotAllowed: ["ERR_OBJECTS_METHOD_NOT_ALLOWED", "MethodNotAllowed", 405],
  notImplemented: ["ERR_OBJECTS_NOT_IMPLEMENTED", "NotImplemented", 501],
} as const satisfies Record<string, readonly [string, string, number]>;

export type ObjectErrorName = keyof typeof OBJECT_ERRORS;

/**
 * An S3 error: `details` become extra elements of the `<Error>` document (`Key`, `BucketName`,
 * `Condition`...), as S3 sends them.
 */
export function s3Error(
  name: ObjectErrorName,
  message: string,
  details?: Record<string, string>,
): PlatformError {
  const [code, awsName, status] = OBJECT_ERRORS[name];
  return new PlatformError({ code, awsName, status, message, ...(details ? { details } : {}) });
}

export const noSuchBucket = (bucket: string) =>
  s3Error("noSuchBucket", "The specified bucket does not exist", { BucketName: bucket });

export const noSuchKey = (key: string) =>
  s3Error("noSuchKey", "The specified key does not exist.", { Key: key });

export const notImplemented = (feature: string) =>
  s3Error(
    "notImplemented",
    `A header or query you provided implies functionality that is not implemented: Nimbus does not support ${feature}.`,
  );
