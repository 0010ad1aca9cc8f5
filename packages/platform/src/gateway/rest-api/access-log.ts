import { requestTime } from "../function-url/event-v2.js";
import type { ResponseV1 } from "../payload-v1/response-v1.js";
import type { StageDoc } from "./model.js";

/** Where access log lines go: a log group and stream (the server wires the observe area's sink). */
export type AccessLogWriter = (
  logGroupName: string,
  logStreamName: string,
  timestamp: number,
  message: string,
) => void;

/** What the access log line of one request may name. */
export interface AccessLogFacts {
  apiId: string;
  stage: string;
  requestId: string;
  timeEpochMs: number;
  method: string;
  /** `/<stage>/<path>` as the client sent it. */
  path: string;
  sourceIp: string;
  userAgent: string;
  protocol: string;
  responseLatencyMs: number;
  /** `$context` of the matched request (resourcePath, authorizer, identity, ...), when it matched. */
  context?: Record<string, unknown>;
}

/**
 * Writes a request's access log line when the stage has access log settings: the format with
 * each `$context.<name>` replaced (`-` when it has no value, as AWS writes it), to the log group
 * of `destinationArn`, stream `<api-id>_<stage>`.
 */
export function writeAccessLog(
  writer: AccessLogWriter | undefined,
  stage: StageDoc,
  facts: AccessLogFacts,
  response: ResponseV1,
): void {
  const settings = stage.accessLogSettings;
  if (!writer || !settings) return;
  const line = settings.format.replace(/\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])/g, (_m, name: string) => {
    const value = contextVariable(name, facts, response);
    return value === undefined || value === "" ? "-" : value;
  });
  const group = settings.destinationArn
    .replace(/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:/, "")
    .replace(/:\*$/, "");
  writer(group, `${facts.apiId}_${facts.stage}`, facts.timeEpochMs, line);
}

function contextVariable(name: string, facts: AccessLogFacts, response: ResponseV1): string | undefined {
  switch (name) {
    case "status":
      return String(response.status);
    case "responseLength":
      return String(response.body.length);
    case "responseLatency":
      return String(facts.responseLatencyMs);
    case "requestTime":
      return requestTime(facts.timeEpochMs);
    case "requestTimeEpoch":
      return String(facts.timeEpochMs);
    case "requestId":
    case "extendedRequestId":
      return facts.requestId;
    case "httpMethod":
      return facts.method;
    case "path":
      return facts.path;
    case "stage":
      return facts.stage;
    case "apiId":
      return facts.apiId;
    case "protocol":
      return facts.protocol;
    case "identity.sourceIp":
      return facts.sourceIp;
    case "identity.userAgent":
      return facts.userAgent;
    case "error.message":
      return response.status >= 400 ? gatewayMessage(response) : undefined;
  }
  const found = name
    .split(".")
    .reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
      facts.context,
    );
  return found === undefined || found === null || typeof found === "object" ? undefined : String(found);
}

/** The message of an answer API Gateway made itself (`x-amzn-ErrorType` set). */
function gatewayMessage(response: ResponseV1): string | undefined {
  if (!response.headers["x-amzn-ErrorType"]) return undefined;
  try {
    const parsed = JSON.parse(response.body.toString("utf8")) as { message?: unknown; Message?: unknown };
    const message = parsed.message ?? parsed.Message;
    return typeof message === "string" ? message : undefined;
  } catch {
    return undefined;
  }
}
