import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/nimbus.js";
import { type NimbusChild, startNimbusChild } from "../support/nimbus-process.js";

// kill -9 while an execution waits for its approval token; the restarted server resumes the wait
// (the message is not sent again) and SendTaskSuccess completes it. Its own file: it runs servers
// as child processes (the built CLI: run `npx tsc -b` first).
const ROLE = "arn:aws:iam::000000000000:role/sfn-role";

const dirs: string[] = [];
const children: NimbusChild[] = [];
afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("approval flow across kill -9", () => {
  it("completes an execution waiting on sqs:sendMessage.waitForTaskToken after a kill -9 and a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-sfn-approval-"));
    dirs.push(dataDir);
    const first = await startNimbusChild(dataDir);
    children.push(first);
    const sfn1 = new SFNClient(clientConfig(first.url));
    const sqs1 = new SQSClient(clientConfig(first.url));
    const { QueueUrl } = await sqs1.send(new CreateQueueCommand({ QueueName: "approvals" }));
    const { stateMachineArn } = await sfn1.send(
      new CreateStateMachineCommand({
        name: "approval",
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: "Ask",
          States: {
            Ask: {
              Type: "Task",
              Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              Parameters: { QueueUrl, MessageBody: { "token.$": "$$.Task.Token", "what.$": "$.what" } },
              Next: "Done",
            },
            Done: { Type: "Pass", Parameters: { "approvedBy.$": "$.by" }, End: true },
          },
        }),
      }),
    );
    const { executionArn } = await sfn1.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"what":"release"}' }),
    );
    const received = await sqs1.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    const body = JSON.parse(received.Messages?.[0]?.Body ?? "{}");
    expect(body.what).toBe("release");
    // Kill only once TaskSubmitted is stored: the task is then waiting for its token (a kill
    // between the send and that step would send again after the restart: at-least-once).
    for (let i = 0; i < 500; i++) {
      const history = await sfn1.send(new GetExecutionHistoryCommand({ executionArn }));
      if ((history.events ?? []).some((e) => e.type === "TaskSubmitted")) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    sfn1.destroy();
    sqs1.destroy();
    await first.stop("SIGKILL");

    const second = await startNimbusChild(dataDir);
    children.push(second);
    const sfn2 = new SFNClient(clientConfig(second.url));
    const sqs2 = new SQSClient(clientConfig(second.url));
    try {
      expect((await sfn2.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
      await sfn2.send(new SendTaskSuccessCommand({ taskToken: body.token, output: '{"by":"ops"}' }));
      let status: string | undefined;
      let output: string | undefined;
      for (let i = 0; i < 500 && status !== "SUCCEEDED" && status !== "FAILED"; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        ({ status, output } = await sfn2.send(new DescribeExecutionCommand({ executionArn })));
      }
      expect(status).toBe("SUCCEEDED");
      expect(JSON.parse(output as string)).toEqual({ approvedBy: "ops" });
      // The send was acknowledged before the kill, so it was not run again after the restart:
      // one TaskScheduled and one TaskSubmitted, and no second message on the queue (the first
      // one is still in flight under its visibility timeout, so any message here is a resend).
      const history = await sfn2.send(new GetExecutionHistoryCommand({ executionArn }));
      const types = (history.events ?? []).map((e) => e.type);
      expect(types.filter((t) => t === "TaskScheduled")).toHaveLength(1);
      expect(types.filter((t) => t === "TaskSubmitted")).toHaveLength(1);
      const again = await sqs2.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
      expect(again.Messages ?? []).toHaveLength(0);
    } finally {
      sfn2.destroy();
      sqs2.destroy();
    }
  });
});
