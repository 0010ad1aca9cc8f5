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
  roleArn: "arn:aws:iam::123456789012:role/demo",
};

const noTasks: TaskHandler = () => {
  throw new Error("no task expected");
};

const run = (definition: Json, input: Json = {}, handler: TaskHandler = noTasks) =>
  runToCompletion(definition, input, ctx, handler);

const types = (history: { type: string }[]) => history.map((e) => e.type);

describe("Pass", () => {
  it("passes its input through by default", async () => {
    const result = await run({ StartAt: "P", States: { P: { Type: "Pass", End: true } } }, { a: 1 });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.output).toEqual({ a: 1 });
    expect(types(result.history)).toEqual([
      "ExecutionStarted",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("places Result with ResultPath (AWS docs example)", async () => {
    const definition = {
      StartAt: "No-op",
      States: {
        "No-op": {
          Type: "Pass",
          Result: { "x-datum": 0.381018, "y-datum": 622.2269926397355 },
          ResultPath: "$.coords",
          End: true,
        },
      },
    };
    const input = { georefOf: "Home" };
    const result = await run(definition, input);
    expect(result.output).toEqual({
      georefOf: "Home",
      coords: { "x-datum": 0.381018, "y-datum": 622.2269926397355 },
    });
  });

  it("builds output with Parameters from the input and the context object", async () => {
    const definition = {
      StartAt: "P",
      States: {
        P: {
          Type: "Pass",
          InputPath: "$.order",
          Parameters: { "id.$": "$.id", "execution.$": "$$.Execution.Name", "state.$": "$$.State.Name" },
          OutputPath: "$.id",
          End: true,
        },
      },
    };
    expect((await run(definition, { order: { id: 7 } })).output).toBe(7);
    const whole = { ...definition, States: { P: { ...definition.States.P, OutputPath: "$" } } };
    expect((await run(whole, { order: { id: 7 } })).output).toEqual({
      id: 7,
      execution: "run-1",
      state: "P",
    });
  });

  it("records input and output as JSON text in history", async () => {
    const result = await run(
      { StartAt: "P", States: { P: { Type: "Pass", Result: "x", End: true } } },
      { a: [1] },
    );
    const [started, entered, exited, succeeded] = result.history;
    expect(started).toMatchObject({
      id: 1,
      previousEventId: 0,
      type: "ExecutionStarted",
      executionStartedEventDetails: {
        input: '{"a":[1]}',
        inputDetails: { truncated: false },
        roleArn: ctx.roleArn,
      },
    });
    expect(entered).toMatchObject({
      id: 2,
      previousEventId: 0,
      stateEnteredEventDetails: { name: "P", input: '{"a":[1]}', inputDetails: { truncated: false } },
    });
    expect(exited).toMatchObject({
      id: 3,
      previousEventId: 2,
      stateExitedEventDetails: { name: "P", output: '"x"' },
    });
    expect(succeeded).toMatchObject({
      id: 4,
      previousEventId: 3,
      executionSucceededEventDetails: { output: '"x"' },
    });
    expect(entered?.timestamp).toBe(Date.parse(ctx.startTime));
  });
});

describe("Choice", () => {
  const definition = {
    StartAt: "ChoiceState",
    States: {
      ChoiceState: {
        Type: "Choice",
        Choices: [
          { Variable: "$.foo", NumericEquals: 1, Next: "FirstMatchState" },
          { Variable: "$.foo", NumericEquals: 2, Next: "SecondMatchState" },
          {
            And: [
              { Variable: "$.foo", NumericGreaterThan: 2 },
              { Variable: "$.foo", NumericLessThan: 5 },
            ],
            Next: "Range",
          },
        ],
        Default: "DefaultState",
      },
      FirstMatchState: { Type: "Pass", Result: "first", End: true },
      SecondMatchState: { Type: "Pass", Result: "second", End: true },
      Range: { Type: "Pass", Result: "range", End: true },
      DefaultState: { Type: "Fail", Error: "DefaultStateError", Cause: "No Matches!" },
    },
  };

  it.each([
    [1, "first"],
    [2, "second"],
    [4, "range"],
  ])("routes foo=%s to %s", async (foo, expected) => {
    expect((await run(definition, { foo })).output).toBe(expected);
  });

  it("takes Default when nothing matches", async () => {
    const result = await run(definition, { foo: 9 });
    expect(result).toMatchObject({ status: "FAILED", error: "DefaultStateError", cause: "No Matches!" });
    expect(types(result.history)).toEqual([
      "ExecutionStarted",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "FailStateEntered",
      "ExecutionFailed",
    ]);
  });

  it("fails with States.NoChoiceMatched without a Default", async () => {
    const noDefault = {
      StartAt: "C",
      States: {
        C: { Type: "Choice", Choices: [{ Variable: "$.foo", NumericEquals: 1, Next: "One" }] },
        One: { Type: "Succeed" },
      },
    };
    const result = await run(noDefault, { foo: 9 });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.NoChoiceMatched");
  });

  it("fails with States.Runtime when the Variable is missing", async () => {
    const result = await run(definition, {});
    expect(result.error).toBe("States.Runtime");
    expect(result.cause).toBe(
      "An error occurred while executing the state 'ChoiceState' (entered at the event id #2). Invalid path '$.foo': The choice state's condition path references an invalid value.",
    );
  });

  it("applies InputPath and OutputPath", async () => {
    const def = {
      StartAt: "C",
      States: {
        C: {
          Type: "Choice",
          InputPath: "$.in",
          OutputPath: "$.v",
          Choices: [{ Variable: "$.v", IsPresent: true, Next: "D" }],
        },
        D: { Type: "Succeed" },
      },
    };
    expect((await run(def, { in: { v: 3 } })).output).toBe(3);
  });
});

describe("Wait", () => {
  const waitThen = (wait: Json) => ({
    StartAt: "W",
    States: { W: { ...(wait as object), Type: "Wait", Next: "Done" }, Done: { Type: "Succeed" } },
  });

  it("waits Seconds on the injected clock", async () => {
    const result = await run(waitThen({ Seconds: 10 }), { a: 1 });
    expect(result.output).toEqual({ a: 1 });
    expect(result.endMs - Date.parse(ctx.startTime)).toBe(10_000);
    expect(types(result.history)).toContain("WaitStateExited");
  });

  it("waits until a Timestamp", async () => {
    const result = await run(waitThen({ Timestamp: "2025-01-01T01:00:00Z" }));
    expect(result.endMs).toBe(Date.parse("2025-01-01T01:00:00Z"));
  });

  it("reads SecondsPath and TimestampPath from the effective input", async () => {
    const bySeconds = await run(waitThen({ InputPath: "$.cfg", SecondsPath: "$.s" }), { cfg: { s: 30 } });
    expect(bySeconds.endMs - Date.parse(ctx.startTime)).toBe(30_000);
    expect(bySeconds.output).toEqual({ s: 30 });
    const byTime = await run(waitThen({ TimestampPath: "$.at" }), { at: "2025-01-02T00:00:00.000Z" });
    expect(byTime.endMs).toBe(Date.parse("2025-01-02T00:00:00Z"));
  });

  it("does not wait for a timestamp in the past", async () => {
    const result = await run(waitThen({ Timestamp: "2000-01-01T00:00:00Z" }));
    expect(result.status).toBe("SUCCEEDED");
    expect(result.endMs).toBe(Date.parse(ctx.startTime));
  });

  it("fails with States.Runtime for a bad SecondsPath value", async () => {
    const result = await run(waitThen({ SecondsPath: "$.s" }), { s: "soon" });
    expect(result.error).toBe("States.Runtime");
  });
});

describe("Succeed and Fail", () => {
  it("Succeed ends the execution with its (filtered) input", async () => {
    const result = await run(
      { StartAt: "S", States: { S: { Type: "Succeed", OutputPath: "$.x" } } },
      { x: [1] },
    );
    expect(result).toMatchObject({ status: "SUCCEEDED", output: [1] });
    expect(types(result.history)).toEqual([
      "ExecutionStarted",
      "SucceedStateEntered",
      "SucceedStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("Fail reports Error and Cause", async () => {
    const result = await run({
      StartAt: "F",
      States: { F: { Type: "Fail", Error: "ErrorA", Cause: "Kaiju attack" } },
    });
    expect(result).toMatchObject({ status: "FAILED", error: "ErrorA", cause: "Kaiju attack" });
    expect(result.history.at(-1)).toMatchObject({
      type: "ExecutionFailed",
      executionFailedEventDetails: { error: "ErrorA", cause: "Kaiju attack" },
    });
  });

  it("Fail reads ErrorPath and CausePath, including intrinsics", async () => {
    const definition = {
      StartAt: "F",
      States: { F: { Type: "Fail", ErrorPath: "$.code", CausePath: "States.Format('{} failed', $.who)" } },
    };
    expect(await run(definition, { code: "E42", who: "job" })).toMatchObject({
      error: "E42",
      cause: "job failed",
    });
  });

  it("Fail without Cause writes no cause", async () => {
    const result = await run({ StartAt: "F", States: { F: { Type: "Fail", Error: "Only" } } });
    expect(result.history.at(-1)?.executionFailedEventDetails).toEqual({ error: "Only" });
  });
});

describe("variables in JSONPath states", () => {
  it("reads variables in InputPath and OutputPath with the values from state entry", async () => {
    const definition = {
      StartAt: "State0",
      States: {
        State0: {
          Type: "Pass",
          Result: { theQuestion: "What is the answer to life the universe and everything?" },
          Assign: { "question.$": "$.theQuestion", answer: 42 },
          Next: "State1",
        },
        State1: {
          Type: "Pass",
          InputPath: "$answer",
          ResultPath: "$.theAnswer",
          OutputPath: "$answer",
          Assign: { answer: "<omitted>" },
          Next: "State2",
        },
        State2: {
          Type: "Pass",
          Parameters: { "answer.$": "$answer", "question.$": "$question", "input.$": "$" },
          End: true,
        },
      },
    };
    const result = await run(definition);
    expect(result.output).toEqual({
      answer: "<omitted>",
      question: "What is the answer to life the universe and everything?",
      input: 42,
    });
  });

  it("lets Map iterations read outer variables (AWS base_scope_map)", async () => {
    const definition = {
      StartAt: "State0",
      States: {
        State0: { Type: "Pass", Assign: { x: 42, items: [1, 2, 3] }, Next: "State1" },
        State1: {
          Type: "Map",
          ItemsPath: "$items",
          MaxConcurrency: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "Inner",
            States: { Inner: { Type: "Pass", Assign: { "innerX.$": "$x" }, End: true } },
          },
          Next: "State2",
        },
        State2: { Type: "Pass", Assign: { "final.$": "$x" }, End: true },
      },
    };
    const result = await run(definition);
    expect(result.output).toEqual([1, 2, 3]);
    const assigned = result.history.flatMap((e) => {
      const details = e.stateExitedEventDetails as { assignedVariables?: Record<string, string> } | undefined;
      return details?.assignedVariables ? [details.assignedVariables] : [];
    });
    expect(assigned).toEqual([
      { x: "42", items: "[1,2,3]" },
      { innerX: "42" },
      { innerX: "42" },
      { innerX: "42" },
      { final: "42" },
    ]);
  });

  it("shows the context object without RetryCount outside retrying states", async () => {
    const definition = {
      StartAt: "S",
      States: { S: { Type: "Pass", Parameters: { "ctx.$": "$$" }, End: true } },
    };
    const result = await run(definition, { in: 1 });
    expect(result.output).toEqual({
      ctx: {
        Execution: {
          Id: ctx.executionArn,
          Input: { in: 1 },
          StartTime: ctx.startTime,
          Name: "run-1",
          RoleArn: ctx.roleArn,
          RedriveCount: 0,
        },
        StateMachine: { Id: ctx.stateMachineArn, Name: "demo" },
        State: { Name: "S", EnteredTime: ctx.startTime },
      },
    });
  });
});

describe("the AWS input/output processing example", () => {
  it("runs InputPath, ResultPath and OutputPath around a task", async () => {
    const definition = {
      StartAt: "Lambda",
      States: {
        Lambda: {
          Type: "Task",
          Resource: "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction",
          InputPath: "$.lambda",
          ResultPath: "$.data.lambdaresult",
          OutputPath: "$.data",
          End: true,
        },
      },
    };
    const input = {
      comment: "An input comment.",
      data: { val1: 23, val2: 17 },
      extra: "foo",
      lambda: { who: "AWS Step Functions" },
    };
    const seen: Json[] = [];
    const result = await run(definition, input, (task) => {
      seen.push(task.parameters);
      return { status: "succeeded", output: "Hello, AWS Step Functions!" };
    });
    expect(seen).toEqual([{ who: "AWS Step Functions" }]);
    expect(result.output).toEqual({ val1: 23, val2: 17, lambdaresult: "Hello, AWS Step Functions!" });
  });
});
