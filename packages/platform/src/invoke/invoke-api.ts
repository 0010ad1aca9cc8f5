import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import type { RestRouter } from "../aws/rest-router.js";
import { PlatformError } from "../core/errors.js";
import { readInvokeInput } from "./invoke-input.js";
import type { Invoker } from "./invoker.js";
import { invokeWithResponseStream } from "./stream-api.js";

// In the order of Lambda's validation message.
const INVOCATION_TYPES = ["Event", "RequestResponse", "DryRun"];

export interface InvokeApiLimits {
  maxSyncPayloadBytes: number;
}

/**
 * Invoke and InvokeWithResponseStream (lambda-api.md section 5): the edge that turns HTTP into an
 * InvokeRequest.
 */
export function addInvokeRoutes(router: RestRouter, invoker: Invoker, limits: InvokeApiLimits): void {
  router.add("POST", "/2015-03-31/functions/{FunctionName}/invocations", (req, p) =>
    invoke(req, p.FunctionName ?? "", invoker, limits),
  );
  router.add("POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations", (req, p) =>
    invokeWithResponseStream(req, p.FunctionName ?? "", invoker, limits),
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
  const input = readInvokeInput(req, INVOCATION_TYPES, limits.maxSyncPayloadBytes);
  if (input.invocationType === "Event") throw notYet("Invoke with InvocationType Event");
  const result = await invoker.invoke({
    functionName,
    qualifier: input.qualifier,
    payload: input.payload,
    tailLog: input.tailLog,
    clientContext: input.clientContext,
    dryRun: input.invocationType === "DryRun",
    requestId: req.requestId,
  });
  if (input.invocationType === "DryRun") return { status: 204, headers: {} };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-amz-executed-version": result.executedVersion,
  };
  if (result.functionError) headers["x-amz-function-error"] = result.functionError;
  if (result.logTail !== undefined)
    headers["x-amz-log-result"] = Buffer.from(result.logTail, "utf8").toString("base64");
  return { status: 200, headers, body: result.payload };
}

function notYet(what: string): PlatformError {
  return new PlatformError({
    code: "ERR_INVOKE_UNSUPPORTED",
    message: `${what} (asynchronous invocation) is not supported by this Nimbus version yet; use RequestResponse.`,
    status: 400,
    awsName: "InvalidParameterValueException",
  });
}
