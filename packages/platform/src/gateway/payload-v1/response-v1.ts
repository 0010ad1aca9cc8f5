import { validateHeaderName, validateHeaderValue } from "node:http";
import type { InvokeResult } from "../../invoke/index.js";
import { isBinaryMediaType } from "./event-v1.js";

/** An HTTP answer of a payload 1.0 integration: header names as the function spelled them. */
export interface ResponseV1 {
  status: number;
  /** Each value its own header line. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export interface MappedResponseV1 {
  response: ResponseV1;
  /** Why the answer is a 502, for the server log; absent when the function's answer was used. */
  problem?: string;
}

export interface ResponseV1Options {
  /**
   * When `isBase64Encoded: true` is decoded to bytes: `"always"` (HTTP APIs) or an API's binary
   * media types (REST: the request's Accept or the response's Content-Type must match one).
   */
  binary: "always" | readonly string[];
  /** The request's Accept header (REST binary decision). */
  accept?: string | undefined;
  /** The 502 message: REST says `Internal server error`, HTTP APIs `Internal Server Error`. */
  internalErrorMessage?: string;
}

/** Headers Nimbus writes itself; a function's values would corrupt the framing. */
const FRAMING_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
]);

/**
 * Maps a Lambda proxy result (payload 1.0 response contract) to HTTP: `statusCode` required,
 * `body` a string, `headers` single and `multiValueHeaders` multi (the latter win for a name
 * both set), `isBase64Encoded` decoded per `options.binary`. A function error or a malformed
 * response is the 502 `{"message": "Internal server error"}` AWS answers.
 */
export function mapProxyResultV1(
  result: Pick<InvokeResult, "payload" | "functionError" | "errorType">,
  options: ResponseV1Options,
): MappedResponseV1 {
  const fail = (problem: string) => badGatewayV1(problem, options.internalErrorMessage);
  if (result.functionError !== undefined) {
    return fail(`the function failed with ${result.errorType ?? result.functionError}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(result.payload.toString("utf8"));
  } catch {
    return fail("the function's response is not JSON");
  }
  if (!isRecord(value)) return fail("Malformed Lambda proxy response: not a JSON object");
  const status = statusCodeOf(value.statusCode);
  if (status === undefined) {
    return fail(`Malformed Lambda proxy response: statusCode ${JSON.stringify(value.statusCode)}`);
  }
  const headers: Record<string, string[]> = {};
  const single = collectHeaders(value.headers, false, headers);
  if (single) return fail(single);
  const multi = collectHeaders(value.multiValueHeaders, true, headers);
  if (multi) return fail(multi);
  if (value.body !== undefined && value.body !== null && typeof value.body !== "string") {
    return fail("Malformed Lambda proxy response: body is not a string");
  }
  const text = typeof value.body === "string" ? value.body : "";
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["Content-Type"] = ["application/json"];
  }
  const decode =
    value.isBase64Encoded === true &&
    (options.binary === "always" ||
      isBinaryMediaType(firstAccept(options.accept), options.binary) ||
      isBinaryMediaType(headerValue(headers, "content-type"), options.binary));
  return { response: { status, headers, body: decode ? Buffer.from(text, "base64") : Buffer.from(text) } };
}

/** The 502 AWS answers when a proxy integration fails or answers something it cannot use. */
export function badGatewayV1(problem: string, message = "Internal server error"): MappedResponseV1 {
  return {
    response: {
      status: 502,
      headers: { "Content-Type": ["application/json"] },
      body: Buffer.from(JSON.stringify({ message })),
    },
    problem,
  };
}

/**
 * Adds `headers` (single values) or `multiValueHeaders` into `into`. Multi values replace a
 * single value given for the same name (case-insensitively). Returns a problem, or undefined.
 */
function collectHeaders(raw: unknown, multi: boolean, into: Record<string, string[]>): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const member = multi ? "multiValueHeaders" : "headers";
  if (!isRecord(raw)) return `Malformed Lambda proxy response: ${member} is not an object`;
  for (const [name, rawValue] of Object.entries(raw)) {
    if (rawValue === undefined || rawValue === null) continue;
    const list = multi ? rawValue : [rawValue];
    if (!Array.isArray(list)) return `Malformed Lambda proxy response: ${member}.${name} is not a list`;
    const values: string[] = [];
    for (const item of list) {
      if (item === null || item === undefined) continue;
      if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean") {
        return `Malformed Lambda proxy response: ${member}.${name} holds a non-scalar value`;
      }
      const text = String(item);
      try {
        validateHeaderName(name);
        validateHeaderValue(name, text);
      } catch {
        return `header ${JSON.stringify(name)} cannot be sent`;
      }
      values.push(text);
    }
    if (FRAMING_HEADERS.has(name.toLowerCase())) continue;
    for (const existing of Object.keys(into)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete into[existing];
    }
    into[name] = values;
  }
  return undefined;
}

function headerValue(headers: Record<string, string[]>, name: string): string | undefined {
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === name) return values[0];
  return undefined;
}

/** The first media type of an Accept header (AWS looks only at the first). */
function firstAccept(accept: string | undefined): string | undefined {
  return accept?.split(",")[0]?.trim();
}

function statusCodeOf(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
