import { describe, expect, it } from "vitest";
import { isPlatformError } from "../core/errors.js";
import { readCreateInput, readUpdateInput } from "./mapping-input.js";

const QUEUE = "arn:aws:sqs:us-east-1:000000000000:orders";

function refusal(read: () => unknown): { code: string; awsName: string | undefined; message: string } {
  try {
    read();
  } catch (error) {
    if (isPlatformError(error)) return { code: error.code, awsName: error.awsName, message: error.message };
    throw error;
  }
  throw new Error("accepted");
}

describe("readCreateInput", () => {
  it("reads the SQS members into domain names", () => {
    expect(
      readCreateInput({
        EventSourceArn: QUEUE,
        FunctionName: "fn:live",
        Enabled: false,
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        ScalingConfig: { MaximumConcurrency: 7 },
        FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":["b"]}}' }] },
      }),
    ).toEqual({
      eventSourceArn: QUEUE,
      functionName: "fn:live",
      enabled: false,
      batchSize: 100,
      batchingWindowSec: 5,
      reportBatchItemFailures: true,
      maximumConcurrency: 7,
      filterPatterns: ['{"body":{"a":["b"]}}'],
    });
  });

  it("reports every constraint problem at once, as ValidationException", () => {
    const error = refusal(() =>
      readCreateInput({
        EventSourceArn: QUEUE,
        FunctionName: "fn",
        BatchSize: 0,
        MaximumBatchingWindowInSeconds: 301,
        ScalingConfig: { MaximumConcurrency: 1001 },
      }),
    );
    expect(error.awsName).toBe("ValidationException");
    expect(error.message).toMatch(/^3 validation errors detected: /);
    expect(error.message).toContain("'batchSize'");
    expect(error.message).toContain("'maximumBatchingWindowInSeconds'");
    expect(error.message).toContain("'scalingConfig.maximumConcurrency'");
  });

  it.each([
    [
      { EventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s" },
      "ERR_SOURCES_UNSUPPORTED",
      /Kinesis/,
    ],
    [
      { EventSourceArn: "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x" },
      "ERR_SOURCES_UNSUPPORTED",
      /DynamoDB/,
    ],
    [
      { EventSourceArn: "arn:aws:kafka:us-east-1:000000000000:cluster/c/1" },
      "ERR_SOURCES_UNSUPPORTED",
      /MSK/,
    ],
    [{ StartingPosition: "TRIM_HORIZON" }, "ERR_SOURCES_INVALID_PARAMETER", /StartingPosition/],
    [{ BisectBatchOnFunctionError: true }, "ERR_SOURCES_INVALID_PARAMETER", /BisectBatchOnFunctionError/],
    [{ DestinationConfig: { OnFailure: {} } }, "ERR_SOURCES_INVALID_PARAMETER", /DestinationConfig/],
    [{ KMSKeyArn: "arn:aws:kms:us-east-1:000000000000:key/k" }, "ERR_SOURCES_UNSUPPORTED", /KMSKeyArn/],
    [{ MetricsConfig: { Metrics: ["EventCount"] } }, "ERR_SOURCES_UNSUPPORTED", /MetricsConfig/],
    [{ FilterCriteria: { Filters: [{}] } }, "ERR_SOURCES_INVALID_FILTER", /Pattern/],
  ])("refuses %j by name", (extra, code, message) => {
    const error = refusal(() => readCreateInput({ EventSourceArn: QUEUE, FunctionName: "fn", ...extra }));
    expect(error.code).toBe(code);
    expect(error.awsName).toBe("InvalidParameterValueException");
    expect(error.message).toMatch(message);
  });

  it("needs FunctionName and an event source", () => {
    expect(refusal(() => readCreateInput({ EventSourceArn: QUEUE })).awsName).toBe("ValidationException");
    expect(refusal(() => readCreateInput({ FunctionName: "fn" })).code).toBe("ERR_SOURCES_INVALID_PARAMETER");
  });

  it("refuses a member of the wrong JSON type as SerializationException", () => {
    expect(
      refusal(() => readCreateInput({ EventSourceArn: QUEUE, FunctionName: "fn", BatchSize: "10" })).awsName,
    ).toBe("SerializationException");
  });
});

describe("readUpdateInput", () => {
  it("leaves absent members undefined and clears with {} and []", () => {
    expect(readUpdateInput({ BatchSize: 3 })).toMatchObject({
      batchSize: 3,
      enabled: undefined,
      maximumConcurrency: undefined,
      filterPatterns: undefined,
      reportBatchItemFailures: undefined,
    });
    expect(
      readUpdateInput({ ScalingConfig: {}, FilterCriteria: {}, FunctionResponseTypes: [] }),
    ).toMatchObject({
      maximumConcurrency: null,
      filterPatterns: [],
      reportBatchItemFailures: false,
    });
  });

  it("refuses to change the event source", () => {
    expect(refusal(() => readUpdateInput({ EventSourceArn: QUEUE })).message).toMatch(
      /EventSourceArn cannot be changed/,
    );
  });
});
