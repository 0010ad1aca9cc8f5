import { requestTime } from "../function-url/event-v2.js";
import type { Answer } from "./integrate.js";
import type { AccessLogConfig } from "./model.js";
import { contextValue, type RequestView } from "./request-view.js";

/** Where access log lines go: a log group and stream (the server wires the observe area's sink). */
export type AccessLogWriter = (
  logGroupName: string,
  logStreamName: string,
  timestamp: number,
  message: string,
) => void;

/** The log group name of a CloudWatch Logs log group ARN (`...:log-group:<name>[:*]`). */
export function logGroupName(arn: string): string {
  return arn.replace(/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:/, "").replace(/:\*$/, "");
}

/** What happened, beyond the request itself, for the `$context` variables of the log line. */
export interface Outcome {
  answer: Answer;
  responseLatencyMs: number;
  authorizerError?: string;
}

/**
 * One access log line: the stage's format with each `$context.<name>` replaced by its value
 * (`-` when it has none, as AWS writes it). The line goes to the stage's log group, in the
 * stream `<api-id>_<stage>`.
 */
export function formatAccessLog(format: string, view: RequestView, outcome: Outcome): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])/g, (_m, name: string) => {
    const value = outcomeValue(name, view, outcome) ?? contextValue(name, view);
    return value === undefined || value === "" ? "-" : value;
  });
}

/** Writes the access log line of a request, when the stage has AccessLogSettings. */
export function writeAccessLog(
  writer: AccessLogWriter,
  config: AccessLogConfig | undefined,
  view: RequestView,
  outcome: Outcome,
): void {
  if (!config) return;
  const line = formatAccessLog(config.format, view, outcome);
  writer(logGroupName(config.destinationArn), `${view.apiId}_${view.stageName}`, view.timeEpochMs, line);
}

function outcomeValue(name: string, view: RequestView, outcome: Outcome): string | undefined {
  const { answer } = outcome;
  switch (name) {
    case "status":
      return String(answer.status);
    case "responseLength":
      return String(answer.body.length);
    case "responseLatency":
      return String(outcome.responseLatencyMs);
    case "requestTime":
      return requestTime(view.timeEpochMs);
    case "integrationStatus":
    case "integration.status":
      return answer.integrationStatus === undefined ? undefined : String(answer.integrationStatus);
    case "integrationLatency":
    case "integration.latency":
      return answer.integrationLatencyMs === undefined ? undefined : String(answer.integrationLatencyMs);
    case "integrationErrorMessage":
    case "integration.error":
      return answer.problem;
    case "error.message":
      return answer.status >= 400 ? gatewayMessage(answer) : undefined;
    case "authorizer.error":
      return outcome.authorizerError;
    default:
      return undefined;
  }
}

/** The `message` of an answer API Gateway made itself; undefined for an integration's own answer. */
function gatewayMessage(answer: Answer): string | undefined {
  if (answer.integrationStatus !== undefined && answer.problem === undefined) return undefined;
  try {
    const parsed = JSON.parse(answer.body.toString("utf8")) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
