import { describe, expect, it } from "vitest";
import type { Json } from "./json.js";
import { validateDefinition } from "./validate.js";

const pass = { Type: "Pass", End: true };
const machine = (states: Record<string, Json>, extra: Record<string, Json> = {}) => ({
  StartAt: Object.keys(states)[0] ?? "",
  States: states,
  ...extra,
});
const errors = (definition: unknown, options = {}) =>
  validateDefinition(definition, options)
    .filter((d) => d.severity === "ERROR")
    .map(({ code, message, location }) => ({ code, message, location }));

describe("validateDefinition", () => {
  it("accepts a valid machine", () => {
    expect(validateDefinition(machine({ P: pass }))).toEqual([]);
    expect(validateDefinition(JSON.stringify(machine({ P: pass })))).toEqual([]);
  });

  it("reports definitions that are not JSON objects (recorded AWS responses)", () => {
    expect(validateDefinition("")).toEqual([
      {
        severity: "ERROR",
        code: "SCHEMA_VALIDATION_FAILED",
        message: "Definition must be a valid JSON object",
      },
    ]);
    expect(validateDefinition("not a definition")[0]?.code).toBe("INVALID_JSON_DESCRIPTION");
    expect(validateDefinition({})).toEqual([
      {
        severity: "ERROR",
        code: "SCHEMA_VALIDATION_FAILED",
        message: "These fields are required: [States, StartAt]",
        location: "/",
      },
    ]);
    expect(errors({ States: { P: pass } })).toEqual([
      { code: "SCHEMA_VALIDATION_FAILED", message: "These fields are required: [StartAt]", location: "/" },
    ]);
  });

  it("reports a missing definition and one over the 1,048,576-character limit", () => {
    expect(validateDefinition(null)[0]?.code).toBe("MISSING_DESCRIPTION");
    const huge = machine({ P: { Type: "Pass", Result: "x".repeat(1_048_576), End: true } });
    expect(errors(huge)).toEqual([
      {
        code: "SCHEMA_VALIDATION_FAILED",
        message: "The definition exceeds 1048576 characters",
        location: "/",
      },
    ]);
  });

  it("names missing transition targets by field", () => {
    const result = errors({
      StartAt: "Nope",
      States: {
        A: { Type: "Pass", Next: "Ghost" },
        B: { Type: "Choice", Choices: [{ Variable: "$.x", IsNull: true, Next: "Gone" }], Default: "Void" },
      },
    });
    expect(result).toEqual(
      expect.arrayContaining([
        {
          code: "MISSING_TRANSITION_TARGET",
          message: "Missing 'StartAt' target: Nope",
          location: "/StartAt",
        },
        {
          code: "MISSING_TRANSITION_TARGET",
          message: "Missing 'Next' target: Ghost",
          location: "/States/A/Next",
        },
        {
          code: "MISSING_TRANSITION_TARGET",
          message: "Missing 'Next' target: Gone",
          location: "/States/B/Choices/0/Next",
        },
        {
          code: "MISSING_TRANSITION_TARGET",
          message: "Missing 'Default' target: Void",
          location: "/States/B/Default",
        },
      ]),
    );
  });

  it("keeps transitions inside their own branch", () => {
    const result = errors(
      machine({
        Par: {
          Type: "Parallel",
          Branches: [machine({ Inner: { Type: "Pass", Next: "Outer" } })],
          Next: "Outer",
        },
        Outer: pass,
      }),
    );
    expect(result).toContainEqual({
      code: "MISSING_TRANSITION_TARGET",
      message: "Missing 'Next' target: Outer",
      location: "/States/Par/Branches/0/States/Inner/Next",
    });
  });

  it("requires state names unique across the whole machine", () => {
    const result = errors(machine({ A: { Type: "Parallel", Branches: [machine({ A: pass })], End: true } }));
    expect(result).toContainEqual({
      code: "DUPLICATE_STATE_NAME",
      message: "Duplicate State name: A",
      location: "/States/A/Branches/0/States/A",
    });
    expect(errors(machine({ ["x".repeat(81)]: pass }))[0]?.code).toBe("INVALID_STATE_NAME");
  });

  it("reports unreachable states and machines without a terminal state", () => {
    expect(errors(machine({ A: pass, Orphan: pass }))).toContainEqual({
      code: "SCHEMA_VALIDATION_FAILED",
      message: 'State "Orphan" is not reachable',
      location: "/States/Orphan",
    });
    expect(
      errors(machine({ A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "A" } })),
    ).toContainEqual({
      code: "MISSING_END_STATE",
      message: "Workflow has no terminal state",
      location: "/",
    });
  });

  it("checks Next/End, Type and unknown fields", () => {
    expect(errors(machine({ A: { Type: "Pass" } }))).toContainEqual({
      code: "SCHEMA_VALIDATION_FAILED",
      message: "These fields are required: [Next | End]",
      location: "/States/A",
    });
    expect(errors(machine({ A: { Type: "Pass", End: true, Next: "A" } }))[0]?.message).toBe(
      "Only one of 'Next' or 'End' can be present",
    );
    expect(errors(machine({ A: { Type: "Sleep", End: true } }))[0]).toMatchObject({
      location: "/States/A/Type",
    });
    expect(errors(machine({ A: { Type: "Pass", End: true, Colour: "red" } }))).toContainEqual({
      code: "SCHEMA_VALIDATION_FAILED",
      message: 'The field "Colour" is not supported by Step Functions',
      location: "/States/A/Colour",
    });
    expect(errors(machine({ A: { Type: "Succeed", Next: "A" } }))[0]?.location).toBe("/States/A/Next");
  });

  it("checks Task resources and timeouts", () => {
    expect(errors(machine({ T: { Type: "Task", End: true } }))[0]?.message).toBe(
      "These fields are required: [Resource]",
    );
    expect(errors(machine({ T: { Type: "Task", Resource: "lambda", End: true } }))[0]).toMatchObject({
      code: "INVALID_RESOURCE",
      location: "/States/T/Resource",
    });
    const both = errors(
      machine({
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          TimeoutSeconds: 5,
          HeartbeatSeconds: 5,
          End: true,
        },
      }),
    );
    expect(both[0]?.location).toBe("/States/T/HeartbeatSeconds");
    const pair = errors(
      machine({
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          TimeoutSeconds: 5,
          TimeoutSecondsPath: "$.t",
          End: true,
        },
      }),
    );
    expect(pair[0]?.message).toBe("Only one of TimeoutSeconds or TimeoutSecondsPath can be present");
  });

  it("rejects callback integrations in EXPRESS machines (recorded AWS message)", () => {
    const definition = machine({
      SendMessageWithWait: {
        Type: "Task",
        Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        End: true,
      },
    });
    expect(errors(definition)).toEqual([]);
    expect(errors(definition, { type: "EXPRESS" })).toEqual([
      {
        code: "SCHEMA_VALIDATION_FAILED",
        message: "Express state machine does not support '.waitForTaskToken' service integration ",
        location: "/States/SendMessageWithWait/Resource",
      },
    ]);
  });

  it("checks paths, payload templates and intrinsic functions", () => {
    const result = errors(
      machine({
        P: {
          Type: "Pass",
          InputPath: "nope",
          ResultPath: "$.a[*]",
          Parameters: {
            "a.$": "not a path",
            "b.$": "States.Nope(1)",
            "c.$": "States.Format('x'",
            ok: "$.literal",
          },
          End: true,
        },
      }),
    );
    expect(result.map((d) => d.location)).toEqual([
      "/States/P/InputPath",
      "/States/P/ResultPath",
      "/States/P/Parameters/a.$",
      "/States/P/Parameters/b.$",
      "/States/P/Parameters/c.$",
    ]);
  });

  it("warns about probable mistakes", () => {
    const warnings = validateDefinition(
      machine({ P: { Type: "Pass", Parameters: { id: "$.id" }, Result: { "x.$": "$.x" }, End: true } }),
    ).filter((d) => d.severity === "WARNING");
    expect(warnings.map((w) => [w.code, w.location])).toEqual([
      ["NO_DOLLAR", "/States/P/Parameters/id"],
      ["PASS_RESULT_IS_STATIC", "/States/P/Result"],
    ]);
  });

  it("checks Retry and Catch", () => {
    const result = errors(
      machine({
        T: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Retry: [
            { ErrorEquals: ["States.ALL"] },
            { ErrorEquals: [], IntervalSeconds: 0, BackoffRate: 0.5, JitterStrategy: "SOME" },
          ],
          Catch: [{ ErrorEquals: ["States.ALL", "X"], Next: "Handler" }],
          End: true,
        },
        Handler: pass,
      }),
    );
    expect(result.map((d) => d.location)).toEqual([
      "/States/T/Retry/0/ErrorEquals",
      "/States/T/Retry/1/ErrorEquals",
      "/States/T/Retry/1/IntervalSeconds",
      "/States/T/Retry/1/BackoffRate",
      "/States/T/Retry/1/JitterStrategy",
      "/States/T/Catch/0/ErrorEquals",
    ]);
  });

  it("checks Choice rules", () => {
    const result = errors(
      machine({
        C: {
          Type: "Choice",
          Choices: [
            { Variable: "$.x", NumericEquals: "1", Next: "D" },
            { Variable: "$.x", StringEquals: "a", BooleanEquals: true, Next: "D" },
            { Not: { Variable: "$.x", IsNull: true, Next: "D" }, Next: "D" },
            { StringEquals: "a", Next: "D" },
            { Variable: "$.t", TimestampEquals: "yesterday", Next: "D" },
          ],
        },
        D: { Type: "Succeed" },
      }),
    );
    expect(result.map((d) => d.location)).toEqual([
      "/States/C/Choices/0/NumericEquals",
      "/States/C/Choices/1",
      "/States/C/Choices/2/Not/Next",
      "/States/C/Choices/3",
      "/States/C/Choices/4/TimestampEquals",
    ]);
  });

  it("checks Wait, Fail, Parallel and Map fields", () => {
    expect(
      errors(machine({ W: { Type: "Wait", Seconds: 1, Timestamp: "2016-03-14T01:59:00Z", End: true } }))[0]
        ?.message,
    ).toBe("Exactly one of Seconds, Timestamp, SecondsPath or TimestampPath is required");
    expect(errors(machine({ W: { Type: "Wait", Timestamp: "tomorrow", End: true } }))[0]?.location).toBe(
      "/States/W/Timestamp",
    );
    expect(errors(machine({ F: { Type: "Fail", Error: "E", ErrorPath: "$.e" } }))[0]?.message).toBe(
      "Only one of Error or ErrorPath can be present",
    );
    expect(errors(machine({ P: { Type: "Parallel", Branches: [], End: true } }))[0]?.message).toBe(
      "Branches must be a non-empty array",
    );
    expect(errors(machine({ M: { Type: "Map", End: true } }))[0]?.message).toBe(
      "These fields are required: [ItemProcessor]",
    );
    const map = errors(
      machine({
        M: {
          Type: "Map",
          ItemProcessor: { StartAt: "I", States: { I: pass } },
          ToleratedFailurePercentage: 150,
          MaxConcurrency: -1,
          ItemReader: { Resource: "arn:aws:states:::s3:getObject" },
          End: true,
        },
      }),
    );
    expect(map.map((d) => [d.code, d.location])).toEqual([
      ["UNSUPPORTED_FEATURE", "/States/M/ItemReader"],
      ["SCHEMA_VALIDATION_FAILED", "/States/M/MaxConcurrency"],
      ["SCHEMA_VALIDATION_FAILED", "/States/M/ToleratedFailurePercentage"],
    ]);
  });

  it("enforces query language rules (recorded AWS message)", () => {
    expect(
      errors(
        machine(
          { Pass: { Type: "Pass", QueryLanguage: "JSONPath", End: true } },
          { QueryLanguage: "JSONata" },
        ),
      ),
    ).toEqual([
      {
        code: "SCHEMA_VALIDATION_FAILED",
        message: "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        location: "/States/Pass",
      },
    ]);
    expect(
      errors(machine({ P: { Type: "Pass", InputPath: "$.x", End: true } }, { QueryLanguage: "JSONata" })),
    ).toEqual([
      {
        code: "SCHEMA_VALIDATION_FAILED",
        message: 'The field "InputPath" is not supported in JSONata states',
        location: "/States/P/InputPath",
      },
    ]);
    expect(errors(machine({ P: { Type: "Pass", Output: "{% 1 %}", End: true } }))[0]?.location).toBe(
      "/States/P/Output",
    );
    expect(
      errors(
        machine({ P: { Type: "Pass", Output: "{% 1 + %}", End: true } }, { QueryLanguage: "JSONata" }),
      )[0],
    ).toMatchObject({
      location: "/States/P/Output",
    });
  });

  it("checks variable names and scopes", () => {
    expect(errors(machine({ P: { Type: "Pass", Assign: { "bad-name": 1 }, End: true } }))[0]?.location).toBe(
      "/States/P/Assign/bad-name",
    );
    const shadow = errors(
      machine({
        Init: { Type: "Pass", Assign: { total: 0 }, Next: "Par" },
        Par: {
          Type: "Parallel",
          Branches: [machine({ Inner: { Type: "Pass", Assign: { total: 1 }, End: true } })],
          End: true,
        },
      }),
    );
    expect(shadow).toEqual([
      {
        code: "SCHEMA_VALIDATION_FAILED",
        message: "The variable 'total' is declared in an outer scope and cannot be assigned here",
        location: "/States/Par/Branches/0/States/Inner/Assign",
      },
    ]);
  });
});
