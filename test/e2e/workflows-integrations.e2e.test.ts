import { createHash } from "node:crypto";
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";
const ACCOUNT = "000000000000";
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

let nimbus: TestNimbus;
let sfn: SFNClient;
let sqs: SQSClient;
let sns: SNSClient;
let events: EventBridgeClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  sfn = new SFNClient({ ...clientConfig(nimbus.url), disableHostPrefix: true });
  sqs = new SQSClient(clientConfig(nimbus.url));
  sns = new SNSClient(clientConfig(nimbus.url));
  events = new EventBridgeClient(clientConfig(nimbus.url));
});

afterAll(async () => {
  for (const c of [sfn, sqs, sns, events]) c.destroy();
  await nimbus.stop();
});

async function machine(name: string, definition: object, type?: "EXPRESS"): Promise<string> {
  const out = await sfn.send(
    new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition), type }),
  );
  return out.stateMachineArn as string;
}

async function run(stateMachineArn: string, input: object = {}) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  return finished(executionArn as string);
}

async function finished(executionArn: string) {
  for (let i = 0; i < 1000; i++) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== "RUNNING") return out;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${executionArn} still running`);
}

async function receive(queueUrl: string): Promise<Message> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10, MessageAttributeNames: ["All"] }),
  );
  const message = out.Messages?.[0];
  if (!message) throw new Error(`no message on ${queueUrl}`);
  return message;
}

const task = (Resource: string, extra: object) => ({
  StartAt: "Call",
  States: { Call: { Type: "Task", Resource, End: true, ...extra } },
});

describe("Step Functions service integrations: queues, topics, buses", () => {
  it("sends a message with sqs:sendMessage, its JSON body serialized, with SQS's MD5", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "sfn-send" }));
    // Any host form works: the queue is found by account and name in the URL's path.
    const url = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/sfn-send`;
    const arn = await machine(
      "send",
      task("arn:aws:states:::sqs:sendMessage", {
        Parameters: {
          QueueUrl: url,
          "MessageBody.$": "$.order",
          MessageAttributes: { kind: { DataType: "String", StringValue: "order" } },
        },
      }),
    );
    const done = await run(arn, { order: { id: 7, items: ["a", "b"] } });
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output as string);
    const message = await receive(QueueUrl as string);
    expect(message.Body).toBe('{"id":7,"items":["a","b"]}');
    expect(message.MessageAttributes?.kind?.StringValue).toBe("order");
    expect(output.MessageId).toBe(message.MessageId);
    expect(output.MD5OfMessageBody).toBe(
      createHash("md5")
        .update(message.Body as string)
        .digest("hex"),
    );
    expect(output.MD5OfMessageAttributes).toBe(message.MD5OfMessageAttributes);
    expect(output.SdkResponseMetadata.RequestId).toEqual(expect.any(String));
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: done.executionArn as string }),
    );
    const scheduled = history.events?.find((e) => e.type === "TaskScheduled");
    expect(scheduled?.taskScheduledEventDetails?.resourceType).toBe("sqs");
    expect(scheduled?.taskScheduledEventDetails?.resource).toBe("sendMessage");
  });

  it("sends to a FIFO queue with MessageGroupId and answers its SequenceNumber", async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: "sfn-orders.fifo", Attributes: { FifoQueue: "true" } }),
    );
    const arn = await machine(
      "send-fifo",
      task("arn:aws:states:::sqs:sendMessage", {
        Parameters: {
          QueueUrl,
          MessageBody: "first",
          MessageGroupId: "g1",
          "MessageDeduplicationId.$": "$.dedup",
        },
      }),
    );
    const done = await run(arn, { dedup: "d-1" });
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output as string);
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10, MessageSystemAttributeNames: ["All"] }),
    );
    const message = out.Messages?.[0];
    expect(message?.Attributes?.MessageGroupId).toBe("g1");
    expect(message?.Attributes?.MessageDeduplicationId).toBe("d-1");
    expect(output.SequenceNumber).toBe(message?.Attributes?.SequenceNumber);
    // A FIFO queue without a group id is SQS's MissingParameter, named as Step Functions does.
    const missing = await machine(
      "send-fifo-nogroup",
      task("arn:aws:states:::sqs:sendMessage", { Parameters: { QueueUrl, MessageBody: "x" } }),
    );
    const failed = await run(missing);
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toBe("SQS.MissingParameterException");
    expect(failed.cause).toContain("MessageGroupId");
  });

  it("publishes with sns:publish (JSONata Arguments) to a topic an SQS queue subscribes to", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "sfn-sub" }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "sfn-topic" }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queueArn("sfn-sub") }));
    const arn = await machine("publish", {
      QueryLanguage: "JSONata",
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: "arn:aws:states:::sns:publish",
          Arguments: { TopicArn, Subject: "greeting", Message: "{% {'hello': $states.input.name} %}" },
          End: true,
        },
      },
    });
    const done = await run(arn, { name: "ada" });
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output as string);
    const envelope = JSON.parse((await receive(QueueUrl as string)).Body as string);
    expect(envelope.Message).toBe('{"hello":"ada"}');
    expect(envelope.Subject).toBe("greeting");
    expect(envelope.MessageId).toBe(output.MessageId);
  });

  it("puts an event with events:putEvents that a rule routes to a queue", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "sfn-events" }));
    await events.send(new PutRuleCommand({ Name: "from-sfn", EventPattern: '{"source":["sfn.orders"]}' }));
    await events.send(
      new PutTargetsCommand({ Rule: "from-sfn", Targets: [{ Id: "q", Arn: queueArn("sfn-events") }] }),
    );
    const arn = await machine(
      "put-events",
      task("arn:aws:states:::events:putEvents", {
        Parameters: {
          Entries: [
            { Source: "sfn.orders", DetailType: "OrderPlaced", "Detail.$": "$", EventBusName: "default" },
          ],
        },
      }),
    );
    const done = await run(arn, { orderId: 42 });
    expect(done.status).toBe("SUCCEEDED");
    const output = JSON.parse(done.output as string);
    expect(output.FailedEntryCount).toBe(0);
    const event = JSON.parse((await receive(QueueUrl as string)).Body as string);
    expect(event.id).toBe(output.Entries[0].EventId);
    expect(event["detail-type"]).toBe("OrderPlaced");
    expect(event.detail).toEqual({ orderId: 42 });
  });

  it("fails a putEvents task with failed entries as EventBridge.FailedEntry", async () => {
    const arn = await machine(
      "put-events-fail",
      task("arn:aws:states:::events:putEvents", {
        Parameters: {
          Entries: [{ Source: "sfn.x", DetailType: "X", Detail: { a: 1 }, EventBusName: "no-such-bus" }],
        },
      }),
    );
    const done = await run(arn);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe("EventBridge.FailedEntry");
    expect(JSON.parse(done.cause as string).FailedEntryCount).toBe(1);
  });

  it("catches a missing queue as SQS.QueueDoesNotExistException and a missing topic as SNS.NotFoundException", async () => {
    const arn = await machine("missing", {
      StartAt: "Send",
      States: {
        Send: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage",
          Parameters: { QueueUrl: `http://localhost/${ACCOUNT}/no-such-queue`, MessageBody: "x" },
          Catch: [
            { ErrorEquals: ["SQS.QueueDoesNotExistException"], ResultPath: "$.sqsError", Next: "Publish" },
          ],
          End: true,
        },
        Publish: {
          Type: "Task",
          Resource: "arn:aws:states:::sns:publish",
          Parameters: { TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:no-such-topic`, Message: "x" },
          End: true,
        },
      },
    });
    const done = await run(arn);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe("SNS.NotFoundException");
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: done.executionArn as string }),
    );
    const caught = history.events?.find((e) => e.type === "TaskFailed");
    expect(caught?.taskFailedEventDetails?.error).toBe("SQS.QueueDoesNotExistException");
  });

  it("waits for approval: the token travels on a queue, SendTaskSuccess resumes the execution", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "approvals" }));
    const arn = await machine("approval", {
      StartAt: "Ask",
      States: {
        Ask: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          Parameters: {
            QueueUrl,
            MessageBody: { "request.$": "$.request", "token.$": "$$.Task.Token" },
          },
          HeartbeatSeconds: 600,
          ResultPath: "$.decision",
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"request":"deploy v2"}' }),
    );
    const body = JSON.parse((await receive(QueueUrl as string)).Body as string);
    expect(body.request).toBe("deploy v2");
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
    await sfn.send(new SendTaskSuccessCommand({ taskToken: body.token, output: '{"approved":true}' }));
    const done = await finished(executionArn as string);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output as string)).toEqual({ request: "deploy v2", decision: { approved: true } });
  });

  it("times out a callback task whose heartbeat does not come (sns:publish.waitForTaskToken)", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "sfn-heartbeat" }));
    const arn = await machine("heartbeat", {
      StartAt: "Ask",
      States: {
        Ask: {
          Type: "Task",
          Resource: "arn:aws:states:::sns:publish.waitForTaskToken",
          Parameters: { TopicArn, Message: { "token.$": "$$.Task.Token" } },
          HeartbeatSeconds: 1,
          // AWS reports a missed heartbeat as States.Timeout; States.HeartbeatTimeout matches only it.
          Catch: [{ ErrorEquals: ["States.HeartbeatTimeout"], Next: "NoHeartbeat" }],
          End: true,
        },
        NoHeartbeat: { Type: "Pass", Parameters: { "error.$": "$.Error" }, End: true },
      },
    });
    const done = await run(arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output as string)).toEqual({ error: "States.Timeout" });
  });

  it("fails a putEvents.waitForTaskToken task with the SendTaskFailure error", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "sfn-event-tokens" }));
    await events.send(new PutRuleCommand({ Name: "tokens", EventPattern: '{"source":["sfn.tokens"]}' }));
    await events.send(
      new PutTargetsCommand({ Rule: "tokens", Targets: [{ Id: "q", Arn: queueArn("sfn-event-tokens") }] }),
    );
    const arn = await machine(
      "event-callback",
      task("arn:aws:states:::events:putEvents.waitForTaskToken", {
        Parameters: {
          Entries: [{ Source: "sfn.tokens", DetailType: "Review", Detail: { "token.$": "$$.Task.Token" } }],
        },
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const event = JSON.parse((await receive(QueueUrl as string)).Body as string);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: event.detail.token, error: "Rejected", cause: "not today" }),
    );
    const done = await finished(executionArn as string);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe("Rejected");
    expect(done.cause).toBe("not today");
  });

  it("runs sqs:sendMessage in an Express StartSyncExecution", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "sfn-express" }));
    const arn = await machine(
      "express-send",
      task("arn:aws:states:::sqs:sendMessage", {
        Parameters: { QueueUrl, "MessageBody.$": "$.text" },
        ResultSelector: { "id.$": "$.MessageId" },
      }),
      "EXPRESS",
    );
    const out = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"text":"fast"}' }),
    );
    expect(out.status).toBe("SUCCEEDED");
    const message = await receive(QueueUrl as string);
    expect(message.Body).toBe("fast");
    expect(JSON.parse(out.output as string)).toEqual({ id: message.MessageId });
  });

  it("refuses other integrations at create, naming the resource", async () => {
    for (const resource of [
      "arn:aws:states:::aws-sdk:sqs:sendMessage",
      "arn:aws:states:::sqs:sendMessage.sync",
      "arn:aws:states:::sns:publishBatch",
    ]) {
      const attempt = machine("refused", task(resource, { Parameters: {} }));
      await expect(attempt).rejects.toMatchObject({ name: "InvalidDefinition" });
      await expect(attempt).rejects.toThrow(resource);
    }
    // A field the API does not have is refused at create, as Step Functions checks it.
    const unknownField = machine(
      "unknown-field",
      task("arn:aws:states:::sqs:sendMessage", {
        Parameters: { QueueUrl: "q", MessageBody: "m", "Colour.$": "$" },
      }),
    );
    await expect(unknownField).rejects.toMatchObject({ name: "InvalidDefinition" });
    await expect(unknownField).rejects.toThrow('The field "Colour.$" is not supported by Step Functions');
  });
});
