import { validateHeaderName, validateHeaderValue } from "node:http";
import type { InvokeResult } from "../../invoke/index.js";

/** The event an application load balancer sends a Lambda target (events.md section 4). */
export interface AlbEvent {
  requestContext: { elb: { targetGroupArn: string } };
  httpMethod: string;
  path: string;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

export interface AlbEventInput {
  targetGroupArn: string;
  method: string;
  /** Path as sent (not decoded). */
  path: string;
  /** Query string as sent, without `?` (ALB leaves it URL-encoded). */
  rawQuery: string;
  /** Header values by lower-cased name, the load balancer's `x-forwarded-*` included. */
  headers: Record<string, string[]>;
  body: Buffer;
  multiValue: boolean;
}

/** Content types ALB passes as text; any other body is sent base64 with `isBase64Encoded`. */
function isTextType(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type === "application/javascript" ||
    type === "application/xml"
  );
}

/**
 * Builds the ALB event. Header names are lower-case and query parameters stay URL-encoded. With
 * `lambda.multi_value_headers.enabled` the event carries `multiValueHeaders` and
 * `multiValueQueryStringParameters` instead of `headers` and `queryStringParameters`; without it a
 * repeated name keeps its last value.
 */
export function buildAlbEvent(input: AlbEventInput): AlbEvent {
  const query: Record<string, string[]> = {};
  for (const part of input.rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    const values = query[key];
    if (values) values.push(value);
    else query[key] = [value];
  }
  const text = input.body.length === 0 || isTextType(input.headers["content-type"]?.[0]);
  const event: AlbEvent = {
    requestContext: { elb: { targetGroupArn: input.targetGroupArn } },
    httpMethod: input.method,
    path: input.path,
    body: text ? input.body.toString("utf8") : input.body.toString("base64"),
    isBase64Encoded: !text,
  };
  if (input.multiValue) {
    event.multiValueQueryStringParameters = query;
    event.multiValueHeaders = input.headers;
  } else {
    event.queryStringParameters = lastValues(query);
    event.headers = lastValues(input.headers);
  }
  // Key order as AWS documents it: the maps before the body.
  const { body, isBase64Encoded, ...rest } = event;
  return { ...rest, body, isBase64Encoded };
}

function lastValues(map: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(map)) out[key] = values[values.length - 1] ?? "";
  return out;
}

/** An answer of the load balancer, before the front door writes it (array values: one line each). */
export interface AlbAnswer {
  status: number;
  /** The reason phrase of the status line (from `statusDescription`). */
  statusMessage?: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** Why the answer is a 502, for the server log. */
  problem?: string;
}

/** Responses (and requests) over 1 MB are refused, as ALB does for Lambda targets. */
export const MAX_LAMBDA_BYTES = 1024 * 1024;

const FRAMING_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
]);

/** The page ALB answers with itself for a status (502 Bad Gateway, 503, ...). */
export function albErrorPage(status: number, reason: string, problem?: string): AlbAnswer {
  const title = `${status} ${reason}`;
  return {
    status,
    headers: { server: "awselb/2.0", "content-type": "text/html" },
    body: Buffer.from(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`,
    ),
    ...(problem !== undefined ? { problem } : {}),
  };
}

/**
 * Maps a function's answer to HTTP as ALB does: `statusCode` (required), `statusDescription`
 * (the reason phrase), `headers` or, with multi-value headers on, `multiValueHeaders` (the other
 * map is ignored), `body` and `isBase64Encoded`. A function error, an answer that is not such an
 * object, or one over 1 MB is a 502 Bad Gateway.
 */
export function mapAlbResult(
  result: Pick<InvokeResult, "payload" | "functionError" | "errorType">,
  multiValue: boolean,
): AlbAnswer {
  if (result.functionError)
    return albErrorPage(502, "Bad Gateway", `the function failed (${result.errorType ?? "error"})`);
  if (result.payload.length > MAX_LAMBDA_BYTES)
    return albErrorPage(502, "Bad Gateway", "the function's response is over 1 MB");
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.payload.toString("utf8"));
  } catch {
    return albErrorPage(502, "Bad Gateway", "the function's response is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return albErrorPage(502, "Bad Gateway", "the function's response is not an object");
  const r = parsed as Record<string, unknown>;
  const status = typeof r.statusCode === "string" ? Number(r.statusCode) : r.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599)
    return albErrorPage(502, "Bad Gateway", "the function's response has no valid statusCode");
  if (r.body !== undefined && r.body !== null && typeof r.body !== "string")
    return albErrorPage(502, "Bad Gateway", "the function's response body is not a string");
  const bodyText = typeof r.body === "string" ? r.body : "";
  const body = r.isBase64Encoded === true ? Buffer.from(bodyText, "base64") : Buffer.from(bodyText, "utf8");
  const headers: Record<string, string | string[]> = {};
  try {
    const source = multiValue ? r.multiValueHeaders : r.headers;
    if (source !== undefined && source !== null) {
      if (typeof source !== "object") throw new Error("headers are not an object");
      for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
        const key = name.toLowerCase();
        if (FRAMING_HEADERS.has(key)) continue;
        validateHeaderName(key);
        const values = (multiValue && Array.isArray(value) ? value : [value]).map((v) => String(v));
        for (const v of values) validateHeaderValue(key, v);
        const existing = headers[key];
        const all = [
          ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
          ...values,
        ];
        headers[key] = all.length === 1 ? (all[0] as string) : all;
      }
    }
  } catch (error) {
    return albErrorPage(
      502,
      "Bad Gateway",
      `the function's response headers are invalid: ${(error as Error).message}`,
    );
  }
  const answer: AlbAnswer = { status, headers, body };
  const description =
    typeof r.statusDescription === "string" ? reasonPhrase(r.statusDescription, status) : undefined;
  if (description) answer.statusMessage = description;
  return answer;
}

/** `"200 OK"` -> `OK`; a description without the code is used as is. Control characters are dropped. */
function reasonPhrase(description: string, status: number): string | undefined {
  const text = description.startsWith(`${status} `)
    ? description.slice(String(status).length + 1)
    : description;
  const clean = text.replace(/[^\t\x20-\x7e]/g, "").trim();
  return clean === "" ? undefined : clean;
}
