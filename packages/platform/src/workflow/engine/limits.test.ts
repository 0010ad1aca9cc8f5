import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import { runToCompletion } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:limits:run",
  executionName: "run",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:limits",
  stateMachineName: "limits",
  startTime: "2025-01-01T00:00:00.000Z",
};
const noTasks = () => ({ status: "noResponse" as const });
const CAUSE = (name: string) =>
  `The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`;

/** A loop of Pass and Choice states that never ends for an input without `stop`. */
const loop = {
  StartAt: "A",
  States: {
    A: { Type: "Pass", Next: "B" },
    B: { Type: "Choice", Choices: [{ Variable: "$.stop", IsPresent: true, Next: "Done" }], Default: "A" },
    Done: { Type: "Succeed" },
  },
};

describe("history event quota", () => {
  it("fails the execution with States.Runtime at the configured number of events", async () => {
    const result = await runToCompletion(loop, {}, ctx, noTasks, { limits: { maxHistoryEvents: 50 } });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.Runtime");
    expect(result.cause).toBe("The execution reached the maximum number of history events (50).");
    expect(result.history.at(-1)?.type).toBe("ExecutionFailed");
    // Checked before each state is entered: at most the last state's events and ExecutionFailed on top.
    expect(result.history.length).toBeGreaterThanOrEqual(50);
    expect(result.history.length).toBeLessThanOrEqual(53);
  });

  it("defaults to AWS's 25,000 events", async () => {
    const result = await runToCompletion(loop, {}, ctx, noTasks);
    expect(result.cause).toBe("The execution reached the maximum number of history events (25000).");
  });
});

describe("payload quota", () => {
  const big = {
    StartAt: "Grow",
    States: { Grow: { Type: "Pass", Parameters: { "blob.$": "States.ArrayRange(1, 400, 1)" }, End: true } },
  };

  it("fails a state whose output is over the quota with States.DataLimitExceeded", async () => {
    const result = await runToCompletion(big, {}, ctx, noTasks, { limits: { maxPayloadBytes: 1024 } });
    expect(result).toMatchObject({
      status: "FAILED",
      error: "States.DataLimitExceeded",
      cause: CAUSE("Grow"),
    });
  });

  it("lets the same output through under a larger quota", async () => {
    const result = await runToCompletion(big, {}, ctx, noTasks, { limits: { maxPayloadBytes: 4096 } });
    expect(result.status).toBe("SUCCEEDED");
  });

  it("is not caught by States.ALL but by a catcher naming States.DataLimitExceeded", async () => {
    const wrap = (errorEquals: string[]) => ({
      StartAt: "Work",
      States: {
        Work: {
          Type: "Parallel",
          Branches: [big],
          Catch: [{ ErrorEquals: errorEquals, ResultPath: null, Next: "Recovered" }],
          End: true,
        },
        Recovered: { Type: "Pass", Result: "recovered", End: true },
      },
    });
    const limits = { maxPayloadBytes: 1024 };
    const all = await runToCompletion(wrap(["States.ALL"]), {}, ctx, noTasks, { limits });
    expect(all.status).toBe("FAILED");
    const named = await runToCompletion(wrap(["States.DataLimitExceeded"]), {}, ctx, noTasks, { limits });
    expect(named).toMatchObject({ status: "SUCCEEDED", output: "recovered" });
  });

  it("fails a Task whose input after Parameters is over the quota before calling it", async () => {
    const definition = {
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "f", "Payload.$": "States.ArrayRange(1, 400, 1)" },
          End: true,
        },
      },
    };
    let called = false;
    const result = await runToCompletion(
      definition,
      {},
      ctx,
      () => {
        called = true;
        return { status: "succeeded", output: {} };
      },
      { limits: { maxPayloadBytes: 1024 } },
    );
    expect(called).toBe(false);
    expect(result).toMatchObject({ error: "States.DataLimitExceeded", cause: CAUSE("T") });
  });
});
