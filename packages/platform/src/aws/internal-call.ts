import type { IncomingMessage } from "node:http";
import { newRequestId } from "../core/ids.js";
import type { AwsRequest, CallerIdentity } from "./http-types.js";

const EMPTY_BODY = Buffer.alloc(0);

/**
 * One in-process API call from a trusted part of the platform (`FrontDoor.call`): what a client
 * would send, without the socket or a signature.
 */
export interface InternalCall {
  method: string;
  /** Path with an optional `?query`, as a client would send it (percent-encoded). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The SigV4 signing name a client would use: picks REST services sharing a prefix, and `s3`. */
  signingService?: string;
  /** X-Amz-Target of an awsJson operation (`AmazonSQS.CreateQueue`). */
  target?: string;
  caller: Pick<CallerIdentity, "region" | "accountId">;
  /** The origin links in the answer should use (queue URLs, code locations). */
  origin?: string;
}

/** The request an HTTP client would have made for `input`, as the front door parses it. */
export function internalRequest(input: InternalCall): AwsRequest {
  const q = input.path.indexOf("?");
  const rawPath = q === -1 ? input.path : input.path.slice(0, q);
  const rawQuery = q === -1 ? "" : input.path.slice(q + 1);
  const origin = input.origin ?? "http://localhost";
  const host = origin.replace(/^https?:\/\//, "");
  const headers: IncomingMessage["headers"] = { host, ...lowerCaseKeys(input.headers ?? {}) };
  if (input.target) headers["x-amz-target"] = input.target;
  return {
    requestId: newRequestId(),
    method: input.method,
    rawPath,
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers,
    body: input.body === undefined ? EMPTY_BODY : Buffer.from(input.body),
    hostname: host.replace(/:\d+$/, ""),
    origin,
    caller: { ...input.caller, accessKeyId: undefined, signingService: input.signingService },
  };
}

/** The request of an in-process awsQuery call: its parameters travel apart, as `QueryParams`. */
export function internalQueryRequest(
  signingService: string,
  caller: Pick<CallerIdentity, "region" | "accountId">,
  origin: string,
): AwsRequest {
  return {
    requestId: newRequestId(),
    method: "POST",
    rawPath: "/",
    query: new URLSearchParams(),
    rawQuery: "",
    headers: { host: "localhost" },
    body: EMPTY_BODY,
    hostname: "localhost",
    origin,
    caller: { ...caller, accessKeyId: undefined, signingService },
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
