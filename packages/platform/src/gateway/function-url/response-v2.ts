import { validateHeaderName, validateHeaderValue } from "node:http";
import type { InvokeResult } from "../../invoke/index.js";

/** An HTTP answer of a function URL, before the front door writes it. */
export interface GatewayResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Each one becomes its own `Set-Cookie` line. */
  cookies: string[];
  body: Buffer;
}

export interface MappedResponse {
  response: GatewayResponse;
  /** Why the answer is a 502, for the server log; absent when the function's answer was used. */
  problem?: string;
}

/** Response headers Nimbus sets itself; a function's values for them would corrupt the framing. */
const FRAMING_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
]);

/**
 * Maps a function's result to HTTP the way function URLs do (payload format 2.0):
 * - an object with `statusCode` is a structured response: `statusCode` (a number or a numeric
 *   string), `headers`, `cookies` (one Set-Cookie each), `body`, `isBase64Encoded` (body decoded);
 *   `content-type` defaults to `application/json`;
 * - any other JSON value is the body of a 200 `application/json` answer: a string as its text,
 *   anything else as compact JSON;
 * - a function error, or a structured response that cannot be sent, is a 502 with the body
 *   `Internal Server Error`.
 */
export function mapFunctionResult(
  result: Pick<InvokeResult, "payload" | "functionError" | "errorType">,
): MappedResponse {
  if (result.functionError !== undefined) {
    return badGateway(`the function failed with ${result.errorType ?? result.functionError}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(result.payload.toString("utf8"));
  } catch {
    return badGateway("the function's response is not JSON");
  }
  if (isRecord(value) && "statusCode" in value) {
    const structured = structuredResponse(value);
    return typeof structured === "string" ? badGateway(structured) : { response: structured };
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return {
    response: {
      status: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(text),
    },
  };
}

/** The 502 AWS answers when the function fails or its response cannot be used. */
export function badGateway(problem: string): MappedResponse {
  return {
    response: {
      status: 502,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from("Internal Server Error"),
    },
    problem,
  };
}

/** A structured response, or the reason it cannot be sent. */
function structuredResponse(value: Record<string, unknown>): GatewayResponse | string {
  const status = statusCodeOf(value.statusCode);
  if (status === undefined)
    return `statusCode ${JSON.stringify(value.statusCode)} is not an HTTP status code`;
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  if (value.headers !== undefined && value.headers !== null) {
    if (!isRecord(value.headers)) return "headers is not an object";
    for (const [rawName, rawValue] of Object.entries(value.headers)) {
      if (rawValue === undefined || rawValue === null) continue;
      if (typeof rawValue !== "string" && typeof rawValue !== "number" && typeof rawValue !== "boolean") {
        return `header ${rawName} is not a string`;
      }
      const name = rawName.toLowerCase();
      const headerValue = String(rawValue);
      const invalid = invalidHeader(name, headerValue);
      if (invalid) return invalid;
      if (FRAMING_HEADERS.has(name)) continue;
      if (name === "set-cookie") cookies.push(headerValue);
      else headers[name] = headerValue;
    }
  }
  if (value.cookies !== undefined && value.cookies !== null) {
    if (!Array.isArray(value.cookies) || value.cookies.some((c) => typeof c !== "string")) {
      return "cookies is not a list of strings";
    }
    for (const cookie of value.cookies as string[]) {
      const invalid = invalidHeader("set-cookie", cookie);
      if (invalid) return invalid;
      cookies.push(cookie);
    }
  }
  const rawBody = value.body;
  const text =
    rawBody === undefined || rawBody === null
      ? ""
      : typeof rawBody === "string"
        ? rawBody
        : JSON.stringify(rawBody);
  const body = value.isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text);
  headers["content-type"] ??= "application/json";
  return { status, headers, cookies, body };
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

function invalidHeader(name: string, value: string): string | undefined {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return undefined;
  } catch {
    return `header ${JSON.stringify(name)} cannot be sent`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
