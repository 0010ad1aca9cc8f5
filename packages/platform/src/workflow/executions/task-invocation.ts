import { isPlatformError } from "../../core/errors.js";
import type { InvokeRequest, InvokeResult } from "../../invoke/index.js";
import type { EngineEvent, Json, RunTaskCommand } from "../engine/index.js";

/** The one invoke path (`Invoker.invoke`), as the workflow area needs it. */
export interface FunctionInvoker {
  invoke(req: InvokeRequest): Promise<InvokeResult>;
}

/** Task resources Nimbus can run today: Lambda functions, directly or through `lambda:invoke`. */
export const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
export const LAMBDA_INVOKE_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/**
 * Runs one task command through the invoker and answers with the engine event it produced:
 * `taskSucceeded` / `taskFailed`, or `taskSubmitted` for `.waitForTaskToken` (the task then
 * waits for SendTaskSuccess / SendTaskFailure).
 */
export async function runLambdaTask(invoker: FunctionInvoker, command: RunTaskCommand): Promise<EngineEvent> {
  const id = command.id;
  const callback = command.resource === LAMBDA_INVOKE_CALLBACK;
  const optimized = callback || command.resource === LAMBDA_INVOKE;
  let request: InvokeRequest;
  if (optimized) {
    const built = invokeRequestFromParameters(command.parameters);
    if (typeof built === "string") return { kind: "taskFailed", id, error: "States.Runtime", cause: built };
    request = built;
  } else {
    request = baseRequest(command.resource, undefined, JSON.stringify(command.parameters ?? null), false);
  }
  let result: InvokeResult;
  try {
    result = await invoker.invoke(request);
  } catch (error) {
    return { kind: "taskFailed", id, ...invokeFailure(error) };
  }
  return eventForResult(command, result, optimized, callback);
}

/** Maps an invoke result to the engine event (pure; exported for tests). */
export function eventForResult(
  command: RunTaskCommand,
  result: InvokeResult,
  optimized: boolean,
  callback: boolean,
): EngineEvent {
  const id = command.id;
  const text = result.payload.toString("utf8");
  if (result.functionError !== undefined) {
    const parsed = parsePayload(text);
    const fromPayload =
      parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed.errorType : undefined;
    const error = result.errorType ?? (typeof fromPayload === "string" ? fromPayload : "Lambda.Unknown");
    return { kind: "taskFailed", id, error, cause: text };
  }
  const payload = parsePayload(text);
  if (!optimized) return { kind: "taskSucceeded", id, output: payload };
  const output: Json = {
    ExecutedVersion: result.executedVersion,
    Payload: payload,
    SdkHttpMetadata: {
      HttpHeaders: {
        "Content-Type": "application/json",
        "X-Amz-Executed-Version": result.executedVersion,
        "x-amzn-RequestId": result.requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: result.requestId },
    StatusCode: text === "" && payload === null ? 204 : 200,
  };
  return callback ? { kind: "taskSubmitted", id, output } : { kind: "taskSucceeded", id, output };
}

function invokeRequestFromParameters(parameters: Json): InvokeRequest | string {
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters))
    return "The lambda:invoke parameters must be an object with FunctionName";
  const name = parameters.FunctionName;
  if (typeof name !== "string" || name === "") return "The lambda:invoke parameters must name a FunctionName";
  const qualifier = parameters.Qualifier;
  if (qualifier !== undefined && typeof qualifier !== "string") return "Qualifier must be a string";
  const type = parameters.InvocationType ?? "RequestResponse";
  if (type !== "RequestResponse" && type !== "DryRun")
    return `InvocationType ${JSON.stringify(type)} is not supported by Nimbus workflows (only RequestResponse and DryRun)`;
  const payload = parameters.Payload === undefined ? "{}" : JSON.stringify(parameters.Payload);
  return baseRequest(name, qualifier, payload, type === "DryRun");
}

function baseRequest(
  functionName: string,
  qualifier: string | undefined,
  payload: string,
  dryRun: boolean,
): InvokeRequest {
  return {
    functionName,
    qualifier,
    payload: Buffer.from(payload, "utf8"),
    tailLog: false,
    clientContext: undefined,
    dryRun,
  };
}

/** Lambda API failures become `Lambda.<Exception>` errors, as Step Functions reports them. */
function invokeFailure(error: unknown): { error: string; cause: string } {
  if (isPlatformError(error))
    return { error: `Lambda.${error.awsName ?? "ServiceException"}`, cause: error.message };
  return { error: "Lambda.ServiceException", cause: error instanceof Error ? error.message : String(error) };
}

function parsePayload(text: string): Json {
  if (text === "") return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
