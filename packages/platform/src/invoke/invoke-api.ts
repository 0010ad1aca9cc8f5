import { type AwsRequest, type HttpResult, header } from "../aws/http-types.js";
import type { RestRouter } from "../aws/rest-router.js";
import { readInvokeInput } from "./invoke-input.js";
import type { AsyncInvocations } from "./invoke-types.js";
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
export function addInvokeRoutes(
  router: RestRouter,
  invoker: Invoker,
  limits: InvokeApiLimits,
  asyncInvocations: AsyncInvocations,
): void {
  router.add("POST", "/2015-03-31/functions/{FunctionName}/invocations", (req, p) =>
    invoke(req, p.FunctionName ?? "", invoker, limits, asyncInvocations),
  );
  router.add("POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations", (req, p) =>
    invokeWithResponseStream(req, p.FunctionName ?? "", invoker, limits),
  );
  // InvokeAsync (deprecated): the body is the event; 202 with {"Status":202} once it is stored.
  router.add("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", async (req, p) => {
    const input = readInvokeInput(
      { ...req, headers: { ...req.headers, "x-amz-invocation-type": "Event" } },
      INVOCATION_TYPES,
      asyncInvocations.maxInvokeAsyncPayloadBytes,
      "InvokeAsync",
    );
    await asyncInvocations.accept({
      functionName: p.FunctionName ?? "",
      qualifier: undefined,
      payload: input.payload,
      requestId: req.requestId,
      clientContext: undefined,
    });
    return { status: 202, headers: { "content-type": "application/json" }, body: '{"Status":202}' };
  });
}

async function invoke(
  req: AwsRequest,
  functionName: string,
  invoker: Invoker,
  limits: InvokeApiLimits,
  asyncInvocations: AsyncInvocations,
): Promise<HttpResult> {
  // An Event payload has the asynchronous limit (1 MB), checked before anything else.
  const event = header(req.headers, "x-amz-invocation-type") === "Event";
  const maxBytes = event ? asyncInvocations.maxEventPayloadBytes : limits.maxSyncPayloadBytes;
  const input = readInvokeInput(req, INVOCATION_TYPES, maxBytes);
  if (input.invocationType === "Event") {
    // 202 only once the event is durably queued.
    await asyncInvocations.accept({
      functionName,
      qualifier: input.qualifier,
      payload: input.payload,
      requestId: req.requestId,
      clientContext: input.clientContext,
    });
    return { status: 202, headers: {} };
  }
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
