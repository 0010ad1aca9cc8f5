import { describe, expect, it } from "vitest";
import { errorMatches, findMatching, retryDelayMs, toRetrier } from "./retry.js";

describe("errorMatches", () => {
  it("matches names exactly and case-sensitively", () => {
    expect(errorMatches(["MyError"], "MyError")).toBe(true);
    expect(errorMatches(["MyError"], "myerror")).toBe(false);
  });

  it("States.ALL matches everything except States.Runtime and States.DataLimitExceeded", () => {
    expect(errorMatches(["States.ALL"], "Anything")).toBe(true);
    expect(errorMatches(["States.ALL"], "States.Timeout")).toBe(true);
    expect(errorMatches(["States.ALL"], "States.DataLimitExceeded")).toBe(false);
    expect(errorMatches(["States.DataLimitExceeded"], "States.DataLimitExceeded")).toBe(true);
    expect(errorMatches(["States.ALL"], "States.Runtime")).toBe(false);
    expect(errorMatches(["States.Runtime"], "States.Runtime")).toBe(false);
  });

  it("States.TaskFailed matches everything but timeouts", () => {
    expect(errorMatches(["States.TaskFailed"], "Lambda.ServiceException")).toBe(true);
    expect(errorMatches(["States.TaskFailed"], "States.Timeout")).toBe(false);
  });

  it("States.Timeout also matches States.HeartbeatTimeout", () => {
    expect(errorMatches(["States.Timeout"], "States.HeartbeatTimeout")).toBe(true);
    expect(errorMatches(["States.HeartbeatTimeout"], "States.Timeout")).toBe(false);
  });
});

describe("findMatching", () => {
  it("picks the first matching entry and honours aliases", () => {
    const entries = [{ ErrorEquals: ["A"] }, { ErrorEquals: ["B", "C"] }, { ErrorEquals: ["States.ALL"] }];
    expect(findMatching(entries, "C")).toBe(1);
    expect(findMatching(entries, "Z")).toBe(2);
    expect(
      findMatching([{ ErrorEquals: ["States.HeartbeatTimeout"] }], "States.Timeout", [
        "States.HeartbeatTimeout",
      ]),
    ).toBe(0);
    expect(findMatching(undefined, "A")).toBe(-1);
  });
});

describe("retryDelayMs", () => {
  it("applies AWS defaults: 1 s, doubling", () => {
    const retrier = toRetrier({ ErrorEquals: ["X"] });
    expect(retrier).toMatchObject({ intervalSeconds: 1, maxAttempts: 3, backoffRate: 2, jitter: "NONE" });
    expect([1, 2, 3].map((n) => retryDelayMs(retrier, n, () => 0))).toEqual([1000, 2000, 4000]);
  });

  it("caps delays at MaxDelaySeconds", () => {
    const retrier = toRetrier({
      ErrorEquals: ["X"],
      IntervalSeconds: 3,
      BackoffRate: 3,
      MaxDelaySeconds: 10,
    });
    expect([1, 2, 3].map((n) => retryDelayMs(retrier, n, () => 0))).toEqual([3000, 9000, 10000]);
  });

  it("draws FULL jitter from the injected random source", () => {
    const retrier = toRetrier({ ErrorEquals: ["X"], IntervalSeconds: 4, JitterStrategy: "FULL" });
    expect(retryDelayMs(retrier, 1, () => 0.25)).toBe(1000);
    expect(retryDelayMs(retrier, 2, () => 0.5)).toBe(4000);
  });
});
