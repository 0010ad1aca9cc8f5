import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import type { SettleMeta } from "./event-types.js";
import {
  deadLetterMessage,
  destinationMessage,
  invocationRecord,
  recordBody,
  SNS_RECORD_LIMIT_BYTES,
} from "./invocation-record.js";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST";

function settled(overrides: Partial<SettleMeta>): SettleMeta {
  const clock = new ManualClock(Date.UTC(2019, 10, 14, 18, 16, 5, 568));
  return {
    kind: "settle",
    requestId: "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
    functionName: "fn",
    qualifier: undefined,
    acceptedAt: clock.now() - 1000,
    condition: "RetriesExhausted",
    attempts: 3,
    settledAt: clock.now(),
    executedVersion: undefined,
    responsePayload: undefined,
    error: {
      statusCode: 200,
      executedVersion: "$LATEST",
      functionError: "Unhandled",
      errorType: "Error",
      errorMessage: "boom",
      responsePayload: '{"errorType":"Error","errorMessage":"boom","trace":[]}',
    },
    ...overrides,
  };
}

describe("invocation records", () => {
  it("builds AWS's failure record with the payloads embedded as JSON", () => {
    expect(invocationRecord(settled({}), ARN, '{"key":"value"}')).toEqual({
      version: "1.0",
      timestamp: "2019-11-14T18:16:05.568Z",
      requestContext: {
        requestId: "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        functionArn: ARN,
        condition: "RetriesExhausted",
        approximateInvokeCount: 3,
      },
      requestPayload: { key: "value" },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "Error", errorMessage: "boom", trace: [] },
    });
  });

  it("builds the success record without functionError, with the function's result", () => {
    const record = invocationRecord(
      settled({
        condition: "Success",
        attempts: 1,
        error: undefined,
        executedVersion: "3",
        responsePayload: '"done"',
      }),
      ARN,
      "[1,2]",
    );
    expect(record.requestContext.condition).toBe("Success");
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: "3" });
    expect(record.requestPayload).toEqual([1, 2]);
    expect(record.responsePayload).toBe("done");
  });

  it("keeps text that is not JSON as a string", () => {
    const record = invocationRecord(
      settled({
        condition: "Success",
        error: undefined,
        executedVersion: "$LATEST",
        responsePayload: "plain",
      }),
      ARN,
      "{}",
    );
    expect(record.responsePayload).toBe("plain");
  });

  it("has no response context for an event that expired before any attempt", () => {
    const record = invocationRecord(
      settled({ condition: "EventAgeExceeded", attempts: 0, error: undefined }),
      ARN,
      "{}",
    );
    expect(record.requestContext).toMatchObject({ condition: "EventAgeExceeded", approximateInvokeCount: 0 });
    expect(record).not.toHaveProperty("responseContext");
    expect(record).not.toHaveProperty("responsePayload");
  });

  it("drops the payloads from a record over the SNS limit", () => {
    const big = JSON.stringify({ pad: "x".repeat(SNS_RECORD_LIMIT_BYTES) });
    const record = invocationRecord(settled({}), ARN, big);
    const forSns = JSON.parse(recordBody(record, SNS_RECORD_LIMIT_BYTES)) as Record<string, unknown>;
    expect(forSns).not.toHaveProperty("requestPayload");
    expect(forSns).not.toHaveProperty("responsePayload");
    expect(forSns.requestContext).toEqual(record.requestContext);
    expect(JSON.parse(recordBody(record))).toHaveProperty("requestPayload");
  });
});

describe("dead-letter messages", () => {
  it("carries the original event and RequestID, ErrorCode, ErrorMessage attributes", () => {
    const message = deadLetterMessage(settled({}), '{"key":"value"}');
    expect(message).toEqual({
      body: '{"key":"value"}',
      attributes: {
        RequestID: { dataType: "String", stringValue: "e4b46cbf-b738-xmpl-8880-a18cdf61200e" },
        ErrorCode: { dataType: "Number", stringValue: "200" },
        ErrorMessage: { dataType: "String", stringValue: "boom" },
      },
    });
  });

  it("cuts ErrorMessage to its first 1 KB without splitting a character", () => {
    const long = `${"a".repeat(1023)}é${"b".repeat(100)}`;
    const base = settled({});
    const message = deadLetterMessage(
      settled({ error: { ...(base.error as NonNullable<SettleMeta["error"]>), errorMessage: long } }),
      "{}",
    );
    const text = message.attributes?.ErrorMessage?.stringValue ?? "";
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text).toBe("a".repeat(1023));
  });
});

describe("destination messages", () => {
  const record = invocationRecord(settled({}), ARN, '{"key":"value"}');

  it("is the record itself for queues and functions, without payloads over the limit for topics", () => {
    expect(JSON.parse(destinationMessage(record, "arn:aws:sqs:us-east-1:000000000000:q").body)).toEqual(
      record,
    );
    expect(
      JSON.parse(destinationMessage(record, "arn:aws:lambda:us-east-1:000000000000:function:f").body),
    ).toEqual(record);
    const big = invocationRecord(
      settled({}),
      ARN,
      JSON.stringify({ pad: "x".repeat(SNS_RECORD_LIMIT_BYTES) }),
    );
    const forTopic = JSON.parse(destinationMessage(big, "arn:aws:sns:us-east-1:000000000000:t").body);
    expect(forTopic).not.toHaveProperty("requestPayload");
  });

  it("is a PutEvents entry for an event bus", () => {
    const bus = "arn:aws:events:us-east-1:000000000000:event-bus/default";
    const entry = JSON.parse(destinationMessage(record, bus).body);
    expect(entry).toEqual({
      Source: "lambda",
      DetailType: "Lambda Function Invocation Result - Failure",
      Resources: [ARN, bus],
      Detail: JSON.stringify(record),
    });
    const success = invocationRecord(
      settled({ condition: "Success", error: undefined, executedVersion: "$LATEST", responsePayload: "1" }),
      ARN,
      "{}",
    );
    expect(JSON.parse(destinationMessage(success, bus).body).DetailType).toBe(
      "Lambda Function Invocation Result - Success",
    );
  });
});
