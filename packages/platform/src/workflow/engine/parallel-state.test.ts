import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import { resume, startExecution } from "./interpreter.js";
import type { Json } from "./json.js";
import { deterministicSources, runToCompletion } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
};
const env = { now: () => Date.parse(ctx.startTime), ...deterministicSources() };

const branch = (states: Record<string, Json>, startAt = Object.keys(states)[0] ?? "") => ({
  StartAt: startAt,
  States: states,
});
const lambda = "arn:aws:states:::lambda:invoke";

describe("Parallel", () => {
  it("gives every branch the same input and collects outputs in branch order", async () => {
    const definition = {
      StartAt: "Par",
      States: {
        Par: {
          Type: "Parallel",
          Branches: [
            branch({
              Slow: { Type: "Wait", Seconds: 10, Next: "A" },
              A: { Type: "Pass", Result: "a", End: true },
            }),
            branch({ B: { Type: "Pass", InputPath: "$.n", End: true } }),
          ],
          ResultPath: "$.results",
          End: true,
        },
      },
    };
    const result = await runToCompletion(definition, { n: 3 }, ctx, () => ({ status: "noResponse" }));
    expect(result.output).toEqual({ n: 3, results: ["a", 3] });
    const types = result.history.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      "ExecutionStarted",
      "ParallelStateEntered",
      "ParallelStateStarted",
      "WaitStateEntered",
    ]);
    expect(types.slice(-3)).toEqual(["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]);
  });

  it("builds the branch input with Parameters and the result with ResultSelector", async () => {
    const definition = {
      StartAt: "Par",
      States: {
        Par: {
          Type: "Parallel",
          Parameters: { "v.$": "$.value" },
          Branches: [branch({ A: { Type: "Pass", End: true } }), branch({ B: { Type: "Pass", End: true } })],
          ResultSelector: { "first.$": "$[0].v", "count.$": "States.ArrayLength($)" },
          End: true,
        },
      },
    };
    expect(
      (await runToCompletion(definition, { value: 9 }, ctx, () => ({ status: "noResponse" }))).output,
    ).toEqual({
      first: 9,
      count: 2,
    });
  });

  it("runs tasks of several branches at once", async () => {
    const definition = {
      StartAt: "Par",
      States: {
        Par: {
          Type: "Parallel",
          Branches: [
            branch({ T1: { Type: "Task", Resource: lambda, Parameters: { n: 1 }, End: true } }),
            branch({ T2: { Type: "Task", Resource: lambda, Parameters: { n: 2 }, End: true } }),
          ],
          End: true,
        },
      },
    };
    const first = await startExecution(definition, {}, ctx, env);
    const tasks = first.commands.filter((c) => c.kind === "runTask");
    expect(tasks.map((t) => t.kind === "runTask" && t.parameters)).toEqual([{ n: 1 }, { n: 2 }]);
    const [t1, t2] = tasks.map((t) => (t.kind === "runTask" ? t.id : ""));
    const second = await resume(first.state, { kind: "taskSucceeded", id: t2 ?? "", output: "two" }, env);
    expect(second.state.status).toBe("RUNNING");
    const third = await resume(second.state, { kind: "taskSucceeded", id: t1 ?? "", output: "one" }, env);
    expect(third.state.output).toEqual(["one", "two"]);
  });

  it("fails with the failing branch's error and cancels the other branches", async () => {
    const definition = {
      StartAt: "Par",
      States: {
        Par: {
          Type: "Parallel",
          Branches: [
            branch({ Long: { Type: "Task", Resource: lambda, End: true } }),
            branch({ Boom: { Type: "Fail", Error: "BranchError", Cause: "bad branch" } }),
          ],
          End: true,
        },
      },
    };
    const step = await startExecution(definition, {}, ctx, env);
    expect(step.state).toMatchObject({ status: "FAILED", error: "BranchError", cause: "bad branch" });
    const taskId = step.commands.find((c) => c.kind === "runTask")?.id;
    expect(step.commands).toContainEqual({ kind: "cancelTask", id: taskId });
    expect(step.history.map((e) => e.type).slice(-2)).toEqual(["ParallelStateFailed", "ExecutionFailed"]);
  });

  it("can catch a branch failure and retry the whole state", async () => {
    let calls = 0;
    const definition = {
      StartAt: "Par",
      States: {
        Par: {
          Type: "Parallel",
          Branches: [branch({ T: { Type: "Task", Resource: lambda, End: true } })],
          Retry: [{ ErrorEquals: ["Flaky"], MaxAttempts: 1 }],
          Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.err", Next: "Handled" }],
          End: true,
        },
        Handled: { Type: "Pass", End: true },
      },
    };
    const result = await runToCompletion(definition, { in: 1 }, ctx, () => {
      calls++;
      return { status: "failed", error: calls === 1 ? "Flaky" : "Fatal", cause: "c" };
    });
    expect(calls).toBe(2);
    expect(result.output).toEqual({ in: 1, err: { Error: "Fatal", Cause: "c" } });
    expect(result.history.filter((e) => e.type === "ParallelStateStarted")).toHaveLength(2);
  });
});
