import { describe, expect, it } from "vitest";
import { queueAttributeChanges, queueAttributes } from "./sqs.js";

describe("SQS queue properties", () => {
  it("turns template values into queue attributes (numbers, booleans, JSON objects as text)", () => {
    expect(
      queueAttributes({
        FifoQueue: "true",
        ContentBasedDeduplication: true,
        VisibilityTimeout: 60,
        RedrivePolicy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq", maxReceiveCount: 5 },
      }),
    ).toEqual({
      FifoQueue: "true",
      ContentBasedDeduplication: "true",
      VisibilityTimeout: "60",
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":5}',
    });
  });

  it("leaves FifoQueue out for a standard queue", () => {
    expect(queueAttributes({ FifoQueue: false, DelaySeconds: "0" })).toEqual({ DelaySeconds: "0" });
  });

  it("updates changed attributes and puts dropped ones back to SQS's defaults", () => {
    const before = { VisibilityTimeout: 60, DelaySeconds: 5, RedrivePolicy: { a: 1 } };
    const after = { VisibilityTimeout: "60", MessageRetentionPeriod: 600 };
    expect(queueAttributeChanges(before, after)).toEqual({
      DelaySeconds: "0",
      RedrivePolicy: "",
      MessageRetentionPeriod: "600",
    });
  });

  it("refuses a property of the wrong shape", () => {
    expect(() => queueAttributes({ VisibilityTimeout: { a: 1 } })).toThrow(
      expect.objectContaining({ code: "ERR_STACK_SERVICE_PROPERTY_INVALID" }),
    );
  });
});
