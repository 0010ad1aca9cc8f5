import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * AWS Signature Version 4 on the server side: read the credential scope of a request (header or
 * presigned query) and verify its signature against a secret. Mirrors what
 * `@smithy/signature-v4` (the AWS SDK v3 signer) and botocore compute.
 */

const ALGORITHM = "AWS4-HMAC-SHA256";
const TERMINATOR = "aws4_request";
const MAX_SKEW_MS = 5 * 60 * 1000;
/** Longest X-Amz-Expires AWS allows: 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Request headers as Node gives them (lower-case names; arrays for repeated headers). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Everything the signature of one request covers, as parsed from it. */
export interface SigV4Scope {
  accessKeyId: string;
  /** Credential scope date, `YYYYMMDD`. */
  date: string;
  region: string;
  service: string;
  /** Lower-case header names, in the order the client listed them. */
  signedHeaders: string[];
  /** 64 hex digits, as sent. */
  signature: string;
  /** `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`) from the header or the presigned query. */
  amzDate: string | undefined;
  /** True when the signature travels in the query string (presigned URL). */
  presigned: boolean;
  /** `X-Amz-Expires` in seconds; presigned only. */
  expiresSeconds: number | undefined;
  /** `X-Amz-Security-Token` (session credentials), when sent. */
  securityToken: string | undefined;
}

/** The request as it came off the wire. */
export interface SignedRequest {
  method: string;
  /** Path as on the wire, still percent-encoded, without the query string. */
  rawPath: string;
  /** Query string as on the wire (after `?`, without it), still percent-encoded. */
  rawQuery: string;
  headers: HeaderBag;
  /** The whole body; `undefined` counts as empty. */
  body: Buffer | undefined;
  /** Hex SHA-256 of the body when the caller already computed it (streamed bodies). */
  payloadHash?: string | undefined;
}

export type SigV4FailureReason =
  /** Recomputed signature differs: wrong secret, or anything signed was changed. */
  | "signature-mismatch"
  /** `x-amz-content-sha256` names a hash the body does not have. */
  | "payload-hash-mismatch"
  /** Request time more than 5 minutes from now, or a presigned URL past X-Amz-Expires. */
  | "expired"
  /** Missing or unreadable signing data (date, expiry, scope). */
  | "malformed";

export interface SigV4Failure {
  ok: false;
  reason: SigV4FailureReason;
  /** Stable platform error code (`ERR_AWS_...`). */
  code: string;
  /** The AWS error name to answer with (S3 uses its own names). */
  awsName: string;
  status: number;
  message: string;
}

export type VerifyResult = { ok: true } | SigV4Failure;

/**
 * Reads the SigV4 scope from the `Authorization` header or, failing that, from presigned query
 * parameters. Returns `undefined` when the request is not signed with AWS4-HMAC-SHA256 or the
 * signing data cannot be read (no credential, signed headers or signature).
 */
export function parseAuthorization(headers: HeaderBag, query: URLSearchParams): SigV4Scope | undefined {
  const authorization = headerValue(headers, "authorization");
  if (authorization !== undefined) return parseHeaderAuthorization(authorization, headers);
  if (query.get("X-Amz-Algorithm") !== ALGORITHM) return undefined;
  const credential = parseCredential(query.get("X-Amz-Credential") ?? "");
  const signedHeaders = query.get("X-Amz-SignedHeaders");
  const signature = query.get("X-Amz-Signature");
  if (!credential || !signedHeaders || !signature) return undefined;
  const expires = query.get("X-Amz-Expires");
  return {
    ...credential,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate: query.get("X-Amz-Date") ?? undefined,
    presigned: true,
    expiresSeconds: expires !== null && /^\d+$/.test(expires) ? Number(expires) : undefined,
    securityToken: query.get("X-Amz-Security-Token") ?? undefined,
  };
}

function parseHeaderAuthorization(authorization: string, headers: HeaderBag): SigV4Scope | undefined {
  const trimmed = authorization.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parseCredential(fields.get("Credential") ?? "");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) return undefined;
  return {
    ...credential,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate: headerValue(headers, "x-amz-date") ?? dateHeaderAsAmzDate(headers),
    presigned: false,
    expiresSeconds: undefined,
    securityToken: headerValue(headers, "x-amz-security-token"),
  };
}

function parseCredential(
  credential: string,
): Pick<SigV4Scope, "accessKeyId" | "date" | "region" | "service"> | undefined {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== TERMINATOR) return undefined;
  const [accessKeyId, date, region, service] = parts;
  if (!accessKeyId || !date || !region || !service) return undefined;
  return { accessKeyId, date, region, service };
}

/** SigV4 allows the HTTP `Date` header instead of X-Amz-Date; it is signed in basic ISO form. */
function dateHeaderAsAmzDate(headers: HeaderBag): string | undefined {
  const date = headerValue(headers, "date");
  if (date === undefined) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? undefined : formatAmzDate(ms);
}

/**
 * Recomputes the signature of `req` with `secretAccessKey` and compares it in constant time.
 * Checks the request time first: more than 5 minutes from `nowMs` (or, presigned, past
 * X-Amz-Expires) fails as `expired`.
 */
export function verifySignature(
  req: SignedRequest,
  scope: SigV4Scope,
  secretAccessKey: string,
  nowMs: number,
): VerifyResult {
  const s3 = scope.service === "s3";
  const amzDate = scope.amzDate;
  if (amzDate === undefined) {
    return malformed(
      s3,
      scope,
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const requestMs = parseAmzDate(amzDate);
  if (requestMs === undefined) {
    return malformed(s3, scope, `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  }
  if (amzDate.slice(0, 8) !== scope.date) {
    return malformed(
      s3,
      scope,
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  const timeFailure = scope.presigned
    ? checkPresignTime(s3, scope, amzDate, requestMs, nowMs)
    : checkSkew(s3, amzDate, requestMs, nowMs);
  if (timeFailure) return timeFailure;

  const headers = lowerCaseHeaders(req.headers);
  // Hashing a large body costs; only do it when the hash takes part.
  const bodyHash = () => req.payloadHash ?? sha256Hex(req.body ?? Buffer.alloc(0));
  const declared = headers.get("x-amz-content-sha256");
  // A declared hex hash is what gets signed, so it must also be the body's real hash.
  if (declared !== undefined && HEX_SHA256.test(declared) && declared !== bodyHash()) {
    return s3
      ? failure(
          "payload-hash-mismatch",
          "ERR_AWS_CONTENT_SHA256_MISMATCH",
          "XAmzContentSHA256Mismatch",
          400,
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
      : signatureMismatch(false, "payload-hash-mismatch");
  }
  // UNSIGNED-PAYLOAD and STREAMING-* are signed as the literal value. A presigned URL signs
  // what its signer chose: a hoisted X-Amz-Content-Sha256, UNSIGNED-PAYLOAD (S3 presigner) or
  // the body's hash (generic presign); each is a canonical request the signer really produced.
  const payloadHashes =
    declared !== undefined
      ? [declared]
      : scope.presigned
        ? unique([presignedPayloadHash(req.rawQuery), "UNSIGNED-PAYLOAD", bodyHash()])
        : [bodyHash()];

  const signingKey = deriveSigningKey(secretAccessKey, scope.date, scope.region, scope.service);
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/${TERMINATOR}`;
  for (const payloadHash of payloadHashes) {
    const canonical = canonicalRequest(req, scope, headers, payloadHash);
    if (canonical === undefined) break;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${credentialScope}\n${sha256Hex(canonical)}`;
    const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
    if (constantTimeEqual(expected, scope.signature)) return { ok: true };
  }
  return signatureMismatch(s3, "signature-mismatch");
}

/** Builds the canonical request; `undefined` when a signed header is absent or the query is unreadable. */
function canonicalRequest(
  req: SignedRequest,
  scope: SigV4Scope,
  headers: Map<string, string>,
  payloadHash: string,
): string | undefined {
  const query = canonicalQuery(req.rawQuery, scope.presigned);
  if (query === undefined) return undefined;
  const lines: string[] = [];
  for (const name of scope.signedHeaders) {
    const value = headers.get(name.toLowerCase());
    if (value === undefined) return undefined;
    lines.push(`${name}:${canonicalHeaderValue(value)}`);
  }
  const path = scope.service === "s3" ? req.rawPath || "/" : canonicalPathDoubleEncoded(req.rawPath);
  return [
    req.method.toUpperCase(),
    path,
    query,
    `${lines.join("\n")}\n`,
    scope.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/**
 * Non-S3 services: the SDK removes empty and dot segments from the (already encoded) path and
 * URI-encodes it again, so `%3A` is signed as `%253A`.
 */
export function canonicalPathDoubleEncoded(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const leading = rawPath.startsWith("/") ? "/" : "";
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return uriEncode(`${leading}${segments.join("/")}${trailing}`).replace(/%2F/g, "/");
}

/** Decodes the wire query, re-encodes keys and values per RFC 3986 and sorts them. */
export function canonicalQuery(rawQuery: string, presigned: boolean): string | undefined {
  const pairs: string[] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? "" : part.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey);
      value = decodeURIComponent(rawValue);
    } catch {
      return undefined;
    }
    if (presigned && key.toLowerCase() === "x-amz-signature") continue;
    pairs.push(`${uriEncode(key)}=${uriEncode(value)}`);
  }
  return pairs.sort(compareByKeyThenValue).join("&");
}

function compareByKeyThenValue(a: string, b: string): number {
  const [ak = "", av = ""] = splitOnce(a);
  const [bk = "", bv = ""] = splitOnce(b);
  if (ak !== bk) return ak < bk ? -1 : 1;
  if (av !== bv) return av < bv ? -1 : 1;
  return 0;
}

function splitOnce(pair: string): [string, string] {
  const eq = pair.indexOf("=");
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

/** RFC 3986 encoding: everything but `A-Z a-z 0-9 - _ . ~`. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Trims and collapses inner runs of spaces and tabs, as the SDK signer does. */
function canonicalHeaderValue(value: string): string {
  return value
    .replace(/[\r\n]/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/g, "");
}

/** The HMAC chain `"AWS4"+secret` -> date -> region -> service -> `aws4_request`. */
export function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Buffer {
  let key = Buffer.from(`AWS4${secretAccessKey}`, "utf8");
  for (const part of [date, region, service, TERMINATOR]) {
    key = createHmac("sha256", key).update(part, "utf8").digest();
  }
  return key;
}

/**
 * The chunk signatures of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` upload: each chunk signs
 * `AWS4-HMAC-SHA256-PAYLOAD`, the request date, the scope, the previous signature (the seed
 * signature of the headers for the first chunk), the empty hash and the chunk's SHA-256. Returns
 * a checker to call in order for every chunk, the final empty one included.
 */
export function chunkSignatureChain(
  scope: SigV4Scope,
  secretAccessKey: string,
): (signature: string, chunkSha256Hex: string) => VerifyResult {
  const signingKey = deriveSigningKey(secretAccessKey, scope.date, scope.region, scope.service);
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/${TERMINATOR}`;
  const emptyHash = sha256Hex("");
  let previous = scope.signature;
  return (signature, chunkSha256Hex) => {
    const stringToSign = [
      "AWS4-HMAC-SHA256-PAYLOAD",
      scope.amzDate ?? "",
      credentialScope,
      previous,
      emptyHash,
      chunkSha256Hex,
    ].join("\n");
    const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
    if (!constantTimeEqual(expected, signature))
      return signatureMismatch(scope.service === "s3", "signature-mismatch");
    previous = signature;
    return { ok: true };
  };
}

function checkSkew(s3: boolean, amzDate: string, requestMs: number, nowMs: number): SigV4Failure | undefined {
  if (Math.abs(nowMs - requestMs) <= MAX_SKEW_MS) return undefined;
  if (s3) {
    return failure(
      "expired",
      "ERR_AWS_INVALID_SIGNATURE",
      "RequestTimeTooSkewed",
      403,
      "The difference between the request time and the current time is too large.",
    );
  }
  const now = formatAmzDate(nowMs);
  const message =
    requestMs < nowMs
      ? `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - MAX_SKEW_MS)} (${now} - 5 min.)`
      : `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + MAX_SKEW_MS)} (${now} + 5 min.)`;
  return failure("expired", "ERR_AWS_INVALID_SIGNATURE", "InvalidSignatureException", 403, message);
}

function checkPresignTime(
  s3: boolean,
  scope: SigV4Scope,
  amzDate: string,
  requestMs: number,
  nowMs: number,
): SigV4Failure | undefined {
  const expires = scope.expiresSeconds;
  if (expires === undefined || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    return malformed(
      s3,
      scope,
      `X-Amz-Expires must be an integer between 1 and ${MAX_PRESIGN_SECONDS} (one week) seconds.`,
    );
  }
  if (requestMs - nowMs > MAX_SKEW_MS) return checkSkew(s3, amzDate, requestMs, nowMs);
  const expiresAtMs = requestMs + expires * 1000;
  if (nowMs <= expiresAtMs) return undefined;
  if (s3) return failure("expired", "ERR_AWS_INVALID_SIGNATURE", "AccessDenied", 403, "Request has expired");
  return failure(
    "expired",
    "ERR_AWS_INVALID_SIGNATURE",
    "InvalidSignatureException",
    403,
    `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - expires * 1000)} (${formatAmzDate(nowMs)} - ${expires} sec.)`,
  );
}

function signatureMismatch(s3: boolean, reason: SigV4FailureReason): SigV4Failure {
  return s3
    ? failure(
        reason,
        "ERR_AWS_INVALID_SIGNATURE",
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      )
    : failure(
        reason,
        "ERR_AWS_INVALID_SIGNATURE",
        "InvalidSignatureException",
        403,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      );
}

function malformed(s3: boolean, scope: SigV4Scope, message: string): SigV4Failure {
  const awsName = !s3
    ? "IncompleteSignatureException"
    : scope.presigned
      ? "AuthorizationQueryParametersError"
      : "AuthorizationHeaderMalformed";
  return failure("malformed", "ERR_AWS_INCOMPLETE_SIGNATURE", awsName, 400, message);
}

function failure(
  reason: SigV4FailureReason,
  code: string,
  awsName: string,
  status: number,
  message: string,
): SigV4Failure {
  return { ok: false, reason, code, awsName, status, message };
}

function presignedPayloadHash(rawQuery: string): string | undefined {
  // The SDK hoists the header into the query under the name it had, often lower-case.
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (key.toLowerCase() === "x-amz-content-sha256") return value;
  }
  return undefined;
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

function parseAmzDate(value: string): number | undefined {
  const match = AMZ_DATE.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  if (y === undefined || mo === undefined || d === undefined) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h ?? 0, mi ?? 0, s ?? 0);
  // Reject dates that roll over (month 13, Feb 30, hour 25): they would not format back.
  return formatAmzDate(ms) === value ? ms : undefined;
}

function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

function lowerCaseHeaders(headers: HeaderBag): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    map.set(name.toLowerCase(), typeof value === "string" ? value : value.join(","));
  }
  return map;
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function constantTimeEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(provided, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
