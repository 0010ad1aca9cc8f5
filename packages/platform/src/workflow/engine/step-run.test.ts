import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import type { Json } from "./json.js";
import { runToCompletion, type TaskHandler } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
};
const START = Date.parse(ctx.startTime);

/** Fails with the listed errors in order, then succeeds; records the time of each attempt. */
function flaky(errors: string[], attempts: number[] = []): TaskHandler {
  let n = 0;
  return () => {
    attempts.push(n);
    const error = errors[n++];
    return error === undefined
      ? { status: "succeeded", output: "ok" }
      : { status: "failed", error, cause: `cause ${n}` };
  };
}

function taskWith(fields: Record<string, Json>, extraStates: Record<string, Json> = {}) {
  return {
    StartAt: "T",
    States: {
      T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true, ...fields },
      ...extraStates,
    },
  };
}

describe("Retry", () => {
  it("retries with IntervalSeconds and BackoffRate on the injected clock", async () => {
    const times: number[] = [];
    let clockAtAttempt = 0;
    const handler: TaskHandler = () => {
      times.push(clockAtAttempt++);
      return { status: "failed", error: "Boom" };
    };
    const definition = taskWith({
      Retry: [{ ErrorEquals: ["Boom"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 3 }],
    });
    const result = await runToCompletion(definition, {}, ctx, handler);
    expect(result.error).toBe("Boom");
    expect(times).toHaveLength(4);
    // 2 s, then 6 s, then 18 s between attempts.
    expect(result.endMs - START).toBe(26_000);
    const scheduled = result.history
      .filter((e) => e.type === "TaskScheduled")
      .map((e) => e.timestamp - START);
    expect(scheduled).toEqual([0, 2000, 8000, 26_000]);
  });

  it("keeps one attempt counter per retrier within the state visit", async () => {
    const definition = taskWith({
      Retry: [
        { ErrorEquals: ["A"], MaxAttempts: 1, IntervalSeconds: 1 },
        { ErrorEquals: ["B"], MaxAttempts: 2, IntervalSeconds: 1 },
      ],
    });
    const ok = await runToCompletion(definition, {}, ctx, flaky(["A", "B", "B"]));
    expect(ok.status).toBe("SUCCEEDED");
    const exhausted = await runToCompletion(definition, {}, ctx, flaky(["A", "B", "A"]));
    expect(exhausted.error).toBe("A");
  });

  it("MaxAttempts 0 never retries, and the first matching retrier decides", async () => {
    const definition = taskWith({
      Retry: [
        { ErrorEquals: ["A"], MaxAttempts: 0 },
        { ErrorEquals: ["States.ALL"], MaxAttempts: 5 },
      ],
    });
    const result = await runToCompletion(definition, {}, ctx, flaky(["A"]));
    expect(result.error).toBe("A");
    expect(result.history.filter((e) => e.type === "TaskScheduled")).toHaveLength(1);
  });

  it("caps the delay with MaxDelaySeconds and spreads it with FULL jitter", async () => {
    const capped = taskWith({
      Retry: [
        { ErrorEquals: ["X"], IntervalSeconds: 10, BackoffRate: 10, MaxAttempts: 2, MaxDelaySeconds: 15 },
      ],
    });
    expect((await runToCompletion(capped, {}, ctx, flaky(["X", "X"]))).endMs - START).toBe(25_000);
    const jittered = taskWith({
      Retry: [{ ErrorEquals: ["X"], IntervalSeconds: 10, MaxAttempts: 1, JitterStrategy: "FULL" }],
    });
    const result = await runToCompletion(jittered, {}, ctx, flaky(["X"]), { random: () => 0.5 });
    expect(result.endMs - START).toBe(5000);
  });

  it("exposes the retry count as $$.State.RetryCount", async () => {
    const seen: Json[] = [];
    const definition = taskWith({
      Parameters: { "retry.$": "$$.State.RetryCount" },
      Retry: [{ ErrorEquals: ["X"], MaxAttempts: 2 }],
    });
    let n = 0;
    await runToCompletion(definition, {}, ctx, (task) => {
      seen.push(task.parameters);
      return n++ < 2 ? { status: "failed", error: "X" } : { status: "succeeded", output: 1 };
    });
    expect(seen).toEqual([{ retry: 0 }, { retry: 1 }, { retry: 2 }]);
  });

  it("never retries States.Runtime", async () => {
    const definition = taskWith({
      Parameters: { "x.$": "$.missing" },
      Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 3 }],
    });
    const result = await runToCompletion(definition, {}, ctx, flaky([]));
    expect(result.error).toBe("States.Runtime");
    expect(result.history.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "ExecutionFailed",
    ]);
  });
});

describe("Catch", () => {
  const withCatch = (catcher: Record<string, Json>) =>
    taskWith(
      { Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "Recover", ...catcher }] },
      { Recover: { Type: "Pass", End: true } },
    );

  it("replaces the input with the error output by default", async () => {
    const result = await runToCompletion(withCatch({}), { a: 1 }, ctx, flaky(["Oops"]));
    expect(result.output).toEqual({ Error: "Oops", Cause: "cause 1" });
    expect(result.history.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("places the error output with the catcher's ResultPath", async () => {
    const result = await runToCompletion(
      withCatch({ ResultPath: "$.error" }),
      { a: 1 },
      ctx,
      flaky(["Oops"]),
    );
    expect(result.output).toEqual({ a: 1, error: { Error: "Oops", Cause: "cause 1" } });
  });

  it("tries Retry before Catch", async () => {
    const definition = taskWith(
      {
        Retry: [{ ErrorEquals: ["Oops"], MaxAttempts: 1 }],
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "Recover" }],
      },
      { Recover: { Type: "Pass", End: true } },
    );
    const result = await runToCompletion(definition, {}, ctx, flaky(["Oops", "Oops"]));
    expect(result.output).toEqual({ Error: "Oops", Cause: "cause 2" });
  });

  it("does not catch a timeout with States.TaskFailed", async () => {
    const definition = taskWith(
      { TimeoutSeconds: 1, Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "Recover" }] },
      { Recover: { Type: "Pass", End: true } },
    );
    const result = await runToCompletion(definition, {}, ctx, () => ({ status: "noResponse" }));
    expect(result.error).toBe("States.Timeout");
  });

  it("assigns variables from a catcher", async () => {
    const definition = taskWith(
      { Catch: [{ ErrorEquals: ["States.ALL"], Next: "Recover", Assign: { "lastError.$": "$.Error" } }] },
      { Recover: { Type: "Pass", Parameters: { "err.$": "$lastError" }, End: true } },
    );
    const result = await runToCompletion(definition, {}, ctx, flaky(["Bad"]));
    expect(result.output).toEqual({ err: "Bad" });
  });
});

describe("limits", () => {
  it("fails an execution that would write more than 25,000 history events", async () => {
    const definition = {
      StartAt: "Loop",
      States: {
        Loop: { Type: "Pass", Next: "Check" },
        Check: {
          Type: "Choice",
          Choices: [{ Variable: "$.stop", BooleanEquals: true, Next: "End" }],
          Default: "Loop",
        },
        End: { Type: "Succeed" },
      },
    };
    const result = await runToCompletion(definition, { stop: false }, ctx, flaky([]));
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.Runtime");
    expect(result.history.length).toBeGreaterThan(25_000);
    expect(result.history.length).toBeLessThan(25_005);
  });
});
