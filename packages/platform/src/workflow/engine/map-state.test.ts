import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import { startExecution } from "./interpreter.js";
import type { Json } from "./json.js";
import { deterministicSources, runToCompletion, type TaskHandler } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
};
const lambda = "arn:aws:states:::lambda:invoke";
const echo: TaskHandler = (task) => ({ status: "succeeded", output: task.parameters });

function mapOf(
  fields: Record<string, Json>,
  processor: Record<string, Json> = { P: { Type: "Pass", End: true } },
) {
  return {
    StartAt: "Map",
    States: {
      Map: {
        Type: "Map",
        ItemProcessor: { StartAt: Object.keys(processor)[0] ?? "", States: processor },
        End: true,
        ...fields,
      },
    },
  };
}

describe("Map", () => {
  it("runs the processor for every item and keeps item order (AWS ItemSelector example)", async () => {
    const input = {
      detail: {
        "delivery-partner": "UQS",
        shipped: [
          { prod: "R31", "dest-code": 9511, quantity: 1344 },
          { prod: "S39", "dest-code": 9511, quantity: 40 },
        ],
      },
    };
    const definition = mapOf({
      ItemsPath: "$.detail.shipped",
      ItemSelector: {
        "parcel.$": "$$.Map.Item.Value",
        "courier.$": "$.detail.delivery-partner",
        "index.$": "$$.Map.Item.Index",
      },
    });
    const result = await runToCompletion(definition, input, ctx, echo);
    expect(result.output).toEqual([
      { parcel: { prod: "R31", "dest-code": 9511, quantity: 1344 }, courier: "UQS", index: 0 },
      { parcel: { prod: "S39", "dest-code": 9511, quantity: 40 }, courier: "UQS", index: 1 },
    ]);
    const types = result.history.map((e) => e.type);
    expect(types.slice(0, 5)).toEqual([
      "ExecutionStarted",
      "MapStateEntered",
      "MapStateStarted",
      "MapIterationStarted",
      "MapIterationStarted",
    ]);
    expect(result.history[2]?.mapStateStartedEventDetails).toEqual({ length: 2 });
    expect(result.history[3]?.mapIterationStartedEventDetails).toEqual({ name: "Map", index: 0 });
    expect(types.slice(-3)).toEqual(["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]);
  });

  it("accepts the legacy Iterator and Parameters fields", async () => {
    const definition = {
      StartAt: "Map",
      States: {
        Map: {
          Type: "Map",
          Parameters: { "v.$": "$$.Map.Item.Value" },
          Iterator: { StartAt: "P", States: { P: { Type: "Pass", End: true } } },
          End: true,
        },
      },
    };
    expect((await runToCompletion(definition, [1, 2], ctx, echo)).output).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it("iterates the members of an object with $$.Map.Item.Key", async () => {
    const definition = mapOf({ ItemSelector: { "k.$": "$$.Map.Item.Key", "v.$": "$$.Map.Item.Value" } });
    expect((await runToCompletion(definition, { a: 1, b: 2 }, ctx, echo)).output).toEqual([
      { k: "a", v: 1 },
      { k: "b", v: 2 },
    ]);
  });

  it("finishes at once with [] for no items", async () => {
    const result = await runToCompletion(
      mapOf({ ItemsPath: "$.items", ResultPath: "$.out" }),
      { items: [] },
      ctx,
      echo,
    );
    expect(result.output).toEqual({ items: [], out: [] });
  });

  it("fails with States.Runtime when ItemsPath is not an array", async () => {
    const result = await runToCompletion(mapOf({ ItemsPath: "$.items" }), { items: "no" }, ctx, echo);
    expect(result.error).toBe("States.Runtime");
  });

  it("keeps at most MaxConcurrency iterations running", async () => {
    const definition = mapOf({ MaxConcurrency: 2 }, { T: { Type: "Task", Resource: lambda, End: true } });
    const env = { now: () => Date.parse(ctx.startTime), ...deterministicSources() };
    const first = await startExecution(definition, [1, 2, 3, 4, 5], ctx, env);
    expect(first.commands.filter((c) => c.kind === "runTask")).toHaveLength(2);
    const result = await runToCompletion(definition, [1, 2, 3, 4, 5], ctx, (task) => ({
      status: "succeeded",
      output: task.parameters,
    }));
    expect(result.output).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads MaxConcurrencyPath from the input", async () => {
    const definition = mapOf(
      { ItemsPath: "$.items", MaxConcurrencyPath: "$.limit" },
      { T: { Type: "Task", Resource: lambda, End: true } },
    );
    const env = { now: () => Date.parse(ctx.startTime), ...deterministicSources() };
    const first = await startExecution(definition, { items: [1, 2, 3], limit: 1 }, ctx, env);
    expect(first.commands.filter((c) => c.kind === "runTask")).toHaveLength(1);
  });

  it("fails on the first failed iteration and aborts the running ones", async () => {
    const definition = mapOf(
      {},
      {
        Check: {
          Type: "Choice",
          Choices: [{ Variable: "$", NumericEquals: 2, Next: "Bad" }],
          Default: "Work",
        },
        Work: { Type: "Task", Resource: lambda, End: true },
        Bad: { Type: "Fail", Error: "ItemError", Cause: "item 2" },
      },
    );
    const result = await runToCompletion(definition, [1, 2, 3], ctx, () => ({ status: "noResponse" }));
    expect(result).toMatchObject({ status: "FAILED", error: "ItemError", cause: "item 2" });
    const types = result.history.map((e) => e.type);
    expect(types).toContain("MapIterationFailed");
    expect(types.filter((t) => t === "MapIterationAborted")).toHaveLength(2);
    expect(types.slice(-2)).toEqual(["MapStateFailed", "ExecutionFailed"]);
  });

  it("tolerates failures up to ToleratedFailureCount", async () => {
    const processor = {
      Check: { Type: "Choice", Choices: [{ Variable: "$", NumericLessThan: 0, Next: "Bad" }], Default: "Ok" },
      Ok: { Type: "Pass", End: true },
      Bad: { Type: "Fail", Error: "Negative", Cause: "below zero" },
    };
    const tolerant = mapOf({ ToleratedFailureCount: 1 }, processor);
    expect((await runToCompletion(tolerant, [1, -1, 3], ctx, echo)).output).toEqual([
      1,
      { Error: "Negative", Cause: "below zero" },
      3,
    ]);
    const exceeded = await runToCompletion(tolerant, [-1, -2, 3], ctx, echo);
    expect(exceeded.error).toBe("States.ExceedToleratedFailureThreshold");
  });

  it("tolerates failures up to ToleratedFailurePercentage", async () => {
    const processor = {
      Check: { Type: "Choice", Choices: [{ Variable: "$", NumericLessThan: 0, Next: "Bad" }], Default: "Ok" },
      Ok: { Type: "Pass", End: true },
      Bad: { Type: "Fail", Error: "Negative" },
    };
    const definition = mapOf({ ToleratedFailurePercentage: 50 }, processor);
    expect((await runToCompletion(definition, [1, -1, 3, 4], ctx, echo)).status).toBe("SUCCEEDED");
    expect((await runToCompletion(definition, [1, -1, -3, -4], ctx, echo)).error).toBe(
      "States.ExceedToleratedFailureThreshold",
    );
  });

  it("catches an iteration failure on the Map state", async () => {
    const definition = {
      StartAt: "Map",
      States: {
        Map: {
          Type: "Map",
          ItemProcessor: {
            StartAt: "F",
            States: { F: { Type: "Fail", Error: "HandleItemFailError", Cause: "HandleItemFailCause" } },
          },
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "FinalCaught" }],
          End: true,
        },
        FinalCaught: { Type: "Pass", End: true },
      },
    };
    const result = await runToCompletion(definition, [1], ctx, echo);
    expect(result.output).toEqual({ Error: "HandleItemFailError", Cause: "HandleItemFailCause" });
    expect(result.history.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "MapStateEntered",
      "MapStateStarted",
      "MapIterationStarted",
      "FailStateEntered",
      "MapIterationFailed",
      "MapStateFailed",
      "MapStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("nests Maps and Parallels", async () => {
    const definition = mapOf(
      {},
      {
        Inner: {
          Type: "Parallel",
          Branches: [
            {
              StartAt: "Double",
              States: {
                Double: {
                  Type: "Pass",
                  Parameters: { "v.$": "States.MathAdd($, $)" },
                  OutputPath: "$.v",
                  End: true,
                },
              },
            },
            { StartAt: "Same", States: { Same: { Type: "Pass", End: true } } },
          ],
          End: true,
        },
      },
    );
    expect((await runToCompletion(definition, [1, 2], ctx, echo)).output).toEqual([
      [2, 1],
      [4, 2],
    ]);
  });
});

describe("Distributed Map", () => {
  it("runs inline but hides outer variables from iterations", async () => {
    const definition = {
      StartAt: "Init",
      States: {
        Init: { Type: "Pass", Assign: { secret: 1 }, Next: "Map" },
        Map: {
          Type: "Map",
          ItemProcessor: {
            ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
            StartAt: "Check",
            States: {
              Check: {
                Type: "Choice",
                Choices: [{ Variable: "$secret", IsPresent: true, Next: "Sees" }],
                Default: "Blind",
              },
              Sees: { Type: "Pass", Result: "sees", End: true },
              Blind: { Type: "Pass", Result: "blind", End: true },
            },
          },
          End: true,
        },
      },
    };
    expect((await runToCompletion(definition, [1, 2], ctx, echo)).output).toEqual(["blind", "blind"]);
  });
});
