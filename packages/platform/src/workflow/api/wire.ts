import type { HistoryEvent } from "../engine/index.js";
import type { ExecutionRecord } from "../executions/execution-records.js";

/** SFN timestamps are epoch seconds (fractional). */
export function seconds(epochMs: number): number {
  return epochMs / 1000;
}

/** An opaque page cursor: the offset of the next item. */
export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), "utf8").toString("base64url");
}

export function offsetOf(token: string | undefined, invalid: () => Error): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through to InvalidToken
  }
  throw invalid();
}

/** One page of `items` and the token for the next, if any. */
export function page<T>(items: T[], offset: number, max: number): { items: T[]; nextToken?: string } {
  const slice = items.slice(offset, offset + max);
  const next = offset + max;
  return next < items.length ? { items: slice, nextToken: pageToken(next) } : { items: slice };
}

export function wireHistoryEvent(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, timestamp: seconds(event.timestamp) };
  if (includeData) return out;
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith("EventDetails") || typeof value !== "object" || value === null) continue;
    const {
      input: _input,
      output: _output,
      parameters: _parameters,
      ...rest
    } = value as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
}

export function wireExecution(record: ExecutionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startedAt),
    input: record.input,
    inputDetails: { included: true },
    redriveCount: 0,
    redriveStatus: "NOT_REDRIVABLE",
  };
  if (record.stoppedAt !== undefined) out.stopDate = seconds(record.stoppedAt);
  qualifiers(record, out);
  if (record.output !== undefined) {
    out.output = record.output;
    out.outputDetails = { included: true };
  }
  if (record.error !== undefined) out.error = record.error;
  if (record.cause !== undefined) out.cause = record.cause;
  return out;
}

export function wireExecutionListItem(record: ExecutionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startedAt),
  };
  if (record.stoppedAt !== undefined) out.stopDate = seconds(record.stoppedAt);
  qualifiers(record, out);
  return out;
}

/** The version and alias an execution was started through, when it was. */
function qualifiers(record: ExecutionRecord, out: Record<string, unknown>): void {
  if (record.versionArn !== undefined) out.stateMachineVersionArn = record.versionArn;
  if (record.aliasArn !== undefined) out.stateMachineAliasArn = record.aliasArn;
}
