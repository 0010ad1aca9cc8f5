import { describe, expect, it } from "vitest";
import type { Json } from "./json.js";
import type { PathScope } from "./path-scope.js";
import { applyParameters, applyResultPath, applyResultSelector, selectPath } from "./pipeline.js";
import { StatesError } from "./states-error.js";

function scope(input: Json, variables: Record<string, Json> = {}): PathScope {
  return {
    input,
    context: { Execution: { Id: "arn:exec", Name: "ex" }, Map: { Item: { Index: 2, Value: "v" } } },
    variables: (name) => variables[name],
    random: () => 0,
    uuid: () => "uuid-1",
  };
}

const statesError = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatesError) return { error: error.error, cause: error.causeText };
  }
  return undefined;
};

describe("InputPath / OutputPath", () => {
  const input = {
    comment: "Example for InputPath.",
    dataset1: { val1: 1, val2: 2, val3: 3 },
    dataset2: { val1: "a", val2: "b", val3: "c" },
  };

  it("select part of the input (AWS docs example)", () => {
    expect(selectPath("$.dataset2", scope(input))).toEqual({ val1: "a", val2: "b", val3: "c" });
    expect(selectPath(undefined, scope(input))).toEqual(input);
    expect(selectPath("$", scope(input))).toEqual(input);
  });

  it("give {} for null", () => {
    expect(selectPath(null, scope(input))).toEqual({});
  });

  it("fail with States.Runtime when nothing matches", () => {
    expect(statesError(() => selectPath("$.nope", scope(input)))).toEqual({
      error: "States.Runtime",
      cause: "Invalid path '$.nope' : No results for path: $['nope']",
    });
    expect(statesError(() => selectPath("$.x", scope(null)))?.cause).toBe(
      "Unable to apply Path transformation to null or empty input.",
    );
  });
});

describe("Parameters", () => {
  it("evaluate .$ keys from the input, the context, variables and intrinsics; copy the rest", () => {
    const params = {
      flagged: true,
      "parts.$": "$.parts",
      nested: { "first.$": "$.parts[0]", literal: "$.not-a-path" },
      list: [{ "id.$": "$$.Execution.Id" }],
      "who.$": "$name",
      "greeting.$": "States.Format('hi {}', $name)",
      "item.$": "$$.Map.Item.Value",
    };
    expect(applyParameters(params, scope({ parts: ["a", "b"] }, { name: "Ana" }))).toEqual({
      flagged: true,
      parts: ["a", "b"],
      nested: { first: "a", literal: "$.not-a-path" },
      list: [{ id: "arn:exec" }],
      who: "Ana",
      greeting: "hi Ana",
      item: "v",
    });
  });

  it("fail with States.Runtime naming the field when a path matches nothing", () => {
    expect(
      statesError(() => applyParameters({ "address.$": "$.application.address" }, scope({ flagged: false }))),
    ).toEqual({
      error: "States.Runtime",
      cause:
        "The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input '{\"flagged\":false}'",
    });
  });

  it("propagate intrinsic failures", () => {
    expect(
      statesError(() => applyParameters({ "x.$": "States.ArrayGetItem($.a, 5)" }, scope({ a: [] })))?.error,
    ).toBe("States.IntrinsicFailure");
  });
});

describe("ResultSelector", () => {
  it("builds the effective result from the raw result (AWS docs EMR example)", () => {
    const result = {
      resourceType: "elasticmapreduce",
      resource: "createCluster.sync",
      output: { SdkHttpMetadata: { HttpStatusCode: 200 }, ClusterId: "AKIAIOSFODNN7EXAMPLE" },
    };
    const selector = { "ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType", static: 1 };
    expect(applyResultSelector(selector, result, scope({ unrelated: true }))).toEqual({
      ClusterId: "AKIAIOSFODNN7EXAMPLE",
      ResourceType: "elasticmapreduce",
      static: 1,
    });
    expect(applyResultSelector(undefined, result, scope({}))).toBe(result);
  });
});

describe("ResultPath", () => {
  const input = { comment: "This is a test", details: "Default example", who: "Step Functions" };

  it("replaces the input by default or with $", () => {
    expect(applyResultPath(input, "Hello, Step Functions!", undefined)).toBe("Hello, Step Functions!");
    expect(applyResultPath(input, "Hello, Step Functions!", "$")).toBe("Hello, Step Functions!");
  });

  it("discards the result with null", () => {
    expect(applyResultPath(input, "Hello, Step Functions!", null)).toEqual(input);
  });

  it("inserts the result into the input", () => {
    expect(applyResultPath(input, "Hello, Step Functions!", "$.taskresult")).toEqual({
      ...input,
      taskresult: "Hello, Step Functions!",
    });
    expect(applyResultPath({ strings: { string1: "foo" } }, "r", "$.strings.lambdaresult")).toEqual({
      strings: { string1: "foo", lambdaresult: "r" },
    });
  });

  it("fails with States.Runtime when the input cannot hold the result", () => {
    expect(statesError(() => applyResultPath("text", 1, "$.a"))).toEqual({
      error: "States.Runtime",
      cause: "Unable to apply ReferencePath $.a to input '\"text\"'",
    });
  });
});
