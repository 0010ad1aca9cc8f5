import type { AwsRequest } from "../aws/http-types.js";
import { header } from "../aws/http-types.js";
import { PlatformError } from "../core/errors.js";

const CLIENT_CONTEXT_MAX = 3583;

/** What Invoke and InvokeWithResponseStream read from the request (lambda-api.md section 5.1). */
export interface InvokeInput {
  invocationType: string;
  tailLog: boolean;
  qualifier: string | undefined;
  /** The event; `{}` for an empty body. */
  payload: Buffer;
  /** Decoded JSON text of X-Amz-Client-Context. */
  clientContext: string | undefined;
}

/**
 * Reads and checks the invoke headers, query and body, failing with Lambda's errors.
 * @param invocationTypes the operation's X-Amz-Invocation-Type values, in the order Lambda's
 *   validation message lists them
 * @param maxPayloadBytes the limit of this invocation type (6 MB sync, 1 MB Event, 256 KB InvokeAsync)
 */
export function readInvokeInput(
  req: AwsRequest,
  invocationTypes: readonly string[],
  maxPayloadBytes: number,
  /** Named in the payload limit's message. */
  operation = "InvokeFunction",
): InvokeInput {
  const invocationType = header(req.headers, "x-amz-invocation-type") ?? "RequestResponse";
  if (!invocationTypes.includes(invocationType)) {
    throw validation(
      `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${invocationTypes.join(", ")}]`,
    );
  }
  const logType = header(req.headers, "x-amz-log-type") ?? "None";
  if (logType !== "None" && logType !== "Tail") {
    throw validation(
      `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`,
    );
  }
  if (req.body.length > maxPayloadBytes) {
    throw new PlatformError({
      code: "ERR_INVOKE_PAYLOAD_TOO_LARGE",
      message: `Request must be smaller than ${maxPayloadBytes} bytes for the ${operation} operation`,
      status: 413,
      awsName: "RequestTooLargeException",
    });
  }
  if (req.body.length > 0 && !isJson(req.body)) {
    throw new PlatformError({
      code: "ERR_INVOKE_INVALID_CONTENT",
      message:
        "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value",
      status: 400,
      awsName: "InvalidRequestContentException",
    });
  }
  return {
    invocationType,
    tailLog: logType === "Tail",
    qualifier: req.query.get("Qualifier") ?? undefined,
    payload: req.body.length === 0 ? Buffer.from("{}") : req.body,
    clientContext: decodeClientContext(header(req.headers, "x-amz-client-context")),
  };
}

function decodeClientContext(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > CLIENT_CONTEXT_MAX) {
    throw new PlatformError({
      code: "ERR_INVOKE_CLIENT_CONTEXT",
      message: `Client context must be smaller than ${CLIENT_CONTEXT_MAX} bytes when base64 encoded.`,
      status: 400,
      awsName: "InvalidParameterValueException",
    });
  }
  const text = Buffer.from(value, "base64").toString("utf8");
  try {
    JSON.parse(text);
  } catch {
    throw new PlatformError({
      code: "ERR_INVOKE_CLIENT_CONTEXT",
      message: "Client context must be a valid Base64-encoded JSON object.",
      status: 400,
      awsName: "InvalidParameterValueException",
    });
  }
  return text;
}

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

function validation(message: string): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_VALIDATION",
    message,
    status: 400,
    awsName: "ValidationException",
  });
}
