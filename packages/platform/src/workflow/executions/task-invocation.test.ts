import { describe, expect, it } from "vitest";
import type { InvokeResult } from "../../invoke/index.js";
import type { RunTaskCommand } from "../engine/index.js";
import { isSupportedResource } from "./task-dispatch.js";
import { eventForResult, LAMBDA_INVOKE, LAMBDA_INVOKE_CALLBACK } from "./task-invocation.js";

const command = (resource: string): RunTaskCommand => ({
  kind: "runTask",
  id: "task-1",
  stateName: "Call",
  resource,
  parameters: {},
});

function result(payload: string, error?: string): InvokeResult {
  return {
    requestId: "req-1",
    executedVersion: "$LATEST",
    payload: Buffer.from(payload),
    functionError: error === undefined ? undefined : "Unhandled",
    errorType: error,
    logTail: undefined,
    durationMs: 1,
    coldStart: false,
  };
}

describe("Lambda task results", () => {
  it("gives a function ARN task the function's return value", () => {
    const event = eventForResult(
      command("arn:aws:lambda:us-east-1:000000000000:function:f"),
      result('{"a":1}'),
      false,
      false,
    );
    expect(event).toEqual({ kind: "taskSucceeded", id: "task-1", output: { a: 1 } });
  });

  it("wraps a lambda:invoke result as AWS does, with the payload parsed", () => {
    const event = eventForResult(command(LAMBDA_INVOKE), result('{"a":1}'), true, false);
    expect(event).toMatchObject({
      kind: "taskSucceeded",
      output: {
        ExecutedVersion: "$LATEST",
        Payload: { a: 1 },
        StatusCode: 200,
        SdkResponseMetadata: { RequestId: "req-1" },
        SdkHttpMetadata: { HttpStatusCode: 200 },
      },
    });
  });

  it("fails the task with the function's errorType and the error JSON as cause", () => {
    const payload = '{"errorType":"ValidationError","errorMessage":"bad"}';
    const event = eventForResult(command(LAMBDA_INVOKE), result(payload, "ValidationError"), true, false);
    expect(event).toEqual({ kind: "taskFailed", id: "task-1", error: "ValidationError", cause: payload });
  });

  it("takes the errorType from the payload when the invoker gives none", () => {
    const payload = '{"errorType":"Custom","errorMessage":"x"}';
    const failed = { ...result(payload), functionError: "Unhandled" as const };
    expect(eventForResult(command(LAMBDA_INVOKE), failed, true, false)).toMatchObject({ error: "Custom" });
  });

  it("reports a callback task's invoke as submitted, not succeeded", () => {
    const event = eventForResult(command(LAMBDA_INVOKE_CALLBACK), result("null"), true, true);
    expect(event.kind).toBe("taskSubmitted");
  });

  it("accepts Lambda, nested-execution, queue, topic and bus resources only", () => {
    expect(isSupportedResource(LAMBDA_INVOKE)).toBe(true);
    expect(isSupportedResource(LAMBDA_INVOKE_CALLBACK)).toBe(true);
    expect(isSupportedResource("arn:aws:lambda:us-east-1:000000000000:function:f:prod")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::sqs:sendMessage")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::sns:publish.waitForTaskToken")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::events:putEvents")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::sqs:sendMessage.sync")).toBe(false);
    expect(isSupportedResource("arn:aws:states:::aws-sdk:sqs:sendMessage")).toBe(false);
    expect(isSupportedResource("arn:aws:states:::lambda:invoke.sync")).toBe(false);
    expect(isSupportedResource("arn:aws:states:us-east-1:000000000000:activity:a")).toBe(false);
    expect(isSupportedResource("arn:aws:states:::states:startExecution")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::states:startExecution.sync:2")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::states:startExecution.waitForTaskToken")).toBe(true);
    expect(isSupportedResource("arn:aws:states:::states:describeExecution")).toBe(false);
  });
});
