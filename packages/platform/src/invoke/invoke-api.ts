import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import { header } from "../aws/http-types.js";
import type { RestRouter } from "../aws/rest-router.js";
import { PlatformError } from "../core/errors.js";
import type { Invoker } from "./invoker.js";

const INVOCATION_TYPES = ["RequestResponse", "Event", "DryRun"];
const CLIENT_CONTEXT_MAX = 3583;

export interface InvokeApiLimits {
  maxSyncPayloadBytes: number;
}

/** Invoke (lambda-api.md section 5): the edge that turns HTTP into an InvokeRequest. */
export function addInvokeRoutes(router: RestRouter, invoker: Invoker, limits: InvokeApiLimits): void {
  router.add("POST", "/2015-03-31/functions/{FunctionName}/invocations", (req, p) =>
    invoke(req, p.FunctionName ?? "", invoker, limits),
  );
  router.add("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", async () => {
    throw notYet("InvokeAsync");
  });
}

async function invoke(
  req: AwsRequest,
  functionName: string,
  invoker: Invoker,
  limits: InvokeApiLimits,
): Promise<HttpResult> {
  const invocationType = header(req.headers, "x-amz-invocation-type") ?? "RequestResponse";
  if (!INVOCATION_TYPES.includes(invocationType)) {
    throw validation(
      `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  if (invocationType === "Event") throw notYet("Invoke with InvocationType Event");
  const logType = header(req.headers, "x-amz-log-type") ?? "None";
  if (logType !== "None" && logType !== "Tail") {
    throw validation(
      `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`,
    );
  }
  if (req.body.length > limits.maxSyncPayloadBytes) {
    throw new PlatformError({
      code: "ERR_INVOKE_PAYLOAD_TOO_LARGE",
      message: `Request must be smaller than ${limits.maxSyncPayloadBytes} bytes for the InvokeFunction operation`,
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
  const result = await invoker.invoke({
    functionName,
    qualifier: req.query.get("Qualifier") ?? undefined,
    payload: req.body.length === 0 ? Buffer.from("{}") : req.body,
    tailLog: logType === "Tail",
    clientContext: decodeClientContext(header(req.headers, "x-amz-client-context")),
    dryRun: invocationType === "DryRun",
    requestId: req.requestId,
  });
  if (invocationType === "DryRun") return { status: 204, headers: {} };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-amz-executed-version": result.executedVersion,
  };
  if (result.functionError) headers["x-amz-function-error"] = result.functionError;
  if (result.logTail !== undefined)
    headers["x-amz-log-result"] = Buffer.from(result.logTail, "utf8").toString("base64");
  return { status: 200, headers, body: result.payload };
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

function notYet(what: string): PlatformError {
  return new PlatformError({
    code: "ERR_INVOKE_UNSUPPORTED",
    message: `${what} (asynchronous invocation) is not supported by this Nimbus version yet; use RequestResponse.`,
    status: 400,
    awsName: "InvalidParameterValueException",
  });
}
