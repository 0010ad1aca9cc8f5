import { describe, expect, it } from "vitest";
import type { InvocationSample } from "../../observe/index.js";
import { readAlarmInput } from "./alarm-model.js";
import { evaluateAlarm } from "./alarms.js";
import { LambdaMetricSeries } from "./lambda-metric-series.js";

const T0 = Date.UTC(2025, 0, 1);
const ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn";
const sample = (over: Partial<InvocationSample>): InvocationSample => ({
  at: T0,
  functionName: "fn",
  invokedArn: `${ARN}:live`,
  executedVersion: "2",
  outcome: "success",
  durationMs: 10,
  ...over,
});

const base = {
  periodSec: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 1,
  comparison: "GreaterThanOrEqualToThreshold" as const,
  treatMissingData: "missing" as const,
  state: "INSUFFICIENT_DATA" as const,
  unit: undefined,
  metricName: "Errors" as const,
};

describe("Lambda metric series", () => {
  it("answers per dimension: function, alias resource, executed version", () => {
    const series = new LambdaMetricSeries();
    series.record(sample({ outcome: "error" }));
    series.record(sample({ executedVersion: "1" }));
    series.record(sample({ executedVersion: "1", outcome: "timeout" }));
    series.record(sample({ invokedArn: ARN, executedVersion: "$LATEST" }));
    series.record(sample({ outcome: "throttle" }));
    const errors = (dims: { name: string; value: string }[]) =>
      series.statistic("Errors", "Sum", dims, T0, T0 + 60_000);
    expect(errors([{ name: "FunctionName", value: "fn" }])).toBe(2);
    expect(
      errors([
        { name: "Resource", value: "fn:live" },
        { name: "ExecutedVersion", value: "2" },
      ]),
    ).toBe(1);
    expect(errors([{ name: "Resource", value: "fn" }])).toBe(0);
    expect(series.statistic("Invocations", "Sum", [], T0, T0 + 60_000)).toBe(4);
    expect(series.statistic("Throttles", "Sum", [], T0, T0 + 60_000)).toBe(1);
    expect(
      series.statistic("Errors", "Average", [{ name: "ExecutedVersion", value: "1" }], T0, T0 + 60_000),
    ).toBe(0.5);
    expect(series.statistic("Errors", "Sum", [], T0 + 60_000, T0 + 120_000)).toBeUndefined();
  });
});

describe("alarm evaluation", () => {
  it("evaluates the complete periods before the last boundary", () => {
    const points = new Map<number, number>([[T0, 3]]);
    const at = (start: number) => points.get(start);
    // Still inside the period of the errors: nothing complete yet.
    expect(evaluateAlarm(base, T0 + 30_000, at).state).toBe("INSUFFICIENT_DATA");
    const fired = evaluateAlarm(base, T0 + 60_000, at);
    expect(fired.state).toBe("ALARM");
    expect(fired.reason).toMatch(/greater than or equal to the threshold \(1\.0\)/);
    expect(evaluateAlarm(base, T0 + 120_000, at).state).toBe("INSUFFICIENT_DATA");
    expect(evaluateAlarm({ ...base, treatMissingData: "notBreaching" }, T0 + 120_000, at).state).toBe("OK");
    expect(evaluateAlarm({ ...base, treatMissingData: "breaching" }, T0 + 120_000, at).state).toBe("ALARM");
  });

  it("needs DatapointsToAlarm breaching datapoints out of EvaluationPeriods", () => {
    const values = [5, 0, 5];
    const at = (start: number) => values[(start - T0) / 60_000];
    const alarm = { ...base, evaluationPeriods: 3, datapointsToAlarm: 3 };
    expect(evaluateAlarm(alarm, T0 + 180_000, at).state).toBe("OK");
    expect(evaluateAlarm({ ...alarm, datapointsToAlarm: 2 }, T0 + 180_000, at).state).toBe("ALARM");
  });
});

describe("alarm definitions", () => {
  const arnOf = (name: string) => `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`;
  const valid = {
    AlarmName: "errors",
    Namespace: "AWS/Lambda",
    MetricName: "Errors",
    Statistic: "Sum",
    Period: "60",
    EvaluationPeriods: "1",
    Threshold: "1",
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    Dimensions: [{ Name: "FunctionName", Value: "fn" }],
  };

  it("reads an AWS/Lambda alarm", () => {
    const alarm = readAlarmInput(valid, arnOf);
    expect(alarm).toMatchObject({
      periodSec: 60,
      threshold: 1,
      datapointsToAlarm: 1,
      treatMissingData: "missing",
    });
  });

  it("refuses what Nimbus does not evaluate, naming it", () => {
    expect(() => readAlarmInput({ ...valid, Namespace: "AWS/SQS" }, arnOf)).toThrow(
      /namespace AWS\/SQS is not evaluated/,
    );
    expect(() => readAlarmInput({ ...valid, MetricName: "IteratorAge" }, arnOf)).toThrow(/IteratorAge/);
    expect(() => readAlarmInput({ ...valid, AlarmActions: ["arn:aws:sns:us-east-1:0:t"] }, arnOf)).toThrow(
      /AlarmActions are not run/,
    );
    expect(() =>
      readAlarmInput({ ...valid, Dimensions: [{ Name: "QueueName", Value: "q" }] }, arnOf),
    ).toThrow(/dimension QueueName/);
    expect(() => readAlarmInput({ ...valid, Period: "45" }, arnOf)).toThrow(/Period/);
  });
});
