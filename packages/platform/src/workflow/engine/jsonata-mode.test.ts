import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import type { Json } from "./json.js";
import {
  evaluateCondition,
  evaluateTemplate,
  isJsonataExpression,
  type JsonataScope,
} from "./jsonata-mode.js";
import { runToCompletion, type TaskHandler } from "./run-to-completion.js";
import { StatesError } from "./states-error.js";

const NOW = Date.parse("2025-01-01T00:00:00.000Z");

function scope(input: Json = {}, variables: Record<string, Json> = {}, random = () => 0.25): JsonataScope {
  return {
    states: { input, context: { Execution: { Name: "ex" } } },
    variables,
    now: NOW,
    random,
    uuid: () => "uuid-1",
  };
}

const evaluate = (expression: string, input: Json = {}, variables: Record<string, Json> = {}) =>
  evaluateTemplate(expression, "Output", scope(input, variables));

async function failureOf(work: Promise<unknown>): Promise<{ error: string; cause: string } | undefined> {
  try {
    await work;
  } catch (error) {
    if (error instanceof StatesError) return { error: error.error, cause: error.causeText };
    throw error;
  }
  return undefined;
}

describe("expressions", () => {
  it("recognises only whole {% %} strings", () => {
    expect(isJsonataExpression("{% 1 + 1 %}")).toBe(true);
    expect(isJsonataExpression(" {% 1 %}")).toBe(false);
    expect(isJsonataExpression("{% 1 %} ")).toBe(false);
    expect(isJsonataExpression("plain")).toBe(false);
  });

  it("evaluates expressions at any depth and leaves other values alone", async () => {
    const template = {
      sum: "{% $states.input.a + 1 %}",
      list: ["{% $x %}", "literal", 3],
      nested: { n: "{% $uppercase('a') %}" },
    };
    expect(await evaluateTemplate(template, "Arguments", scope({ a: 1 }, { x: "var" }))).toEqual({
      sum: 2,
      list: ["var", "literal", 3],
      nested: { n: "A" },
    });
  });

  it("fails with States.QueryEvaluationError naming the field when an expression returns nothing", async () => {
    expect(
      await failureOf(evaluateTemplate({ a: { b: ["{% $states.input.absent %}"] } }, "Output", scope())),
    ).toEqual({
      error: "States.QueryEvaluationError",
      cause:
        "The JSONata expression '$states.input.absent' specified for the field 'Output/a/b[0]' returned nothing (undefined).",
    });
  });

  it("fails with States.QueryEvaluationError when evaluation throws", async () => {
    const failure = await failureOf(evaluate("{% 'a' + 1 %}"));
    expect(failure?.error).toBe("States.QueryEvaluationError");
    expect(failure?.cause).toContain("'Output'");
  });

  it("requires Choice conditions to be booleans", async () => {
    expect(
      await evaluateCondition("{% $states.input.n > 1 %}", "Choices[0]/Condition", scope({ n: 2 })),
    ).toBe(true);
    expect((await failureOf(evaluateCondition("{% 1 %}", "Choices[0]/Condition", scope())))?.error).toBe(
      "States.QueryEvaluationError",
    );
  });
});

describe("functions Step Functions adds", () => {
  it("$partition chunks arrays", async () => {
    expect(await evaluate("{% $partition([1,2,3,4], 2) %}")).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("$range includes the end when the step lands on it", async () => {
    expect(await evaluate("{% $range(0, 10, 2) %}")).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await evaluate("{% $range(0, 9, 4) %}")).toEqual([0, 4, 8]);
  });

  it("$hash digests strings", async () => {
    expect(await evaluate("{% $hash('input data', 'SHA-1') %}")).toBe(
      "aaff4a450a104cd177d28d18d74485e8cae074b7",
    );
  });

  it("$random uses the injected source, and a seed repeats", async () => {
    expect(await evaluate("{% $random() %}")).toBe(0.25);
    const seeded = await evaluate("{% $random(42) %}");
    expect(await evaluate("{% $random(42) %}")).toBe(seeded);
  });

  it("$uuid and $parse", async () => {
    expect(await evaluate("{% $uuid() %}")).toBe("uuid-1");
    expect(await evaluate("{% $parse('{\"a\": [1]}') %}")).toEqual({ a: [1] });
  });

  it("$now and $millis read the injected clock; $eval is unavailable", async () => {
    expect(await evaluate("{% $now() %}")).toBe("2025-01-01T00:00:00.000Z");
    expect(await evaluate("{% $millis() %}")).toBe(NOW);
    expect(await evaluate("{% $now('[Y0001]-[M01]') %}")).toBe("2025-01");
    expect((await failureOf(evaluate("{% $eval('1') %}")))?.error).toBe("States.QueryEvaluationError");
  });

  it("$shuffle is deterministic for a given random source", async () => {
    const once = await evaluate("{% $shuffle([1,2,3,4,5]) %}");
    expect(await evaluate("{% $shuffle([1,2,3,4,5]) %}")).toEqual(once);
    expect([...(once as number[])].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
};
const lambda = "arn:aws:states:::lambda:invoke";
const echo: TaskHandler = (task) => ({ status: "succeeded", output: { Payload: task.parameters } });
const jsonata = (states: Record<string, Json>, startAt = Object.keys(states)[0] ?? "") => ({
  QueryLanguage: "JSONata",
  StartAt: startAt,
  States: states,
});

describe("JSONata states", () => {
  it("sends Arguments to a task and shapes Output from $states.result", async () => {
    const definition = jsonata({
      T: {
        Type: "Task",
        Resource: lambda,
        Arguments: {
          FunctionName: "fn",
          Payload: { "total.$": "not a path", sum: "{% $sum($states.input.n) %}" },
        },
        Output: { result: "{% $states.result.Payload.Payload.sum %}", input: "{% $states.input %}" },
        End: true,
      },
    });
    const result = await runToCompletion(definition, { n: [1, 2, 3] }, ctx, echo);
    expect(result.output).toEqual({ result: 6, input: { n: [1, 2, 3] } });
  });

  it("assigns variables with entry-time values and makes them visible from the next state", async () => {
    const definition = jsonata({
      Init: { Type: "Pass", Assign: { a: 1, b: 2 }, Next: "Swap" },
      Swap: {
        Type: "Pass",
        Assign: { a: "{% $b %}", b: "{% $a %}" },
        Output: { seenA: "{% $a %}" },
        Next: "Show",
      },
      Show: {
        Type: "Pass",
        Output: { a: "{% $a %}", b: "{% $b %}", previous: "{% $states.input %}" },
        End: true,
      },
    });
    const result = await runToCompletion(definition, {}, ctx, echo);
    expect(result.output).toEqual({ a: 2, b: 1, previous: { seenA: 1 } });
    const exited = result.history.find((e) => e.type === "PassStateExited" && e.stateExitedEventDetails);
    expect(exited?.stateExitedEventDetails).toMatchObject({
      assignedVariables: { a: "1", b: "2" },
      assignedVariablesDetails: { truncated: false },
    });
  });

  it("evaluates Choice conditions and uses a matched rule's Assign and Output", async () => {
    const definition = jsonata({
      C: {
        Type: "Choice",
        Choices: [
          {
            Condition: "{% $states.input.n > 10 %}",
            Next: "Big",
            Output: { size: "big" },
            Assign: { picked: "rule" },
          },
        ],
        Default: "Small",
        Output: { size: "small" },
        Assign: { picked: "default" },
      },
      Big: { Type: "Pass", Output: { size: "{% $states.input.size %}", picked: "{% $picked %}" }, End: true },
      Small: {
        Type: "Pass",
        Output: { size: "{% $states.input.size %}", picked: "{% $picked %}" },
        End: true,
      },
    });
    expect((await runToCompletion(definition, { n: 11 }, ctx, echo)).output).toEqual({
      size: "big",
      picked: "rule",
    });
    expect((await runToCompletion(definition, { n: 1 }, ctx, echo)).output).toEqual({
      size: "small",
      picked: "default",
    });
  });

  it("maps over Items with ItemSelector reading $states.context.Map.Item", async () => {
    const definition = jsonata({
      M: {
        Type: "Map",
        Items: "{% $states.input.xs %}",
        ItemSelector: {
          value: "{% $states.context.Map.Item.Value %}",
          index: "{% $states.context.Map.Item.Index %}",
        },
        ItemProcessor: {
          StartAt: "P",
          States: {
            P: { Type: "Pass", Output: "{% $states.input.value * 10 + $states.input.index %}", End: true },
          },
        },
        Output: "{% $sum($states.result) %}",
        End: true,
      },
    });
    expect((await runToCompletion(definition, { xs: [1, 2] }, ctx, echo)).output).toBe(31);
  });

  it("lets branches read outer variables while their own variables vanish", async () => {
    const definition = jsonata({
      Init: { Type: "Pass", Assign: { base: 100 }, Next: "Par" },
      Par: {
        Type: "Parallel",
        Arguments: { n: 1 },
        Branches: [
          {
            StartAt: "Inner",
            States: {
              Inner: { Type: "Pass", Assign: { local: "{% $base + $states.input.n %}" }, Next: "Read" },
              Read: { Type: "Pass", Output: "{% $local %}", End: true },
            },
          },
        ],
        Next: "After",
      },
      After: {
        Type: "Pass",
        Output: { result: "{% $states.input %}", local: "{% $exists($local) %}" },
        End: true,
      },
    });
    expect((await runToCompletion(definition, {}, ctx, echo)).output).toEqual({
      result: [101],
      local: false,
    });
  });

  it("catches errors with $states.errorOutput and assigns in the outer scope", async () => {
    const definition = jsonata({
      T: {
        Type: "Task",
        Resource: lambda,
        Catch: [
          {
            ErrorEquals: ["States.ALL"],
            Next: "Handled",
            Output: { message: "{% $states.errorOutput.Cause %}" },
            Assign: { failedWith: "{% $states.errorOutput.Error %}" },
          },
        ],
        End: true,
      },
      Handled: {
        Type: "Pass",
        Output: { message: "{% $states.input.message %}", error: "{% $failedWith %}" },
        End: true,
      },
    });
    const result = await runToCompletion(definition, {}, ctx, () => ({
      status: "failed",
      error: "Oops",
      cause: "went wrong",
    }));
    expect(result.output).toEqual({ message: "went wrong", error: "Oops" });
  });

  it("computes Wait seconds and Fail error/cause from expressions", async () => {
    const definition = jsonata({
      W: { Type: "Wait", Seconds: "{% $states.input.delay * 2 %}", Next: "F" },
      F: { Type: "Fail", Error: "{% 'E' & $states.input.delay %}", Cause: "{% $string($states.input) %}" },
    });
    const result = await runToCompletion(definition, { delay: 3 }, ctx, echo);
    expect(result).toMatchObject({ status: "FAILED", error: "E3", cause: '{"delay":3}' });
    expect(result.endMs - NOW).toBe(6000);
  });

  it("can catch States.QueryEvaluationError, after writing EvaluationFailed", async () => {
    const definition = jsonata({
      T: {
        Type: "Task",
        Resource: lambda,
        Output: "{% $states.result.nothing %}",
        Catch: [{ ErrorEquals: ["States.QueryEvaluationError"], Next: "Fallback" }],
        End: true,
      },
      Fallback: { Type: "Pass", End: true },
    });
    const result = await runToCompletion(definition, {}, ctx, echo);
    expect(result.output).toMatchObject({ Error: "States.QueryEvaluationError" });
    expect((result.output as { Cause: string }).Cause).toMatch(
      /^An error occurred while executing the state 'T' \(entered at the event id #2\)\. The JSONata expression '\$states.result.nothing' specified for the field 'Output' returned nothing \(undefined\)\.$/,
    );
    expect(result.history.map((e) => e.type)).toContain("EvaluationFailed");
  });

  it("mixes JSONata states into a JSONPath machine", async () => {
    const definition = {
      StartAt: "Path",
      States: {
        Path: { Type: "Pass", Parameters: { "v.$": "$.x" }, Assign: { "saved.$": "$.v" }, Next: "Ata" },
        Ata: {
          Type: "Pass",
          QueryLanguage: "JSONata",
          Output: { v: "{% $states.input.v %}", saved: "{% $saved %}" },
          End: true,
        },
      },
    };
    expect((await runToCompletion(definition, { x: 5 }, ctx, echo)).output).toEqual({ v: 5, saved: 5 });
  });
});
