import { createHash } from "node:crypto";
import type { HistoryEvent } from "../engine/index.js";
import { workflowError } from "../errors.js";

/** Where execution log lines go: the observe area's LogSink (buffered, off the step path). */
export interface LogLineSink {
  append(logGroupName: string, logStreamName: string, timestamp: number, message: string): void;
}

export type LogLevel = "ALL" | "ERROR" | "FATAL";

/** A machine's `loggingConfiguration`, checked, with the log group's name. */
export interface ExecutionLogging {
  level: LogLevel;
  includeExecutionData: boolean;
  logGroupName: string;
}

const LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;
const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:([.\-_/#A-Za-z0-9]{1,512}):\*$/;
const FATAL = new Set(["ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"]);

/**
 * Checks a `loggingConfiguration` as CreateStateMachine / UpdateStateMachine receive it.
 * Answers undefined for OFF; InvalidLoggingConfiguration for a bad level, a level other than OFF
 * without exactly one destination, or a destination that is not a log group ARN ending in `:*`.
 */
export function parseLoggingConfiguration(
  value: Record<string, unknown> | undefined,
): ExecutionLogging | undefined {
  if (value === undefined) return undefined;
  const level = value.level ?? "OFF";
  if (typeof level !== "string" || !(LEVELS as readonly string[]).includes(level))
    throw workflowError.invalidLoggingConfiguration(
      `Invalid Logging Configuration: the level must be one of ${LEVELS.join(", ")}.`,
    );
  const include = value.includeExecutionData ?? false;
  if (typeof include !== "boolean")
    throw workflowError.invalidLoggingConfiguration(
      "Invalid Logging Configuration: includeExecutionData must be a boolean.",
    );
  const destinations = value.destinations ?? [];
  if (!Array.isArray(destinations) || destinations.length > 1)
    throw workflowError.invalidLoggingConfiguration(
      "Invalid Logging Configuration: at most one destination (a CloudWatch Logs log group) is allowed.",
    );
  if (level === "OFF") return undefined;
  const first = destinations[0] as { cloudWatchLogsLogGroup?: { logGroupArn?: unknown } } | undefined;
  const arn = first?.cloudWatchLogsLogGroup?.logGroupArn;
  if (arn === undefined)
    throw workflowError.invalidLoggingConfiguration(
      `Invalid Logging Configuration: a log group destination is required when the level is ${level}.`,
    );
  const match = typeof arn === "string" ? LOG_GROUP_ARN.exec(arn) : null;
  if (!match?.[1])
    throw workflowError.invalidLoggingConfiguration(
      `Invalid Logging Configuration: '${String(arn)}' is not a CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>:*).`,
    );
  return { level: level as LogLevel, includeExecutionData: include, logGroupName: match[1] };
}

/**
 * Whether a history event is logged at a level: ERROR takes the error events (every `*Failed`,
 * `*TimedOut`, `*Aborted` event and FailStateEntered), FATAL only the execution's own end.
 */
export function logsEvent(level: LogLevel, type: string): boolean {
  if (level === "ALL") return true;
  if (level === "FATAL") return FATAL.has(type);
  return FATAL.has(type) || type === "FailStateEntered" || /(Failed|TimedOut|Aborted)$/.test(type);
}

/**
 * Writes an execution's history events as JSON log events, in the shape Step Functions logs
 * them (`id`, `type`, `details`, `previous_event_id`, `event_timestamp`, `execution_arn`,
 * `redrive_count`, numbers as strings), one log stream per execution.
 */
export class ExecutionLogWriter {
  constructor(private readonly sink: LogLineSink) {}

  write(
    logging: ExecutionLogging,
    execution: { executionArn: string; stateMachineName: string; startedAt: number },
    events: readonly HistoryEvent[],
  ): void {
    const stream = streamName(execution);
    for (const event of events) {
      if (!logsEvent(logging.level, event.type)) continue;
      const details = detailsOf(event, logging.includeExecutionData);
      const line = {
        id: String(event.id),
        type: event.type,
        details,
        previous_event_id: String(event.previousEventId),
        event_timestamp: String(event.timestamp),
        execution_arn: execution.executionArn,
        redrive_count: "0",
      };
      this.sink.append(logging.logGroupName, stream, event.timestamp, JSON.stringify(line));
    }
  }
}

/** `states/<machine>/<yyyy-MM-dd-HH-mm>/<8 hex of the execution ARN>`, as Step Functions names them. */
export function streamName(execution: {
  executionArn: string;
  stateMachineName: string;
  startedAt: number;
}): string {
  const minute = new Date(execution.startedAt).toISOString().slice(0, 16).replace(/[T:]/g, "-");
  const id = createHash("sha256").update(execution.executionArn).digest("hex").slice(0, 8);
  return `states/${execution.stateMachineName}/${minute}/${id}`;
}

function detailsOf(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith("EventDetails") || typeof value !== "object" || value === null) continue;
    if (includeData) return value as Record<string, unknown>;
    const {
      input: _input,
      output: _output,
      parameters: _parameters,
      ...rest
    } = value as Record<string, unknown>;
    return rest;
  }
  return {};
}
