import { describe, expect, it } from "vitest";
import { isPlatformError } from "../../core/errors.js";
import { WORKFLOW_ERRORS } from "../errors.js";
import type {
  EngineEnv,
  EngineEvent,
  ExecutionContextInput,
  ExecutionState,
  Step,
} from "./execution-state.js";
import { resume, startExecution } from "./interpreter.js";
import type { Json } from "./json.js";
import { deterministicSources } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
  roleArn: "arn:aws:iam::123456789012:role/demo",
};
const START = Date.parse(ctx.startTime);
const env = (at = START, seed = 1): EngineEnv => ({ now: () => at, ...deterministicSources(seed) });
const lambda = "arn:aws:states:::lambda:invoke";

/** Exercises every kind of pending work: tasks in a Map, a retry timer, a Wait and variables. */
const busy = {
  StartAt: "Init",
  States: {
    Init: {
      Type: "Pass",
      Assign: { "token.$": "States.UUID()", "roll.$": "States.MathRandom(1, 6)" },
      Next: "Fan",
    },
    Fan: {
      Type: "Map",
      MaxConcurrency: 2,
      ItemProcessor: {
        StartAt: "Work",
        States: {
          Work: {
            Type: "Task",
            Resource: lambda,
            Parameters: { "item.$": "$", "token.$": "$token" },
            Retry: [{ ErrorEquals: ["Flaky"], IntervalSeconds: 1, JitterStrategy: "FULL" }],
            End: true,
          },
        },
      },
      Next: "Pause",
    },
    Pause: { Type: "Wait", Seconds: 5, Next: "Done" },
    Done: { Type: "Pass", Parameters: { "results.$": "$", "roll.$": "$roll" }, End: true },
  },
};

function pendingTaskIds(step: Step): string[] {
  return step.commands.flatMap((c) => (c.kind === "runTask" ? [c.id] : []));
}

/** Drives `busy` to completion with a fixed script, returning every step. */
async function drive(serialize: boolean): Promise<Step[]> {
  const steps: Step[] = [await startExecution(busy, [1, 2, 3], ctx, env())];
  let clock = START;
  const queue: EngineEvent[] = [];
  let failedOnce = false;
  for (let i = 0; i < 50; i++) {
    const last = steps.at(-1) as Step;
    if (last.state.status !== "RUNNING") break;
    for (const id of pendingTaskIds(last)) {
      queue.push(
        failedOnce ? { kind: "taskSucceeded", id, output: id } : { kind: "taskFailed", id, error: "Flaky" },
      );
      failedOnce = true;
    }
    for (const c of last.commands) if (c.kind === "startTimer") queue.push({ kind: "timerFired", id: c.id });
    const event = queue.shift();
    if (!event) break;
    clock += 1000;
    const state: ExecutionState = serialize ? JSON.parse(JSON.stringify(last.state)) : last.state;
    steps.push(await resume(state, event, env(clock, i + 2)));
  }
  return steps;
}

describe("determinism", () => {
  it("returns identical steps for identical inputs", async () => {
    const a = await startExecution(busy, [1, 2, 3], ctx, env());
    const b = await startExecution(busy, [1, 2, 3], ctx, env());
    expect(a).toEqual(b);
    const id = pendingTaskIds(a)[0] ?? "";
    expect(await resume(a.state, { kind: "taskSucceeded", id, output: 1 }, env(START + 5))).toEqual(
      await resume(b.state, { kind: "taskSucceeded", id, output: 1 }, env(START + 5)),
    );
  });

  it("does not modify the state it resumes from", async () => {
    const first = await startExecution(busy, [1, 2, 3], ctx, env());
    const snapshot = JSON.parse(JSON.stringify(first.state));
    await resume(
      first.state,
      { kind: "taskSucceeded", id: pendingTaskIds(first)[0] ?? "", output: 1 },
      env(),
    );
    expect(first.state).toEqual(snapshot);
  });

  it("resumes a JSON round-tripped state exactly like the live one", async () => {
    const live = await drive(false);
    const persisted = await drive(true);
    expect(persisted).toEqual(live);
    const final = live.at(-1) as Step;
    expect(final.state.status).toBe("SUCCEEDED");
    expect(final.state.output).toMatchObject({ roll: expect.any(Number) });
    const ids = live.flatMap((s) => s.history.map((e) => e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });
});

describe("execution lifecycle", () => {
  it("rejects an invalid definition with the diagnostics", async () => {
    const attempt = startExecution({ StartAt: "X", States: {} }, {}, ctx, env());
    await expect(attempt).rejects.toSatisfy(
      (error: unknown) =>
        isPlatformError(error) &&
        error.code === WORKFLOW_ERRORS.invalidDefinition &&
        error.awsName === "InvalidDefinition",
    );
    await expect(startExecution({ StartAt: "X", States: {} }, {}, ctx, env())).rejects.toThrow(
      /SCHEMA_VALIDATION_FAILED/,
    );
  });

  it("stops on request, cancelling outstanding work", async () => {
    const first = await startExecution(busy, [1, 2, 3], ctx, env());
    const stopped = await resume(first.state, { kind: "stop", error: "Manual", cause: "operator" }, env());
    expect(stopped.state).toMatchObject({
      status: "ABORTED",
      error: "Manual",
      cause: "operator",
      tasks: {},
      timers: {},
      frames: {},
    });
    expect(stopped.history).toMatchObject([
      { type: "ExecutionAborted", executionAbortedEventDetails: { error: "Manual", cause: "operator" } },
    ]);
    const cancelled = stopped.commands.filter((c) => c.kind === "cancelTask").map((c) => c.id);
    expect(cancelled.sort()).toEqual(pendingTaskIds(first).sort());
    expect(stopped.commands.at(-1)).toEqual({
      kind: "complete",
      status: "ABORTED",
      error: "Manual",
      cause: "operator",
    });
  });

  it("times out the execution after the top-level TimeoutSeconds", async () => {
    const definition: Json = {
      TimeoutSeconds: 60,
      StartAt: "W",
      States: { W: { Type: "Wait", Seconds: 3600, End: true } },
    };
    const first = await startExecution(definition, {}, ctx, env());
    const timers = first.commands.filter((c) => c.kind === "startTimer");
    expect(timers.map((t) => t.kind === "startTimer" && t.fireAt)).toEqual([
      START + 60_000,
      START + 3_600_000,
    ]);
    const timedOut = await resume(
      first.state,
      { kind: "timerFired", id: timers[0]?.kind === "startTimer" ? timers[0].id : "" },
      env(START + 60_000),
    );
    expect(timedOut.state.status).toBe("TIMED_OUT");
    expect(timedOut.history.map((e) => e.type)).toEqual(["ExecutionTimedOut"]);
    expect(timedOut.commands).toContainEqual({
      kind: "cancelTimer",
      id: timers[1]?.kind === "startTimer" ? timers[1].id : "",
    });
  });

  it("ignores every event once finished", async () => {
    const done = await startExecution(
      { StartAt: "P", States: { P: { Type: "Pass", End: true } } },
      1,
      ctx,
      env(),
    );
    expect(done.commands).toEqual([{ kind: "complete", status: "SUCCEEDED", output: 1 }]);
    expect(await resume(done.state, { kind: "stop" }, env())).toEqual({
      state: done.state,
      commands: [],
      history: [],
    });
  });

  it("links events inside a Map iteration to the iteration's start", async () => {
    const definition = {
      StartAt: "M",
      States: {
        M: {
          Type: "Map",
          ItemProcessor: { StartAt: "P", States: { P: { Type: "Pass", End: true } } },
          End: true,
        },
      },
    };
    const step = await startExecution(definition, [1], ctx, env());
    const started = step.history.find((e) => e.type === "MapIterationStarted");
    const entered = step.history.find((e) => e.type === "PassStateEntered");
    expect(entered?.previousEventId).toBe(started?.id);
  });
});
