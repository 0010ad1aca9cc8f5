import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { clientConfig, startNimbus } from "../support/nimbus.js";

// Its own file: the harness's leak check counts every sandbox of the test process, so this
// test must not share the process with another running server.
const ROLE = "arn:aws:iam::000000000000:role/sfn-role";

describe("Step Functions across a restart", () => {
  it("resumes a Standard execution left in a Wait state when the server starts again", async () => {
    const first = await startNimbus();
    const client1 = new SFNClient(clientConfig(first.url));
    const definition = JSON.stringify({
      StartAt: "Nap",
      States: {
        Nap: { Type: "Wait", Seconds: 1, Next: "Done" },
        Done: { Type: "Pass", Result: "resumed", End: true },
      },
    });
    const { stateMachineArn } = await client1.send(
      new CreateStateMachineCommand({ name: "restart", definition, roleArn: ROLE }),
    );
    const { executionArn } = await client1.send(
      new StartExecutionCommand({ stateMachineArn, name: "survivor" }),
    );
    const before = await client1.send(new DescribeExecutionCommand({ executionArn }));
    expect(before.status).toBe("RUNNING");
    client1.destroy();
    await first.stop(false);

    const second = await startNimbus({ dataDir: first.dataDir });
    const client2 = new SFNClient(clientConfig(second.url));
    try {
      const deadline = Date.now() + 15_000;
      let status: string | undefined;
      let output: string | undefined;
      while (Date.now() < deadline) {
        ({ status, output } = await client2.send(new DescribeExecutionCommand({ executionArn })));
        if (status !== "RUNNING") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe("SUCCEEDED");
      expect(output).toBe('"resumed"');
    } finally {
      client2.destroy();
      await second.stop();
    }
  });

  it("resumes a parent waiting on a .sync child after a restart, without starting a second child", async () => {
    const first = await startNimbus();
    const client1 = new SFNClient(clientConfig(first.url));
    const { stateMachineArn: childArn } = await client1.send(
      new CreateStateMachineCommand({
        name: "slow-child",
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: "Nap",
          States: {
            Nap: { Type: "Wait", Seconds: 1, Next: "Done" },
            Done: { Type: "Pass", Result: { child: "done" }, End: true },
          },
        }),
      }),
    );
    const { stateMachineArn } = await client1.send(
      new CreateStateMachineCommand({
        name: "waiting-parent",
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: "Run",
          States: {
            Run: {
              Type: "Task",
              Resource: "arn:aws:states:::states:startExecution.sync:2",
              Parameters: { StateMachineArn: childArn },
              OutputPath: "$.Output",
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await client1.send(
      new StartExecutionCommand({ stateMachineArn, name: "parent" }),
    );
    // Stop only once the child exists, so the restart lands while the parent waits on it.
    for (let i = 0; i < 400; i++) {
      const list = await client1.send(new ListExecutionsCommand({ stateMachineArn: childArn }));
      if ((list.executions ?? []).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    client1.destroy();
    await first.stop(false);

    const second = await startNimbus({ dataDir: first.dataDir });
    const client2 = new SFNClient(clientConfig(second.url));
    try {
      const deadline = Date.now() + 15_000;
      let status: string | undefined;
      let output: string | undefined;
      while (Date.now() < deadline) {
        ({ status, output } = await client2.send(new DescribeExecutionCommand({ executionArn })));
        if (status !== "RUNNING") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe("SUCCEEDED");
      expect(output).toBe('{"child":"done"}');
      const children = await client2.send(new ListExecutionsCommand({ stateMachineArn: childArn }));
      expect(children.executions?.length).toBe(1);
    } finally {
      client2.destroy();
      await second.stop();
    }
  });
});
