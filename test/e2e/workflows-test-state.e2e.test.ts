import { SFNClient, TestStateCommand, type TestStateCommandInput } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";

let nimbus: TestNimbus;
let sfn: SFNClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  // TestState carries the `sync-` host prefix, like StartSyncExecution.
  sfn = new SFNClient({ ...clientConfig(nimbus.url), disableHostPrefix: true });
  await createFixtureFunction(nimbus.lambda, "ts-echo", "node/sfn-echo", { handler: "index.handler" });
  await createFixtureFunction(nimbus.lambda, "ts-throws", "node/throws", { handler: "index.custom" });
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await nimbus?.stop();
});

const test = (state: object, input: object, extra: Partial<TestStateCommandInput> = {}) =>
  sfn.send(
    new TestStateCommand({
      definition: JSON.stringify(state),
      roleArn: ROLE,
      input: JSON.stringify(input),
      ...extra,
    }),
  );

const throwingTask = (fields: object) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: "ts-throws", "Payload.$": "$" },
  Next: "After",
  ...fields,
});

describe("TestState", () => {
  it("reports each stage of a Pass state's data pipeline at DEBUG", async () => {
    const out = await test(
      {
        Type: "Pass",
        InputPath: "$.order",
        Parameters: { "id.$": "$.id", fixed: 1 },
        ResultPath: "$.picked",
        OutputPath: "$.picked",
        Next: "Ship",
      },
      { order: { id: "o-1", qty: 2 } },
      { inspectionLevel: "DEBUG" },
    );
    expect(out).toMatchObject({ status: "SUCCEEDED", nextState: "Ship", output: '{"id":"o-1","fixed":1}' });
    expect(out.inspectionData).toMatchObject({
      input: '{"order":{"id":"o-1","qty":2}}',
      afterInputPath: '{"id":"o-1","qty":2}',
      afterParameters: '{"id":"o-1","fixed":1}',
      result: '{"id":"o-1","fixed":1}',
      afterResultSelector: '{"id":"o-1","fixed":1}',
      afterResultPath: '{"order":{"id":"o-1","qty":2},"picked":{"id":"o-1","fixed":1}}',
    });
  });

  it("leaves out inspection data at INFO", async () => {
    const out = await test({ Type: "Pass", End: true }, { a: 1 });
    expect(out).toMatchObject({ status: "SUCCEEDED", output: '{"a":1}' });
    expect(out.inspectionData).toBeUndefined();
    expect(out.nextState).toBeUndefined();
  });

  it("runs a Lambda task for real", async () => {
    const out = await test(
      {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "ts-echo", "Payload.$": "$" },
        ResultSelector: { "body.$": "$.Payload" },
        End: true,
      },
      { hello: "world" },
      { inspectionLevel: "DEBUG" },
    );
    expect(out.status).toBe("SUCCEEDED");
    expect(JSON.parse(out.output ?? "")).toEqual({ body: { echo: { hello: "world" } } });
    expect(JSON.parse(out.inspectionData?.result ?? "")).toMatchObject({ StatusCode: 200 });
  });

  it("answers RETRIABLE when a Retry matches, without retrying", async () => {
    const out = await test(throwingTask({ Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 5 }] }), {});
    expect(out).toMatchObject({ status: "RETRIABLE", error: "ValidationError" });
    expect(out.cause).toContain("bad input");
  });

  it("answers CAUGHT_ERROR with the catcher's target and output", async () => {
    const out = await test(
      throwingTask({
        Catch: [{ ErrorEquals: ["ValidationError"], ResultPath: "$.failure", Next: "Recover" }],
      }),
      { keep: true },
    );
    expect(out).toMatchObject({ status: "CAUGHT_ERROR", nextState: "Recover", error: "ValidationError" });
    expect(JSON.parse(out.output ?? "")).toMatchObject({ keep: true, failure: { Error: "ValidationError" } });
  });

  it("answers FAILED for a Fail state and an uncaught error", async () => {
    const fail = await test({ Type: "Fail", Error: "Nope", Cause: "because" }, {});
    expect(fail).toMatchObject({ status: "FAILED", error: "Nope", cause: "because" });
    const uncaught = await test(throwingTask({}), {});
    expect(uncaught).toMatchObject({ status: "FAILED", error: "ValidationError" });
  });

  it("follows Choice rules to the next state", async () => {
    const choice = {
      Type: "Choice",
      Choices: [{ Variable: "$.n", NumericGreaterThan: 10, Next: "Big" }],
      Default: "Small",
    };
    expect((await test(choice, { n: 11 })).nextState).toBe("Big");
    expect((await test(choice, { n: 1 })).nextState).toBe("Small");
  });

  it("tests one state of a whole machine with stateName, and JSONata with variables", async () => {
    const machine = {
      QueryLanguage: "JSONata",
      StartAt: "First",
      States: {
        First: { Type: "Pass", Next: "Second" },
        Second: {
          Type: "Pass",
          Output: "{% $states.input.n * $factor %}",
          Assign: { seen: "{% $states.input.n %}" },
          End: true,
        },
      },
    };
    const out = await test(
      machine,
      { n: 4 },
      {
        stateName: "Second",
        variables: JSON.stringify({ factor: 3 }),
        inspectionLevel: "DEBUG",
      },
    );
    expect(out).toMatchObject({ status: "SUCCEEDED", output: "12" });
    expect(JSON.parse(out.inspectionData?.variables ?? "{}")).toEqual({ factor: 3, seen: 4 });
  });

  it("refuses invalid definitions and untestable integration patterns", async () => {
    const invalid = await test({ Type: "Pass", Next: 5 }, {}).catch((e: Error) => e);
    expect(invalid).toMatchObject({ name: "InvalidDefinition" });
    const sync = await test(
      { Type: "Task", Resource: "arn:aws:states:::states:startExecution.sync", Parameters: {}, End: true },
      {},
    ).catch((e: Error) => e);
    expect(sync).toMatchObject({ name: "InvalidDefinition" });
    expect((sync as Error).message).toContain("startExecution.sync");
  });
});
