import { describe, expect, it } from "vitest";
import { scheduleBody } from "./scheduler.js";

describe("Scheduler schedule properties", () => {
  it("sends ISO dates as epoch seconds and numbers given as strings as numbers", () => {
    expect(
      scheduleBody({
        ScheduleExpression: "rate(1 hour)",
        StartDate: "2030-01-01T00:00:00Z",
        FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: "10" },
        Target: { Arn: "a", RoleArn: "r", RetryPolicy: { MaximumRetryAttempts: "2" } },
      }),
    ).toEqual({
      ScheduleExpression: "rate(1 hour)",
      StartDate: 1893456000,
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 10 },
      Target: { Arn: "a", RoleArn: "r", RetryPolicy: { MaximumRetryAttempts: 2 } },
    });
  });

  it("refuses a date that is not one", () => {
    expect(() => scheduleBody({ EndDate: "tomorrow" })).toThrow(/ISO 8601/);
  });
});
