import { arnService, type TargetMessage } from "../core/targets.js";
import type { SettleMeta } from "./event-types.js";

/** SNS's message limit: a record over it loses its payloads (invocation-semantics.md 2.2). */
export const SNS_RECORD_LIMIT_BYTES = 262_144;
const DLQ_ERROR_MESSAGE_BYTES = 1024;

/** The destination record of an event's outcome (invocation-semantics.md section 2.2). */
export interface InvocationRecord {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: string;
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext?: { statusCode: number; executedVersion: string; functionError?: string };
  responsePayload?: unknown;
}

/**
 * Builds the record sent to an OnSuccess / OnFailure destination.
 * @param functionArn the function ARN qualified as invoked (`:$LATEST` when unqualified)
 * @param payload the original event
 */
export function invocationRecord(
  settled: SettleMeta,
  functionArn: string,
  payload: string,
): InvocationRecord {
  const record: InvocationRecord = {
    version: "1.0",
    timestamp: new Date(settled.settledAt).toISOString(),
    requestContext: {
      requestId: settled.requestId,
      functionArn,
      condition: settled.condition === "FunctionNotFound" ? "RetriesExhausted" : settled.condition,
      approximateInvokeCount: settled.attempts,
    },
    requestPayload: embed(payload),
  };
  if (settled.condition === "Success") {
    record.responseContext = { statusCode: 200, executedVersion: settled.executedVersion ?? "$LATEST" };
    record.responsePayload = embed(settled.responsePayload ?? "null");
  } else if (settled.error?.executedVersion !== undefined) {
    // An attempt ran: its status, version and error. An event that never ran has neither.
    record.responseContext = {
      statusCode: settled.error.statusCode,
      executedVersion: settled.error.executedVersion,
      ...(settled.error.functionError ? { functionError: settled.error.functionError } : {}),
    };
    if (settled.error.responsePayload !== undefined)
      record.responsePayload = embed(settled.error.responsePayload);
  }
  return record;
}

/** The record as a message body; payloads dropped when over `limitBytes` (SNS), as Lambda does. */
export function recordBody(record: InvocationRecord, limitBytes?: number): string {
  const full = JSON.stringify(record);
  if (limitBytes === undefined || Buffer.byteLength(full) <= limitBytes) return full;
  const { requestPayload: _request, responsePayload: _response, ...rest } = record;
  return JSON.stringify(rest);
}

/**
 * The dead-letter message: the original event with RequestID, ErrorCode (the last attempt's
 * HTTP status) and ErrorMessage (its first 1 KB) as message attributes (section 2.1).
 */
export function deadLetterMessage(settled: SettleMeta, payload: string): TargetMessage {
  const message = settled.error?.errorMessage ?? settled.condition;
  return {
    body: payload,
    attributes: {
      RequestID: { dataType: "String", stringValue: settled.requestId },
      ErrorCode: { dataType: "Number", stringValue: String(settled.error?.statusCode ?? 200) },
      ErrorMessage: { dataType: "String", stringValue: firstBytes(message, DLQ_ERROR_MESSAGE_BYTES) },
    },
  };
}

/**
 * The message a destination receives: the record as the body (SQS body, SNS Message, Lambda
 * event; over 256 KB to SNS without its payloads). An event bus ("events" target) receives a
 * PutEvents entry as AWS sends it: Source `lambda`, the result DetailType, Resources
 * [function ARN, bus ARN] and the record as Detail (invocation-semantics.md section 2.2).
 */
export function destinationMessage(record: InvocationRecord, arn: string): TargetMessage {
  const service = arnService(arn);
  if (service === "events") {
    const outcome = record.requestContext.condition === "Success" ? "Success" : "Failure";
    return {
      body: JSON.stringify({
        Source: "lambda",
        DetailType: `Lambda Function Invocation Result - ${outcome}`,
        Resources: [record.requestContext.functionArn, arn],
        Detail: recordBody(record),
      }),
    };
  }
  return { body: recordBody(record, service === "sns" ? SNS_RECORD_LIMIT_BYTES : undefined) };
}

/** JSON text as a JSON value; anything else as the string it is. */
function embed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function firstBytes(text: string, limit: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= limit) return text;
  // Cut at a character boundary: drop a trailing partial UTF-8 sequence.
  return bytes
    .subarray(0, limit)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}
