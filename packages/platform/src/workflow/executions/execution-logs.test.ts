import { describe, expect, it } from "vitest";
import { ExecutionLogWriter, logsEvent, parseLoggingConfiguration, streamName } from "./execution-logs.js";

const ARN = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/x:*";
const dest = [{ cloudWatchLogsLogGroup: { logGroupArn: ARN } }];

describe("parseLoggingConfiguration", () => {
  it("reads the level, includeExecutionData and the log group name", () => {
    expect(
      parseLoggingConfiguration({ level: "ERROR", includeExecutionData: true, destinations: dest }),
    ).toEqual({
      level: "ERROR",
      includeExecutionData: true,
      logGroupName: "/aws/vendedlogs/states/x",
    });
  });

  it("answers undefined for OFF and for no configuration", () => {
    expect(parseLoggingConfiguration({ level: "OFF" })).toBeUndefined();
    expect(parseLoggingConfiguration(undefined)).toBeUndefined();
  });

  it("refuses a bad level, a missing destination, two destinations and a non-log-group ARN", () => {
    const code = (value: Record<string, unknown>) => {
      try {
        parseLoggingConfiguration(value);
        return "accepted";
      } catch (error) {
        return (error as { awsName?: string }).awsName;
      }
    };
    expect(code({ level: "DEBUG", destinations: dest })).toBe("InvalidLoggingConfiguration");
    expect(code({ level: "ALL" })).toBe("InvalidLoggingConfiguration");
    expect(code({ level: "ALL", destinations: [...dest, ...dest] })).toBe("InvalidLoggingConfiguration");
    const noStar = [{ cloudWatchLogsLogGroup: { logGroupArn: ARN.slice(0, -2) } }];
    expect(code({ level: "ALL", destinations: noStar })).toBe("InvalidLoggingConfiguration");
  });
});

describe("log levels", () => {
  it("logs failures at ERROR and only execution ends at FATAL", () => {
    expect(logsEvent("ALL", "PassStateEntered")).toBe(true);
    expect(logsEvent("ERROR", "PassStateEntered")).toBe(false);
    expect(logsEvent("ERROR", "LambdaFunctionFailed")).toBe(true);
    expect(logsEvent("ERROR", "TaskTimedOut")).toBe(true);
    expect(logsEvent("ERROR", "FailStateEntered")).toBe(true);
    expect(logsEvent("ERROR", "MapIterationAborted")).toBe(true);
    expect(logsEvent("FATAL", "FailStateEntered")).toBe(false);
    expect(logsEvent("FATAL", "TaskFailed")).toBe(false);
    expect(logsEvent("FATAL", "ExecutionTimedOut")).toBe(true);
  });
});

describe("ExecutionLogWriter", () => {
  it("writes events in Step Functions' log shape to one stream per execution", () => {
    const lines: { group: string; stream: string; message: string }[] = [];
    const writer = new ExecutionLogWriter({
      append: (group, stream, _ts, message) => lines.push({ group, stream, message }),
    });
    const execution = {
      executionArn: "arn:aws:states:us-east-1:000000000000:execution:m:e",
      stateMachineName: "m",
      startedAt: Date.UTC(2025, 0, 2, 3, 4),
    };
    writer.write({ level: "ALL", includeExecutionData: false, logGroupName: "g" }, execution, [
      {
        id: 1,
        previousEventId: 0,
        timestamp: 5,
        type: "ExecutionStarted",
        executionStartedEventDetails: { input: "{}", inputDetails: { truncated: false } },
      },
    ]);
    expect(lines[0]?.stream).toBe(streamName(execution));
    expect(lines[0]?.stream).toMatch(/^states\/m\/2025-01-02-03-04\/[0-9a-f]{8}$/);
    expect(JSON.parse(lines[0]?.message ?? "")).toEqual({
      id: "1",
      type: "ExecutionStarted",
      details: { inputDetails: { truncated: false } },
      previous_event_id: "0",
      event_timestamp: "5",
      execution_arn: execution.executionArn,
      redrive_count: "0",
    });
  });
});
