import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";

let nimbus: TestNimbus;
let sfn: SFNClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  sfn = new SFNClient({ ...clientConfig(nimbus.url), disableHostPrefix: true });
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await nimbus?.stop();
});

async function machine(name: string, definition: object, type: "STANDARD" | "EXPRESS" = "STANDARD") {
  const out = await sfn.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE, type }),
  );
  return out.stateMachineArn ?? "";
}

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== "RUNNING") return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function run(stateMachineArn: string, input: object = {}): Promise<DescribeExecutionCommandOutput> {
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  return finished(started.executionArn ?? "");
}

const parent = (resource: string, parameters: object, extra: object = {}) => ({
  StartAt: "Child",
  States: { Child: { Type: "Task", Resource: resource, Parameters: parameters, End: true, ...extra } },
});

describe("nested executions (states:startExecution)", () => {
  let doubler = "";
  let failing = "";

  beforeAll(async () => {
    doubler = await machine("child-double", {
      StartAt: "Double",
      States: { Double: { Type: "Pass", Parameters: { "twice.$": "States.MathAdd($.n, $.n)" }, End: true } },
    });
    failing = await machine("child-fail", {
      StartAt: "Boom",
      States: { Boom: { Type: "Fail", Error: "ChildError", Cause: "the child gave up" } },
    });
  });

  it("starts a child and moves on (request-response)", async () => {
    const arn = await machine(
      "parent-fire",
      parent("arn:aws:states:::states:startExecution", { StateMachineArn: doubler, Input: { n: 2 } }),
    );
    const done = await run(arn);
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output ?? "{}") as { ExecutionArn: string; StartDate: number };
    expect(output.ExecutionArn).toContain(":execution:child-double:");
    expect(typeof output.StartDate).toBe("number");
    const child = await finished(output.ExecutionArn);
    expect(child.output).toBe('{"twice":4}');
  });

  it("waits with .sync (Output as text) and .sync:2 (Output as JSON)", async () => {
    const sync = await machine(
      "parent-sync",
      parent("arn:aws:states:::states:startExecution.sync", { StateMachineArn: doubler, "Input.$": "$" }),
    );
    const syncDone = await run(sync, { n: 5 });
    expect(syncDone.status).toBe("SUCCEEDED");
    const syncOut = JSON.parse(syncDone.output ?? "{}");
    expect(syncOut).toMatchObject({ Status: "SUCCEEDED", Output: '{"twice":10}', Input: '{"n":5}' });
    expect(syncOut.StateMachineArn).toBe(doubler);

    const sync2 = await machine(
      "parent-sync2",
      parent(
        "arn:aws:states:::states:startExecution.sync:2",
        { StateMachineArn: doubler, "Input.$": "$" },
        { OutputPath: "$.Output" },
      ),
    );
    const sync2Done = await run(sync2, { n: 7 });
    expect(sync2Done.output).toBe('{"twice":14}');
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: sync2Done.executionArn, maxResults: 100 }),
    );
    expect(history.events?.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(history.events?.[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: "states",
      resource: "startExecution.sync:2",
    });
  });

  it("runs an Express child synchronously under .sync:2", async () => {
    const express = await machine(
      "child-express",
      { StartAt: "P", States: { P: { Type: "Pass", Result: "from express", End: true } } },
      "EXPRESS",
    );
    const arn = await machine(
      "parent-express-child",
      parent("arn:aws:states:::states:startExecution.sync:2", { StateMachineArn: express }),
    );
    const done = await run(arn);
    expect(JSON.parse(done.output ?? "{}")).toMatchObject({ Status: "SUCCEEDED", Output: "from express" });
  });

  it("fails the task with States.TaskFailed when the child fails, which Catch can handle", async () => {
    const definition = {
      StartAt: "Child",
      States: {
        Child: {
          Type: "Task",
          Resource: "arn:aws:states:::states:startExecution.sync",
          Parameters: { StateMachineArn: failing },
          Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "Handled" }],
          End: true,
        },
        Handled: { Type: "Pass", End: true },
      },
    };
    const caught = await run(await machine("parent-catches", definition));
    expect(caught.status).toBe("SUCCEEDED");
    const errorOutput = JSON.parse(caught.output ?? "{}") as { Error: string; Cause: string };
    expect(errorOutput.Error).toBe("States.TaskFailed");
    expect(JSON.parse(errorOutput.Cause)).toMatchObject({
      Status: "FAILED",
      Error: "ChildError",
      Cause: "the child gave up",
    });

    const uncaught = await run(
      await machine(
        "parent-fails",
        parent("arn:aws:states:::states:startExecution.sync", { StateMachineArn: failing }),
      ),
    );
    expect(uncaught).toMatchObject({ status: "FAILED", error: "States.TaskFailed" });
    const missing = await run(
      await machine(
        "parent-missing-child",
        parent("arn:aws:states:::states:startExecution", {
          StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:nobody",
        }),
      ),
    );
    expect(missing).toMatchObject({
      status: "FAILED",
      error: "StepFunctions.StateMachineDoesNotExistException",
    });

    // A Name already used by a finished execution that another task started: as on AWS.
    const named = await machine(
      "parent-named-child",
      parent("arn:aws:states:::states:startExecution.sync", {
        StateMachineArn: doubler,
        Name: "the-only-child",
        Input: { n: 1 },
      }),
    );
    expect((await run(named)).status).toBe("SUCCEEDED");
    expect(await run(named)).toMatchObject({
      status: "FAILED",
      error: "StepFunctions.ExecutionAlreadyExistsException",
    });
  });

  it("waits for a task token a child reports with .waitForTaskToken", async () => {
    const approver = await machine("child-approver", {
      StartAt: "Hold",
      States: { Hold: { Type: "Wait", Seconds: 3600, End: true } },
    });
    const arn = await machine(
      "parent-callback",
      parent("arn:aws:states:::states:startExecution.waitForTaskToken", {
        StateMachineArn: approver,
        Input: { "token.$": "$$.Task.Token", request: "approve me" },
      }),
    );
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    let childArn: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!childArn && Date.now() < deadline) {
      const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: approver }));
      childArn = list.executions?.[0]?.executionArn;
      if (!childArn) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const child = await sfn.send(new DescribeExecutionCommand({ executionArn: childArn }));
    const { token, request } = JSON.parse(child.input ?? "{}") as { token: string; request: string };
    expect(request).toBe("approve me");
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
    );
    const done = await finished(started.executionArn ?? "");
    expect(done).toMatchObject({ status: "SUCCEEDED", output: '{"approved":true}' });
    await sfn.send(new StopExecutionCommand({ executionArn: childArn }));
  });
});
