import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";

let nimbus: TestNimbus;
let sfn: SFNClient;

beforeAll(async () => {
  // Small quotas from the `workflows` config section, so the limits are reached quickly.
  nimbus = await startNimbus({ config: { workflows: { maxHistoryEvents: 60, maxPayloadBytes: 2048 } } });
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

const grow = {
  StartAt: "Grow",
  States: {
    Grow: { Type: "Pass", Parameters: { "items.$": "States.ArrayRange(1, 600, 1)" }, End: true },
  },
};

describe("workflow quotas", () => {
  it("refuses execution input over the payload quota with InvalidExecutionInput", async () => {
    const arn = await machine("quota-input", { StartAt: "P", States: { P: { Type: "Pass", End: true } } });
    const error = await sfn
      .send(
        new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ pad: "x".repeat(3000) }) }),
      )
      .catch((e: unknown) => e as { name: string; message: string });
    expect(error).toMatchObject({ name: "InvalidExecutionInput" });
    expect((error as { message: string }).message).toContain("2048");
  });

  it("fails a Standard execution whose state output is over the quota with States.DataLimitExceeded", async () => {
    const arn = await machine("quota-output", grow);
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const done = await finished(started.executionArn ?? "");
    expect(done).toMatchObject({
      status: "FAILED",
      error: "States.DataLimitExceeded",
      cause:
        "The state/task 'Grow' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });

  it("applies the payload quota to Express executions too", async () => {
    const arn = await machine("quota-express", grow, "EXPRESS");
    const out = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn }));
    expect(out).toMatchObject({ status: "FAILED", error: "States.DataLimitExceeded" });
  });

  it("fails a Standard execution with States.Runtime when its history reaches the event quota", async () => {
    const arn = await machine("quota-history", {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Next: "B" },
        B: { Type: "Choice", Choices: [{ Variable: "$.stop", IsPresent: true, Next: "Done" }], Default: "A" },
        Done: { Type: "Succeed" },
      },
    });
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const done = await finished(started.executionArn ?? "");
    expect(done).toMatchObject({
      status: "FAILED",
      error: "States.Runtime",
      cause: "The execution reached the maximum number of history events (60).",
    });
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }),
    );
    expect(history.events?.at(-1)?.type).toBe("ExecutionFailed");
  });
});
