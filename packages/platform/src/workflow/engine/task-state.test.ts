import { describe, expect, it } from "vitest";
import type { EngineEnv, ExecutionContextInput, Step } from "./execution-state.js";
import { resume, startExecution, taskIdForToken } from "./interpreter.js";
import type { Json } from "./json.js";
import { deterministicSources, runToCompletion } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:eu-west-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
};
const START = Date.parse(ctx.startTime);

function env(at = START): EngineEnv {
  return { now: () => at, ...deterministicSources() };
}

const task = (fields: Record<string, Json>) => ({
  StartAt: "T",
  States: { T: { Type: "Task", End: true, ...fields } },
});
const runTask = (step: Step) => step.commands.find((c) => c.kind === "runTask");
const types = (step: { history: { type: string }[] }) => step.history.map((e) => e.type);

describe("scheduling", () => {
  it("schedules an optimized integration with TaskScheduled/TaskStarted and a runTask command", async () => {
    const definition = task({
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "fn", "Payload.$": "$" },
      TimeoutSeconds: 30,
    });
    const step = await startExecution(definition, { x: 1 }, ctx, env());
    expect(types(step)).toEqual(["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted"]);
    expect(step.history[2]).toMatchObject({
      previousEventId: 2,
      taskScheduledEventDetails: {
        resourceType: "lambda",
        resource: "invoke",
        region: "eu-west-1",
        parameters: '{"FunctionName":"fn","Payload":{"x":1}}',
        timeoutInSeconds: 30,
      },
    });
    expect(step.history[3]?.taskStartedEventDetails).toEqual({ resourceType: "lambda", resource: "invoke" });
    expect(runTask(step)).toEqual({
      kind: "runTask",
      id: expect.any(String),
      stateName: "T",
      resource: "arn:aws:states:::lambda:invoke",
      parameters: { FunctionName: "fn", Payload: { x: 1 } },
      timeoutSeconds: 30,
    });
    expect(step.commands).toContainEqual({
      kind: "startTimer",
      id: expect.any(String),
      fireAt: START + 30_000,
    });
  });

  it("uses LambdaFunction* events for a function ARN resource", async () => {
    const definition = task({ Resource: "arn:aws:lambda:eu-west-1:123456789012:function:hello" });
    const result = await runToCompletion(definition, { a: 1 }, ctx, () => ({
      status: "succeeded",
      output: { ok: true },
    }));
    expect(result.history.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(result.history[2]?.lambdaFunctionScheduledEventDetails).toEqual({
      resource: "arn:aws:lambda:eu-west-1:123456789012:function:hello",
      input: '{"a":1}',
      inputDetails: { truncated: false },
    });
    expect(result.history[4]?.lambdaFunctionSucceededEventDetails).toEqual({
      output: '{"ok":true}',
      outputDetails: { truncated: false },
    });
    expect(result.history[3]).not.toHaveProperty("lambdaFunctionStartedEventDetails");
  });

  it("names aws-sdk integrations by service and action", async () => {
    const step = await startExecution(
      task({ Resource: "arn:aws:states:::aws-sdk:s3:listBuckets" }),
      {},
      ctx,
      env(),
    );
    expect(step.history[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: "aws-sdk:s3",
      resource: "listBuckets",
    });
  });

  it("exposes $$.Task.Token to callback tasks and finds the task by token", async () => {
    const definition = task({
      Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      Parameters: { QueueUrl: "q", MessageBody: { "TaskToken.$": "$$.Task.Token" } },
      HeartbeatSeconds: 5,
    });
    const step = await startExecution(definition, {}, ctx, env());
    const command = runTask(step);
    if (command?.kind !== "runTask") throw new Error("no runTask");
    expect(command.taskToken).toBe("00000000-0000-4000-8000-000000000001");
    expect(command.parameters).toEqual({ QueueUrl: "q", MessageBody: { TaskToken: command.taskToken } });
    expect(taskIdForToken(step.state, command.taskToken ?? "")).toBe(command.id);
    const submitted = await resume(
      step.state,
      { kind: "taskSubmitted", id: command.id, output: { MessageId: "m" } },
      env(),
    );
    expect(submitted.history[0]).toMatchObject({
      type: "TaskSubmitted",
      taskSubmittedEventDetails: {
        resourceType: "sqs",
        resource: "sendMessage.waitForTaskToken",
        output: '{"MessageId":"m"}',
      },
    });
  });

  it("starts activities when a worker picks them up", async () => {
    const definition = task({ Resource: "arn:aws:states:eu-west-1:123456789012:activity:review" });
    const step = await startExecution(definition, { doc: 1 }, ctx, env());
    expect(types(step)).toEqual(["ExecutionStarted", "TaskStateEntered", "ActivityScheduled"]);
    const command = runTask(step);
    if (command?.kind !== "runTask") throw new Error("no runTask");
    expect(command.taskToken).toBeDefined();
    const started = await resume(
      step.state,
      { kind: "taskStarted", id: command.id, workerName: "w1" },
      env(),
    );
    expect(started.history).toMatchObject([
      { type: "ActivityStarted", activityStartedEventDetails: { workerName: "w1" } },
    ]);
    const done = await resume(started.state, { kind: "taskSucceeded", id: command.id, output: "ok" }, env());
    expect(types(done)).toEqual(["ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"]);
  });

  it("evaluates TimeoutSecondsPath, HeartbeatSecondsPath and Credentials", async () => {
    const definition = task({
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      TimeoutSecondsPath: "$.timeout",
      HeartbeatSecondsPath: "$.beat",
      Credentials: { "RoleArn.$": "$.role" },
    });
    const step = await startExecution(
      definition,
      { timeout: 60, beat: 10, role: "arn:aws:iam::1:role/x" },
      ctx,
      env(),
    );
    expect(runTask(step)).toMatchObject({
      timeoutSeconds: 60,
      heartbeatSeconds: 10,
      credentials: { RoleArn: "arn:aws:iam::1:role/x" },
    });
    expect(step.history[2]?.taskScheduledEventDetails).toMatchObject({
      timeoutInSeconds: 60,
      heartbeatInSeconds: 10,
      taskCredentials: { roleArn: "arn:aws:iam::1:role/x" },
    });
  });
});

describe("results", () => {
  it("applies ResultSelector, ResultPath and OutputPath to the task result", async () => {
    const definition = task({
      Resource: "arn:aws:states:::lambda:invoke",
      ResultSelector: { "body.$": "$.Payload", "code.$": "$.StatusCode" },
      ResultPath: "$.result",
      OutputPath: "$.result",
    });
    const result = await runToCompletion(definition, { keep: 1 }, ctx, () => ({
      status: "succeeded",
      output: { ExecutedVersion: "$LATEST", Payload: { hello: "world" }, StatusCode: 200 },
    }));
    expect(result.output).toEqual({ body: { hello: "world" }, code: 200 });
  });

  it("fails the task with States.DataLimitExceeded for results over 256 KiB", async () => {
    const definition = task({ Resource: "arn:aws:states:::lambda:invoke" });
    const result = await runToCompletion(definition, {}, ctx, () => ({
      status: "succeeded",
      output: "x".repeat(262_144),
    }));
    expect(result.error).toBe("States.DataLimitExceeded");
    expect(result.history.map((e) => e.type)).toContain("TaskFailed");
  });

  it("fails with States.Runtime when ResultSelector cannot be applied, even with a catch-all", async () => {
    const definition = {
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          ResultSelector: { "x.$": "$.missing" },
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Caught" }],
          End: true,
        },
        Caught: { Type: "Succeed" },
      },
    };
    const result = await runToCompletion(definition, {}, ctx, () => ({ status: "succeeded", output: {} }));
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.Runtime");
    expect(result.cause).toMatch(
      /^An error occurred while executing the state 'T' \(entered at the event id #2\)\. The JSONPath '\$\.missing'/,
    );
  });
});

describe("timeouts and heartbeats", () => {
  it("times out after TimeoutSeconds with States.Timeout", async () => {
    const definition = task({ Resource: "arn:aws:states:::lambda:invoke", TimeoutSeconds: 5 });
    const result = await runToCompletion(definition, {}, ctx, () => ({ status: "noResponse" }));
    expect(result).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    expect(result.endMs - START).toBe(5000);
    expect(result.history.at(-2)).toMatchObject({
      type: "TaskTimedOut",
      taskTimedOutEventDetails: { resourceType: "lambda", resource: "invoke", error: "States.Timeout" },
    });
    expect(result.history.at(-1)?.executionFailedEventDetails).toEqual({ error: "States.Timeout" });
  });

  it("a late answer loses against the timeout, and is ignored afterwards", async () => {
    const definition = task({ Resource: "arn:aws:states:::lambda:invoke", TimeoutSeconds: 5 });
    const result = await runToCompletion(definition, {}, ctx, () => ({
      status: "succeeded",
      output: 1,
      afterMs: 6000,
    }));
    expect(result.error).toBe("States.Timeout");
    const early = await runToCompletion(definition, {}, ctx, () => ({
      status: "succeeded",
      output: 1,
      afterMs: 4000,
    }));
    expect(early.status).toBe("SUCCEEDED");
  });

  it("fails a callback that misses its heartbeat, matched by States.HeartbeatTimeout", async () => {
    const definition = {
      StartAt: "T",
      States: {
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          HeartbeatSeconds: 5,
          TimeoutSeconds: 100,
          Catch: [{ ErrorEquals: ["States.HeartbeatTimeout"], Next: "Beat" }],
          End: true,
        },
        Beat: { Type: "Pass", End: true },
      },
    };
    const result = await runToCompletion(definition, {}, ctx, () => ({ status: "noResponse" }));
    expect(result.status).toBe("SUCCEEDED");
    expect(result.output).toEqual({ Error: "States.Timeout", Cause: "" });
    expect(result.endMs - START).toBe(5000);
  });

  it("SendTaskHeartbeat restarts the heartbeat clock", async () => {
    const definition = task({
      Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      HeartbeatSeconds: 5,
    });
    const first = await startExecution(definition, {}, ctx, env());
    const command = runTask(first);
    if (command?.kind !== "runTask") throw new Error("no runTask");
    const beat = await resume(first.state, { kind: "taskHeartbeat", id: command.id }, env(START + 4000));
    expect(beat.history).toEqual([]);
    expect(beat.commands).toEqual([
      { kind: "cancelTimer", id: expect.any(String) },
      { kind: "startTimer", id: expect.any(String), fireAt: START + 9000 },
    ]);
  });
});

describe("stale events", () => {
  it("ignores answers for unknown or finished tasks and unknown timers", async () => {
    const definition = task({ Resource: "arn:aws:states:::lambda:invoke" });
    const first = await startExecution(definition, {}, ctx, env());
    const command = runTask(first);
    if (command?.kind !== "runTask") throw new Error("no runTask");
    const unknown = await resume(first.state, { kind: "taskSucceeded", id: "task-999", output: 1 }, env());
    expect(unknown.history).toEqual([]);
    expect(unknown.state).toEqual(first.state);
    const done = await resume(first.state, { kind: "taskSucceeded", id: command.id, output: 1 }, env());
    expect(done.state.status).toBe("SUCCEEDED");
    const again = await resume(done.state, { kind: "taskFailed", id: command.id, error: "X" }, env());
    expect(again).toEqual({ state: done.state, commands: [], history: [] });
    const timer = await resume(first.state, { kind: "timerFired", id: "timer-404" }, env());
    expect(timer.history).toEqual([]);
  });
});
