import { awsError, type WireError } from "./aws-errors.js";
import type { AwsRequest, HttpResult } from "./http-types.js";

export type JsonOperation = (input: Record<string, unknown>, req: AwsRequest) => Promise<unknown>;

/** A service spoken over awsJson1_0 / awsJson1_1 (`X-Amz-Target: <prefix>.<Operation>`). */
export interface JsonRpcService {
  /** The part of X-Amz-Target before the dot, e.g. `Logs_20140328`. */
  targetPrefix: string;
  /** `1.0` or `1.1`: only the content type differs. */
  jsonVersion: "1.0" | "1.1";
  operations: Record<string, JsonOperation>;
}

export async function dispatchJsonRpc(
  service: JsonRpcService,
  operation: string,
  req: AwsRequest,
): Promise<HttpResult> {
  const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
  if (!handler) throw awsError.unknownOperation(`Operation ${operation} is not supported by Nimbus.`);
  let input: unknown = {};
  if (req.body.length > 0) {
    try {
      input = JSON.parse(req.body.toString("utf8"));
    } catch {
      throw awsError.serialization("Start of structure or map found where not expected.");
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw awsError.serialization("The request body must be a JSON object.");
  }
  const output = await handler(input as Record<string, unknown>, req);
  return {
    status: 200,
    headers: { "content-type": `application/x-amz-json-${service.jsonVersion}` },
    body: JSON.stringify(output ?? {}),
  };
}

export function jsonRpcError(error: WireError, jsonVersion: "1.0" | "1.1"): HttpResult {
  const headers: Record<string, string> = {
    "content-type": `application/x-amz-json-${jsonVersion}`,
    "x-amzn-errortype": error.name,
  };
  // awsQueryCompatible services (SQS): the legacy code, which the SDK prefers when present.
  if (error.queryCode !== undefined)
    headers["x-amzn-query-error"] = `${error.queryCode};${error.fault ? "Receiver" : "Sender"}`;
  return {
    status: error.status === 404 && error.name === "UnknownOperationException" ? 400 : error.status,
    headers,
    body: JSON.stringify({ __type: error.name, message: error.message, ...error.details }),
  };
}
