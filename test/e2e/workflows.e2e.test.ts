import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  ValidateStateMachineDefinitionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";
const FN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

let nimbus: TestNimbus;
let sfn: SFNClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  // StartSyncExecution carries the `sync-` host prefix; a custom endpoint needs it off.
  sfn = new SFNClient({ ...clientConfig(nimbus.url), disableHostPrefix: true });
  await createFixtureFunction(nimbus.lambda, "sfn-echo", "node/sfn-echo", { handler: "index.handler" });
  await createFixtureFunction(nimbus.lambda, "sfn-flaky", "node/sfn-flaky", { handler: "index.handler" });
  await createFixtureFunction(nimbus.lambda, "sfn-throws", "node/throws", { handler: "index.handler" });
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await nimbus?.stop();
});

async function createMachine(name: string, definition: object, type: "STANDARD" | "EXPRESS" = "STANDARD") {
  const out = await sfn.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE, type }),
  );
  return out.stateMachineArn ?? "";
}

/** Polls DescribeExecution until the execution has left RUNNING (tasks run asynchronously). */
async function finished(executionArn: string, timeoutMs = 30_000): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== "RUNNING") return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return out.events ?? [];
}

describe("Step Functions on Nimbus", () => {
  it("runs Lambda tasks through lambda:invoke and a function ARN and records their events", async () => {
    const arn = await createMachine("lambda-tasks", {
      StartAt: "Optimized",
      States: {
        Optimized: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "sfn-echo", "Payload.$": "$" },
          ResultSelector: {
            "body.$": "$.Payload",
            "code.$": "$.StatusCode",
            "version.$": "$.ExecutedVersion",
          },
          Next: "Direct",
        },
        Direct: { Type: "Task", Resource: FN("sfn-echo"), End: true },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: "first", input: JSON.stringify({ n: 1 }) }),
    );
    const done = await finished(executionArn ?? "");
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({
      echo: { body: { echo: { n: 1 } }, code: 200, version: "$LATEST" },
    });
    const events = await history(executionArn ?? "");
    expect(events.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
    });

    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 5 }),
    );
    expect(reversed.events?.map((e) => e.id)).toEqual([12, 11, 10, 9, 8]);
    const next = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 5,
        nextToken: reversed.nextToken,
      }),
    );
    expect(next.events?.map((e) => e.id)).toEqual([7, 6, 5, 4, 3]);

    const machine = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    expect(machine.stateMachineArn).toBe(arn);
  });

  it("retries a function that fails twice and then succeeds", async () => {
    const arn = await createMachine("retry", {
      StartAt: "Flaky",
      States: {
        Flaky: {
          Type: "Task",
          Resource: FN("sfn-flaky"),
          Retry: [{ ErrorEquals: ["FlakyError"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        input: JSON.stringify({ key: `retry-${Date.now()}` }),
      }),
    );
    const done = await finished(executionArn ?? "");
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({ calls: 3 });
    const types = (await history(executionArn ?? "")).map((e) => e.type);
    expect(types.filter((t) => t === "LambdaFunctionFailed")).toHaveLength(2);
    expect(types.filter((t) => t === "LambdaFunctionScheduled")).toHaveLength(3);
  });

  it("catches a function error by its errorType and continues", async () => {
    const arn = await createMachine("catch", {
      StartAt: "Boom",
      States: {
        Boom: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "sfn-throws", Payload: {} },
          Catch: [{ ErrorEquals: ["Error"], ResultPath: "$.failure", Next: "Recovered" }],
          End: true,
        },
        Recovered: { Type: "Pass", End: true },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ keep: true }) }),
    );
    const done = await finished(executionArn ?? "");
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output ?? "null") as {
      keep: boolean;
      failure: { Error: string; Cause: string };
    };
    expect(output.keep).toBe(true);
    expect(output.failure.Error).toBe("Error");
    expect(JSON.parse(output.failure.Cause)).toMatchObject({ errorType: "Error", errorMessage: "boom" });
  });

  it("waits for a task token until SendTaskSuccess and fails on SendTaskFailure", async () => {
    const arn = await createMachine("callback", {
      StartAt: "Approve",
      States: {
        Approve: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: "sfn-echo", Payload: { "TaskToken.$": "$$.Task.Token" } },
          End: true,
        },
      },
    });
    const tokenOf = async (executionArn: string) => {
      const scheduled = (await history(executionArn)).find((e) => e.type === "TaskScheduled");
      const params = JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? "{}") as {
        Payload: { TaskToken: string };
      };
      return params.Payload.TaskToken;
    };

    const approved = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "approved" }));
    const approvedArn = approved.executionArn ?? "";
    const token = await tokenOf(approvedArn);
    expect(token).toMatch(/.+/);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: approvedArn }))).status).toBe(
      "RUNNING",
    );
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
    );
    const done = await finished(approvedArn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({ approved: true });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toMatchObject({ name: "TaskDoesNotExist" });

    const rejected = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "rejected" }));
    const rejectedArn = rejected.executionArn ?? "";
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: await tokenOf(rejectedArn), error: "Denied", cause: "no" }),
    );
    const failed = await finished(rejectedArn);
    expect(failed).toMatchObject({ status: "FAILED", error: "Denied", cause: "no" });
  });

  it("answers StartSyncExecution of an EXPRESS machine with the result", async () => {
    const arn = await createMachine(
      "express-sync",
      {
        StartAt: "Echo",
        States: {
          Echo: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: "sfn-echo", "Payload.$": "$" },
            OutputPath: "$.Payload",
            Next: "Check",
          },
          Check: {
            Type: "Choice",
            Choices: [{ Variable: "$.echo.fail", BooleanEquals: true, Next: "Fail" }],
            Default: "Done",
          },
          Fail: { Type: "Fail", Error: "Asked", Cause: "input said so" },
          Done: { Type: "Succeed" },
        },
      },
      "EXPRESS",
    );
    const ok = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ fail: false }) }),
    );
    expect(ok.status).toBe("SUCCEEDED");
    expect(ok.executionArn).toMatch(/:express:express-sync:/);
    expect(JSON.parse(ok.output ?? "null")).toEqual({ echo: { fail: false } });
    const bad = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ fail: true }) }),
    );
    expect(bad).toMatchObject({ status: "FAILED", error: "Asked", cause: "input said so" });

    const standard = await createMachine("not-express", {
      StartAt: "P",
      States: { P: { Type: "Pass", End: true } },
    });
    await expect(
      sfn.send(new StartSyncExecutionCommand({ stateMachineArn: standard })),
    ).rejects.toMatchObject({
      name: "StateMachineTypeNotSupported",
    });
  });

  it("returns the same execution for the same name and input, and refuses other input", async () => {
    const arn = await createMachine("idempotent", {
      StartAt: "Wait",
      States: { Wait: { Type: "Wait", Seconds: 3600, End: true } },
    });
    const input = JSON.stringify({ a: 1 });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "same", input }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "same", input }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "same", input: "{}" })),
    ).rejects.toMatchObject({ name: "ExecutionAlreadyExists" });

    await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "other" }));
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: "Stop" }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const aborted = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: "ABORTED" }),
    );
    expect(aborted.executions?.map((e) => e.name)).toEqual(["same"]);
    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
    expect(all.executions).toHaveLength(1);
    expect(all.nextToken).toBeDefined();
    const rest = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, nextToken: all.nextToken }),
    );
    expect(rest.executions).toHaveLength(1);
    expect(rest.nextToken).toBeUndefined();
  });

  it("refuses resources Nimbus cannot run at create, naming the resource", async () => {
    const definition = JSON.stringify({
      StartAt: "Send",
      States: {
        Send: {
          Type: "Task",
          Resource: "arn:aws:states:::aws-sdk:sqs:sendMessage",
          Parameters: { QueueUrl: "q", MessageBody: "m" },
          End: true,
        },
      },
    });
    await expect(
      sfn.send(new CreateStateMachineCommand({ name: "sqs", definition, roleArn: ROLE })),
    ).rejects.toMatchObject({
      name: "InvalidDefinition",
      message: expect.stringContaining("aws-sdk:sqs:sendMessage"),
    });
    const validated = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition }));
    expect(validated.result).toBe("FAIL");
  });

  it("names errors as AWS does", async () => {
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: "not-an-arn" })),
    ).rejects.toMatchObject({ name: "InvalidArn" });
    await expect(
      sfn.send(
        new DescribeStateMachineCommand({
          stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:missing",
        }),
      ),
    ).rejects.toMatchObject({ name: "StateMachineDoesNotExist" });
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: "arn:aws:states:us-east-1:000000000000:execution:missing:x",
        }),
      ),
    ).rejects.toMatchObject({ name: "ExecutionDoesNotExist" });
    const definition = JSON.stringify({ StartAt: "Nope", States: { P: { Type: "Pass", End: true } } });
    await expect(
      sfn.send(new CreateStateMachineCommand({ name: "broken", definition, roleArn: ROLE })),
    ).rejects.toMatchObject({ name: "InvalidDefinition" });
    const arn = await createMachine("dup", { StartAt: "P", States: { P: { Type: "Pass", End: true } } });
    expect(await createMachine("dup", { StartAt: "P", States: { P: { Type: "Pass", End: true } } })).toBe(
      arn,
    );
    await expect(
      createMachine("dup", { StartAt: "Q", States: { Q: { Type: "Pass", End: true } } }),
    ).rejects.toMatchObject({ name: "StateMachineAlreadyExists" });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "bad name" })),
    ).rejects.toMatchObject({ name: "InvalidName" });
  });
});
