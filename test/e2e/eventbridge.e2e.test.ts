import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TagResourceCommand,
  TestEventPatternCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-eventbridge";
import { InvokeCommand, PutFunctionEventInvokeConfigCommand } from "@aws-sdk/client-lambda";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ACCOUNT = "000000000000";
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

describe("EventBridge event buses, rules and targets", () => {
  let nimbus: TestNimbus;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let sns: SNSClient;

  beforeAll(async () => {
    nimbus = await startNimbus({ config: { events: { retryBaseDelayMs: 10, maxRetryDelayMs: 50 } } });
    events = new EventBridgeClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
    sns = new SNSClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    events.destroy();
    sqs.destroy();
    sns.destroy();
    await nimbus.stop();
  });

  async function queue(name: string): Promise<string> {
    return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  }

  /** Receives until `count` messages arrived (bounded by attempts, never by asserting time). */
  async function receive(url: string, count: number): Promise<Message[]> {
    const got: Message[] = [];
    for (let i = 0; i < 40 && got.length < count; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ["All"],
        }),
      );
      got.push(...(out.Messages ?? []));
    }
    if (got.length < count) throw new Error(`received ${got.length} of ${count} messages`);
    return got;
  }

  it("always has the default bus; custom buses are created, described, listed and deleted", async () => {
    const listed = await events.send(new ListEventBusesCommand({}));
    expect(listed.EventBuses?.map((b) => b.Name)).toContain("default");
    const created = await events.send(
      new CreateEventBusCommand({ Name: "orders", Description: "order events" }),
    );
    expect(created.EventBusArn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
    const described = await events.send(new DescribeEventBusCommand({ Name: created.EventBusArn }));
    expect(described).toMatchObject({ Name: "orders", Description: "order events" });
    await expect(events.send(new CreateEventBusCommand({ Name: "orders" }))).rejects.toMatchObject({
      name: "ResourceAlreadyExistsException",
    });
    await expect(events.send(new DeleteEventBusCommand({ Name: "default" }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(events.send(new DescribeEventBusCommand({ Name: "nope" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await events.send(new CreateEventBusCommand({ Name: "short-lived" }));
    await events.send(new DeleteEventBusCommand({ Name: "short-lived" }));
    const after = await events.send(new ListEventBusesCommand({ NamePrefix: "short" }));
    expect(after.EventBuses).toEqual([]);
    await expect(
      events.send(new CreateEventBusCommand({ Name: "partner", EventSourceName: "aws.partner/x/y" })),
    ).rejects.toThrow(/EventSourceName is not supported by Nimbus/);
  });

  it("delivers matching events to a queue in the EventBridge event shape, and skips the rest", async () => {
    const url = await queue("eb-orders");
    await events.send(
      new PutRuleCommand({
        Name: "big-orders",
        EventPattern: JSON.stringify({
          source: ["shop"],
          "detail-type": ["OrderPlaced"],
          detail: { amount: [{ numeric: [">", 100] }] },
        }),
      }),
    );
    const put = await events.send(
      new PutTargetsCommand({ Rule: "big-orders", Targets: [{ Id: "q", Arn: queueArn("eb-orders") }] }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: "shop", DetailType: "OrderPlaced", Detail: JSON.stringify({ amount: 5, id: "small" }) },
          {
            Source: "shop",
            DetailType: "OrderPlaced",
            Detail: JSON.stringify({ amount: 500, id: "big" }),
            Resources: ["arn:aws:shop:order/1"],
            Time: new Date("2025-03-01T10:00:00Z"),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    const [message] = await receive(url, 1);
    const event = JSON.parse(message?.Body ?? "{}");
    expect(event).toEqual({
      version: "0",
      id: out.Entries?.[1]?.EventId,
      "detail-type": "OrderPlaced",
      source: "shop",
      account: ACCOUNT,
      time: "2025-03-01T10:00:00Z",
      region: "us-east-1",
      resources: ["arn:aws:shop:order/1"],
      detail: { amount: 500, id: "big" },
    });
  });

  it("applies Input, InputPath and InputTransformer (placeholders in and out of quotes)", async () => {
    const url = await queue("eb-shaped");
    await events.send(
      new PutRuleCommand({ Name: "shaped", EventPattern: JSON.stringify({ source: ["shaper"] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: "shaped",
        Targets: [
          { Id: "constant", Arn: queueArn("eb-shaped"), Input: '{"fixed":true}' },
          { Id: "path", Arn: queueArn("eb-shaped"), InputPath: "$.detail.instance" },
          {
            Id: "json",
            Arn: queueArn("eb-shaped"),
            InputTransformer: {
              InputPathsMap: { instance: "$.detail.instance", state: "$.detail.state", n: "$.detail.n" },
              InputTemplate:
                '{"id": <instance>, "text": "<instance> is <state>", "n": <n>, "rule": "<aws.events.rule-name>"}',
            },
          },
          {
            Id: "string",
            Arn: queueArn("eb-shaped"),
            InputTransformer: {
              InputPathsMap: { instance: "$.detail.instance", state: "$.detail.state" },
              InputTemplate: '"<instance> is in state <state>"',
            },
          },
        ],
      }),
    );
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "shaper",
            DetailType: "x",
            Detail: JSON.stringify({ instance: "i-1", state: "running", n: 3 }),
          },
        ],
      }),
    );
    const bodies = (await receive(url, 4)).map((m) => m.Body).sort();
    expect(bodies).toEqual(
      [
        '"i-1 is in state running"',
        '"i-1"',
        '{"fixed":true}',
        '{"id": "i-1", "text": "i-1 is running", "n": 3, "rule": "shaped"}',
      ].sort(),
    );
  });

  it("invokes a function target asynchronously with the event", async () => {
    await createFixtureFunction(nimbus.lambda, "eb-recorder", "node/event-recorder");
    await events.send(
      new PutRuleCommand({ Name: "to-fn", EventPattern: JSON.stringify({ source: ["fn.test"] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: "to-fn",
        Targets: [{ Id: "fn", Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:eb-recorder` }],
      }),
    );
    await events.send(
      new PutEventsCommand({
        Entries: [{ Source: "fn.test", DetailType: "Ping", Detail: '{"hello":"fn"}' }],
      }),
    );
    let recorded: Record<string, unknown> | undefined;
    for (let i = 0; i < 300 && !recorded; i++) {
      const out = await nimbus.logs
        .send(
          new FilterLogEventsCommand({
            logGroupName: "/aws/lambda/eb-recorder",
            filterPattern: "RECORDED_EVENT",
          }),
        )
        .catch(() => ({ events: [] }));
      const line = out.events?.[0]?.message;
      if (line) recorded = JSON.parse(line.slice(line.indexOf("{")));
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(recorded).toMatchObject({ source: "fn.test", "detail-type": "Ping", detail: { hello: "fn" } });
  });

  it("delivers to a topic and to another bus", async () => {
    const viaTopic = await queue("eb-via-topic");
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "eb-topic" }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: queueArn("eb-via-topic"),
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    const viaBus = await queue("eb-via-bus");
    await events.send(new CreateEventBusCommand({ Name: "downstream" }));
    await events.send(
      new PutRuleCommand({ Name: "from-default", EventPattern: JSON.stringify({ source: ["fanout"] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: "from-default",
        Targets: [
          { Id: "topic", Arn: TopicArn },
          { Id: "bus", Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/downstream` },
        ],
      }),
    );
    await events.send(
      new PutRuleCommand({
        Name: "on-downstream",
        EventBusName: "downstream",
        EventPattern: JSON.stringify({ source: ["fanout"] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: "on-downstream",
        EventBusName: "downstream",
        Targets: [{ Id: "q", Arn: queueArn("eb-via-bus") }],
      }),
    );
    const out = await events.send(
      new PutEventsCommand({ Entries: [{ Source: "fanout", DetailType: "Fan", Detail: '{"k":1}' }] }),
    );
    const [fromTopic] = await receive(viaTopic, 1);
    const [fromBus] = await receive(viaBus, 1);
    expect(JSON.parse(fromTopic?.Body ?? "{}")).toMatchObject({
      id: out.Entries?.[0]?.EventId,
      detail: { k: 1 },
    });
    expect(JSON.parse(fromBus?.Body ?? "{}")).toMatchObject({
      id: out.Entries?.[0]?.EventId,
      source: "fanout",
    });
  });

  it("starts a state machine execution with the event", async () => {
    const sfn = new SFNClient(clientConfig(nimbus.url));
    try {
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: "eb-machine",
          roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
          definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Pass", End: true } } }),
        }),
      );
      await events.send(new PutRuleCommand({ Name: "to-sfn", EventPattern: '{"source":["sfn.test"]}' }));
      await events.send(
        new PutTargetsCommand({
          Rule: "to-sfn",
          Targets: [{ Id: "m", Arn: stateMachineArn, InputPath: "$.detail" }],
        }),
      );
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: "sfn.test", DetailType: "Go", Detail: '{"order":7}' }] }),
      );
      let executionArn: string | undefined;
      for (let i = 0; i < 100 && !executionArn; i++) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
        executionArn = listed.executions?.[0]?.executionArn;
        if (!executionArn) await new Promise((r) => setTimeout(r, 50));
      }
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(JSON.parse(execution.input ?? "null")).toEqual({ order: 7 });
    } finally {
      sfn.destroy();
    }
  });

  it("receives a function's async invocation result as a lambda event (destination on a bus)", async () => {
    const url = await queue("eb-results");
    await createFixtureFunction(nimbus.lambda, "eb-source", "node/event-recorder");
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "eb-source",
        DestinationConfig: {
          OnSuccess: { Destination: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` },
        },
      }),
    );
    await events.send(
      new PutRuleCommand({
        Name: "results",
        EventPattern: JSON.stringify({
          source: ["lambda"],
          "detail-type": [{ prefix: "Lambda Function Invocation Result" }],
        }),
      }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: "results", Targets: [{ Id: "q", Arn: queueArn("eb-results") }] }),
    );
    await nimbus.lambda.send(
      new InvokeCommand({
        FunctionName: "eb-source",
        InvocationType: "Event",
        Payload: Buffer.from('{"n":1}'),
      }),
    );
    const [message] = await receive(url, 1);
    const event = JSON.parse(message?.Body ?? "{}");
    expect(event).toMatchObject({
      source: "lambda",
      "detail-type": "Lambda Function Invocation Result - Success",
      detail: {
        requestContext: { condition: "Success" },
        requestPayload: { n: 1 },
        responsePayload: "recorded",
      },
    });
    expect(event.resources[1]).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`);
  });

  it("dead-letters an event whose target fails, with AWS's error attributes", async () => {
    const dlq = await queue("eb-dlq");
    await events.send(
      new PutRuleCommand({ Name: "broken", EventPattern: JSON.stringify({ source: ["broken"] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: "broken",
        Targets: [
          {
            Id: "missing-queue",
            Arn: queueArn("no-such-queue"),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: queueArn("eb-dlq") },
          },
        ],
      }),
    );
    const out = await events.send(
      new PutEventsCommand({ Entries: [{ Source: "broken", DetailType: "B", Detail: "{}" }] }),
    );
    const [dead] = await receive(dlq, 1);
    expect(JSON.parse(dead?.Body ?? "{}").id).toBe(out.Entries?.[0]?.EventId);
    const attrs = dead?.MessageAttributes ?? {};
    expect(attrs.RULE_ARN?.StringValue).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/broken`);
    expect(attrs.TARGET_ARN?.StringValue).toBe(queueArn("no-such-queue"));
    // A missing target is not retried (as on AWS); the code is the target service's exception.
    expect(attrs.ERROR_CODE?.StringValue).toBe("QueueDoesNotExist");
    expect(attrs.ERROR_MESSAGE?.StringValue).toBe("The specified queue does not exist.");
  });

  it("describes, lists, enables, disables and deletes rules and targets", async () => {
    for (const name of ["list-a", "list-b", "list-c"])
      await events.send(
        new PutRuleCommand({ Name: name, EventPattern: '{"source":["l"]}', Description: name }),
      );
    const first = await events.send(new ListRulesCommand({ NamePrefix: "list-", Limit: 2 }));
    expect(first.Rules?.map((r) => r.Name)).toEqual(["list-a", "list-b"]);
    const second = await events.send(
      new ListRulesCommand({ NamePrefix: "list-", NextToken: first.NextToken }),
    );
    expect(second.Rules?.map((r) => r.Name)).toEqual(["list-c"]);
    await events.send(new DisableRuleCommand({ Name: "list-a" }));
    expect((await events.send(new DescribeRuleCommand({ Name: "list-a" }))).State).toBe("DISABLED");
    await events.send(new EnableRuleCommand({ Name: "list-a" }));
    expect(await events.send(new DescribeRuleCommand({ Name: "list-a" }))).toMatchObject({
      State: "ENABLED",
      Description: "list-a",
      EventBusName: "default",
    });
    await events.send(
      new PutTargetsCommand({ Rule: "list-a", Targets: [{ Id: "t1", Arn: queueArn("eb-orders") }] }),
    );
    const byTarget = await events.send(
      new ListRuleNamesByTargetCommand({ TargetArn: queueArn("eb-orders") }),
    );
    expect(byTarget.RuleNames).toEqual(expect.arrayContaining(["big-orders", "list-a"]));
    await expect(events.send(new DeleteRuleCommand({ Name: "list-a" }))).rejects.toThrow(
      "Rule can't be deleted since it has targets.",
    );
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: "list-a" }));
    expect(targets.Targets).toEqual([
      expect.objectContaining({
        Id: "t1",
        Arn: queueArn("eb-orders"),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      }),
    ]);
    const removed = await events.send(new RemoveTargetsCommand({ Rule: "list-a", Ids: ["t1", "t9"] }));
    expect(removed.FailedEntries?.map((f) => f.TargetId)).toEqual(["t9"]);
    await events.send(new DeleteRuleCommand({ Name: "list-a" }));
    await expect(events.send(new DescribeRuleCommand({ Name: "list-a" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("refuses bad input with EventBridge's errors", async () => {
    await expect(
      events.send(new PutRuleCommand({ Name: "bad", EventPattern: '{"source":"not-a-list"}' })),
    ).rejects.toMatchObject({ name: "InvalidEventPatternException" });
    await expect(events.send(new PutRuleCommand({ Name: "bad" }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(
      events.send(new PutRuleCommand({ Name: "bad", ScheduleExpression: "rate(1 minutes)" })),
    ).rejects.toThrow("Parameter ScheduleExpression is not valid.");
    await events.send(new PutRuleCommand({ Name: "kin", EventPattern: '{"source":["k"]}' }));
    const failed = await events.send(
      new PutTargetsCommand({
        Rule: "kin",
        Targets: [{ Id: "k", Arn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s` }],
      }),
    );
    expect(failed.FailedEntries?.[0]).toMatchObject({ TargetId: "k", ErrorCode: "InvalidArgument" });
    expect(failed.FailedEntries?.[0]?.ErrorMessage).toMatch(/not supported by Nimbus/);
    const entries = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: "a", DetailType: "b", Detail: "[1]" },
          { DetailType: "b", Detail: "{}" },
          { Source: "aws.ec2", DetailType: "b", Detail: "{}" },
          { Source: "a", DetailType: "b", Detail: "{}", EventBusName: "missing-bus" },
          { Source: "a", DetailType: "b", Detail: "{}" },
        ],
      }),
    );
    expect(entries.FailedEntryCount).toBe(4);
    expect(entries.Entries?.map((e) => e.ErrorCode ?? "ok")).toEqual([
      "MalformedDetail",
      "InvalidArgument",
      "NotAuthorizedForSourceException",
      "NotFound",
      "ok",
    ]);
    const eleven = Array.from({ length: 11 }, () => ({ Source: "a", DetailType: "b", Detail: "{}" }));
    await expect(events.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    const big = [{ Source: "a", DetailType: "b", Detail: JSON.stringify({ x: "y".repeat(262_144) }) }];
    await expect(events.send(new PutEventsCommand({ Entries: big }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("tags buses and rules", async () => {
    const { EventBusArn } = await events.send(
      new CreateEventBusCommand({ Name: "tagged", Tags: [{ Key: "team", Value: "orders" }] }),
    );
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: "tagged-rule",
        EventBusName: "tagged",
        EventPattern: '{"source":["t"]}',
        Tags: [{ Key: "env", Value: "dev" }],
      }),
    );
    await events.send(
      new TagResourceCommand({ ResourceARN: RuleArn, Tags: [{ Key: "owner", Value: "me" }] }),
    );
    await events.send(new UntagResourceCommand({ ResourceARN: RuleArn, TagKeys: ["env"] }));
    expect((await events.send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }))).Tags).toEqual([
      { Key: "team", Value: "orders" },
    ]);
    expect((await events.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags).toEqual([
      { Key: "owner", Value: "me" },
    ]);
    await expect(
      events.send(
        new ListTagsForResourceCommand({
          ResourceARN: `arn:aws:events:us-east-1:${ACCOUNT}:rule/tagged/nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("tests event patterns", async () => {
    const event = JSON.stringify({
      id: "1",
      account: ACCOUNT,
      source: "com.test",
      time: "2025-01-01T00:00:00Z",
      region: "us-east-1",
      "detail-type": "T",
      resources: [],
      detail: { state: "ok", size: 12 },
    });
    const yes = await events.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({
          detail: { size: [{ numeric: [">=", 10] }], state: [{ prefix: "o" }] },
        }),
        Event: event,
      }),
    );
    expect(yes.Result).toBe(true);
    const no = await events.send(
      new TestEventPatternCommand({ EventPattern: '{"source":[{"anything-but":"com.test"}]}', Event: event }),
    );
    expect(no.Result).toBe(false);
    await expect(
      events.send(new TestEventPatternCommand({ EventPattern: '{"a":[{"wildcard":"x**"}]}', Event: event })),
    ).rejects.toMatchObject({ name: "InvalidEventPatternException" });
  });
});
