import { describe, expect, it } from "vitest";
import { hasTaskToken, parseResource, regionOf } from "./resource.js";

describe("parseResource", () => {
  it("recognises Lambda function ARNs, with or without a qualifier", () => {
    expect(parseResource("arn:aws:lambda:us-east-1:123456789012:function:hello")).toEqual({
      kind: "lambda",
      arn: "arn:aws:lambda:us-east-1:123456789012:function:hello",
    });
    expect(parseResource("arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST")?.kind).toBe(
      "lambda",
    );
  });

  it("recognises activities", () => {
    expect(parseResource("arn:aws:states:us-east-1:123456789012:activity:review")?.kind).toBe("activity");
  });

  it("splits service integrations into resourceType, resource and pattern", () => {
    expect(parseResource("arn:aws:states:::lambda:invoke")).toMatchObject({
      kind: "service",
      resourceType: "lambda",
      resource: "invoke",
      pattern: "requestResponse",
    });
    expect(parseResource("arn:aws:states:::states:startExecution.sync:2")).toMatchObject({
      resource: "startExecution.sync:2",
      pattern: "sync2",
    });
    expect(parseResource("arn:aws:states:::batch:submitJob.sync")).toMatchObject({ pattern: "sync" });
    expect(parseResource("arn:aws:states:::sqs:sendMessage.waitForTaskToken")).toMatchObject({
      pattern: "waitForTaskToken",
    });
    expect(parseResource("arn:aws:states:::aws-sdk:s3:listBuckets")).toMatchObject({
      resourceType: "aws-sdk:s3",
      resource: "listBuckets",
    });
  });

  it("rejects anything else", () => {
    expect(parseResource("lambda")).toBeUndefined();
    expect(parseResource("arn:aws:states:::lambda")).toBeUndefined();
    expect(parseResource("arn:aws:s3:::bucket")).toBeUndefined();
  });

  it("knows which resources get a task token", () => {
    const token = (arn: string) => {
      const r = parseResource(arn);
      return r ? hasTaskToken(r) : undefined;
    };
    expect(token("arn:aws:states:::lambda:invoke.waitForTaskToken")).toBe(true);
    expect(token("arn:aws:states:us-east-1:123456789012:activity:a")).toBe(true);
    expect(token("arn:aws:states:::lambda:invoke")).toBe(false);
  });

  it("reads the region of an ARN", () => {
    expect(regionOf("arn:aws:states:eu-west-1:123456789012:stateMachine:x")).toBe("eu-west-1");
    expect(regionOf("arn:aws:states:::lambda:invoke")).toBeUndefined();
  });
});
