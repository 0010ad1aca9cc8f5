import { awsError, type WireError } from "./aws-errors.js";
import type { AwsRequest, HttpResult } from "./http-types.js";

/** JSON body of a restJson1 request (`{}` when empty). Rejects bodies that are not an object. */
export function readJsonBody(req: AwsRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw awsError.serialization("The request body could not be parsed as JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw awsError.serialization("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

export function jsonResult(status: number, value: unknown, headers: Record<string, string> = {}): HttpResult {
  if (status === 204 || value === undefined) return { status, headers };
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}

/** restJson1 error: status, `x-amzn-ErrorType` and a body carrying both message casings. */
export function restJsonError(error: WireError): HttpResult {
  const body = {
    Type: error.fault ? "Service" : "User",
    message: error.message,
    Message: error.message,
    ...error.details,
  };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-amzn-errortype": error.name,
  };
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === "number" || typeof retryAfter === "string")
    headers["retry-after"] = String(retryAfter);
  return { status: error.status, headers, body: JSON.stringify(body) };
}
