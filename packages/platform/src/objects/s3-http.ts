import type { IncomingHttpHeaders } from "node:http";
import { type AwsRequest, type HttpResult, header } from "../aws/http-types.js";
import type { ObjectRecord } from "../storage/sqlite/sqlite-object-index.js";
import { s3Error } from "./errors.js";
import type { ObjectAttributes } from "./object-service.js";
import { s3Document, type XmlChildren } from "./xml.js";

/** Representation headers S3 stores with an object and returns on GET/HEAD. */
export const STORED_HEADERS = [
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-language",
  "expires",
] as const;

/** An XML document answer. */
export function xmlResult(
  root: string,
  children: XmlChildren,
  status = 200,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    status,
    headers: { "content-type": "application/xml", ...headers },
    body: s3Document(root, children),
  };
}

/** Epoch ms as S3's XML timestamps (`2009-10-12T17:50:30.000Z`). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Epoch ms as an HTTP date (`Last-Modified`). */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * Content type, stored headers and x-amz-meta-* of a PutObject/CreateMultipartUpload/CopyObject
 * (REPLACE) request. `aws-chunked` is transfer framing, not a stored content encoding.
 */
export function attributesFrom(headers: IncomingHttpHeaders): ObjectAttributes {
  const stored: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = header(headers, name);
    if (name === "content-encoding" && value !== undefined) {
      value = value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "" && v !== "aws-chunked")
        .join(",");
    }
    if (value !== undefined && value !== "") stored[name] = value;
  }
  const userMetadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith("x-amz-meta-") || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    userMetadata[name.slice("x-amz-meta-".length)] = value;
    metadataBytes += name.length - "x-amz-meta-".length + value.length;
  }
  if (metadataBytes > 2048) {
    throw s3Error("invalidArgument", "Your metadata headers exceed the maximum allowed metadata size", {
      Size: String(metadataBytes),
      MaxSizeAllowed: "2048",
    });
  }
  return {
    contentType: header(headers, "content-type") ?? "binary/octet-stream",
    headers: stored,
    userMetadata,
  };
}

/** Headers describing a stored object (GET, HEAD). */
export function objectHeaders(record: ObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    etag: record.etag,
    "last-modified": httpDate(record.lastModified),
    "content-type": record.contentType,
    "accept-ranges": "bytes",
    ...record.headers,
  };
  for (const [name, value] of Object.entries(record.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** Sub-resource query markers (`?uploads`, `?notification`) present on the request. */
export function hasMarker(req: AwsRequest, name: string): boolean {
  return req.query.has(name);
}

/** Reads a small request document (XML configuration) from the streamed body. */
export async function readSmallBody(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      throw s3Error("malformedXml", "The XML you provided was too large.");
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Decodes a percent-encoded path part into a key or bucket name. */
export function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw s3Error("invalidArgument", `The path ${raw} is not valid percent-encoding.`);
  }
}
