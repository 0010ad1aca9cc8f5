import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTagsForResourceCommand as ListEventTagsCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand as ListScheduleTagsCommand,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListTagsForResourceCommand as ListMachineTagsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderContext, ResourceProvider } from "../../packages/platform/src/stacks/model.js";
import { eventsProviders } from "../../packages/platform/src/stacks/providers/events.js";
import { s3Providers } from "../../packages/platform/src/stacks/providers/s3.js";
import { schedulerProviders } from "../../packages/platform/src/stacks/providers/scheduler.js";
import { snsProviders } from "../../packages/platform/src/stacks/providers/sns.js";
import { sqsProviders } from "../../packages/platform/src/stacks/providers/sqs.js";
import { stepFunctionsProviders } from "../../packages/platform/src/stacks/providers/stepfunctions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { providerContext } from "../support/stacks.js";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/stack`;
const all = new Map<string, ResourceProvider>(
  [
    ...sqsProviders(),
    ...snsProviders(),
    ...s3Providers(),
    ...eventsProviders(),
    ...schedulerProviders(),
    ...stepFunctionsProviders(),
  ].map((p) => [p.type, p]),
);
const provider = (type: string): ResourceProvider => {
  const p = all.get(type);
  if (!p) throw new Error(`no provider for ${type}`);
  return p;
};

describe("stack resource providers: queues, topics, buckets, rules, schedules, state machines", () => {
  let nimbus: TestNimbus;
  let ctx: ProviderContext & { notes: string[] };
  let sqs: SQSClient;
  let sns: SNSClient;
  let s3: S3Client;
  let events: EventBridgeClient;
  let scheduler: SchedulerClient;
  let sfn: SFNClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    ctx = providerContext(nimbus.server);
    sqs = new SQSClient(clientConfig(nimbus.url));
    sns = new SNSClient(clientConfig(nimbus.url));
    s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    events = new EventBridgeClient(clientConfig(nimbus.url));
    scheduler = new SchedulerClient(clientConfig(nimbus.url));
    sfn = new SFNClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    for (const c of [sqs, sns, s3, events, scheduler, sfn]) c.destroy();
    await nimbus.stop();
  });

  /** Receives until `count` messages arrived (bounded by attempts, never by asserting time). */
  async function receive(url: string, count: number): Promise<Message[]> {
    const got: Message[] = [];
    for (let i = 0; i < 40 && got.length < count; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      got.push(...(out.Messages ?? []));
    }
    if (got.length < count) throw new Error(`received ${got.length} of ${count} messages`);
    return got;
  }

  async function queue(logicalId: string, props: Record<string, unknown> = {}) {
    return provider("AWS::SQS::Queue").create(ctx, logicalId, props);
  }

  it("creates a queue with a dead-letter redrive policy, updates it, and deletes it", async () => {
    const dlq = await queue("Dlq", { QueueName: "cfn-dlq" });
    expect(dlq.physicalId).toBe(`${nimbus.url}/${ACCOUNT}/cfn-dlq`);
    expect(dlq.attributes).toEqual({
      Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:cfn-dlq`,
      QueueName: "cfn-dlq",
      QueueUrl: dlq.physicalId,
    });
    const props = {
      VisibilityTimeout: 45,
      RedrivePolicy: { deadLetterTargetArn: dlq.attributes.Arn, maxReceiveCount: "3" },
      Tags: [{ Key: "team", Value: "a" }],
    };
    const main = await queue("Main", props);
    expect(main.attributes.QueueName).toMatch(/^test-stack-Main-/);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: main.physicalId, AttributeNames: ["All"] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe("45");
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlq.attributes.Arn,
      maxReceiveCount: 3,
    });
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: main.physicalId }))).Tags).toEqual({
      team: "a",
    });

    const current = { physicalId: main.physicalId, properties: props, attributes: main.attributes };
    const next = { DelaySeconds: "5", Tags: [{ Key: "env", Value: "dev" }] };
    const updated = await provider("AWS::SQS::Queue").update(ctx, "Main", current, next);
    expect(updated.physicalId).toBe(main.physicalId);
    const after = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: main.physicalId, AttributeNames: ["All"] }),
    );
    expect(after.Attributes?.VisibilityTimeout).toBe("30");
    expect(after.Attributes?.DelaySeconds).toBe("5");
    expect(after.Attributes?.RedrivePolicy).toBeUndefined();
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: main.physicalId }))).Tags).toEqual({
      env: "dev",
    });

    await provider("AWS::SQS::Queue").delete(ctx, "Main", { ...current, properties: next });
    await expect(
      sqs.send(new GetQueueUrlCommand({ QueueName: String(main.attributes.QueueName) })),
    ).rejects.toThrow();
    // Deleting again is not an error.
    await provider("AWS::SQS::Queue").delete(ctx, "Main", { ...current, properties: next });
  });

  it("moves a message past maxReceiveCount to the dead-letter queue the template names", async () => {
    const dlq = await queue("RedriveDlq");
    const source = await queue("RedriveSource", {
      VisibilityTimeout: 0,
      RedrivePolicy: { deadLetterTargetArn: dlq.attributes.Arn, maxReceiveCount: 1 },
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: source.physicalId, MessageBody: "poison" }));
    expect((await receive(source.physicalId, 1))[0]?.Body).toBe("poison");
    // The second receive finds it past maxReceiveCount: SQS moves it instead of answering it.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: source.physicalId, WaitTimeSeconds: 1 }));
    expect((await receive(dlq.physicalId, 1))[0]?.Body).toBe("poison");
  });

  it("names FIFO queues with .fifo, refuses a named queue that exists, stores queue policies", async () => {
    const fifo = await queue("Orders", { FifoQueue: true, ContentBasedDeduplication: true });
    expect(String(fifo.attributes.QueueName)).toMatch(/\.fifo$/);
    await expect(queue("Again", { QueueName: "cfn-dlq" })).rejects.toMatchObject({
      code: "ERR_STACK_SERVICE_RESOURCE_EXISTS",
    });
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: "sqs:*" }],
    };
    const props = { PolicyDocument: policy, Queues: [fifo.physicalId] };
    const created = await provider("AWS::SQS::QueuePolicy").create(ctx, "Policy", props);
    const read = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: fifo.physicalId, AttributeNames: ["Policy"] }),
    );
    expect(JSON.parse(read.Attributes?.Policy ?? "{}")).toEqual(policy);
    expect(ctx.notes.some((n) => n.startsWith("Policy: ") && n.includes("does not enforce"))).toBe(true);
    await provider("AWS::SQS::QueuePolicy").delete(ctx, "Policy", { ...created, properties: props });
    const cleared = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: fifo.physicalId, AttributeNames: ["Policy"] }),
    );
    expect(cleared.Attributes?.Policy).toBeUndefined();
  });

  it("creates a topic whose queue subscription delivers a publish; subscriptions update and go", async () => {
    const target = await queue("TopicTarget");
    const topicProps = {
      TopicName: "cfn-topic",
      DisplayName: "Orders",
      Subscription: [{ Protocol: "sqs", Endpoint: target.attributes.Arn }],
      Tags: [{ Key: "k", Value: "v" }],
    };
    const topic = await provider("AWS::SNS::Topic").create(ctx, "Topic", topicProps);
    expect(topic).toEqual({
      physicalId: `arn:aws:sns:us-east-1:${ACCOUNT}:cfn-topic`,
      attributes: { TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:cfn-topic`, TopicName: "cfn-topic" },
    });
    await sns.send(new PublishCommand({ TopicArn: topic.physicalId, Message: "hello" }));
    const [message] = await receive(String(target.attributes.QueueUrl), 1);
    expect(JSON.parse(message?.Body ?? "{}").Message).toBe("hello");

    // A standalone subscription with a filter and raw delivery.
    const rawQueue = await queue("RawTarget");
    const subProps = {
      TopicArn: topic.physicalId,
      Protocol: "sqs",
      Endpoint: rawQueue.attributes.Arn,
      RawMessageDelivery: true,
      FilterPolicy: { kind: ["order"] },
    };
    const sub = await provider("AWS::SNS::Subscription").create(ctx, "Sub", subProps);
    expect(sub.physicalId).toMatch(/^arn:aws:sns:us-east-1:000000000000:cfn-topic:/);
    await sns.send(
      new PublishCommand({
        TopicArn: topic.physicalId,
        Message: "raw",
        MessageAttributes: { kind: { DataType: "String", StringValue: "order" } },
      }),
    );
    expect((await receive(String(rawQueue.attributes.QueueUrl), 1))[0]?.Body).toBe("raw");
    const subCurrent = { physicalId: sub.physicalId, properties: subProps, attributes: sub.attributes };
    await provider("AWS::SNS::Subscription").update(ctx, "Sub", subCurrent, {
      ...subProps,
      RawMessageDelivery: undefined,
      FilterPolicy: undefined,
    });
    const subAttrs = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.physicalId }),
    );
    expect(subAttrs.Attributes?.RawMessageDelivery).toBe("false");
    expect(subAttrs.Attributes?.FilterPolicy).toBeUndefined();

    // The topic's inline subscription is dropped on update; the display name changes.
    const next = { TopicName: "cfn-topic", DisplayName: "Renamed" };
    await provider("AWS::SNS::Topic").update(
      ctx,
      "Topic",
      { physicalId: topic.physicalId, properties: topicProps, attributes: topic.attributes },
      next,
    );
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic.physicalId }));
    expect(listed.Subscriptions?.map((s) => s.Endpoint)).toEqual([rawQueue.attributes.Arn]);
    const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn: topic.physicalId }));
    expect(attrs.Attributes?.DisplayName).toBe("Renamed");

    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: "sns:Publish" }],
    };
    const tp = await provider("AWS::SNS::TopicPolicy").create(ctx, "TopicPolicy", {
      PolicyDocument: policy,
      Topics: [topic.physicalId],
    });
    const withPolicy = await sns.send(new GetTopicAttributesCommand({ TopicArn: topic.physicalId }));
    expect(JSON.parse(withPolicy.Attributes?.Policy ?? "{}")).toEqual(policy);
    expect(tp.attributes.Id).toBe(tp.physicalId);
    const inlinePolicy = { ...policy, Id: "inline" };
    const inline = await provider("AWS::SNS::TopicInlinePolicy").create(ctx, "Inline", {
      PolicyDocument: inlinePolicy,
      TopicArn: topic.physicalId,
    });
    expect(inline.physicalId).toBe(topic.physicalId);
    const withInline = await sns.send(new GetTopicAttributesCommand({ TopicArn: topic.physicalId }));
    expect(JSON.parse(withInline.Attributes?.Policy ?? "{}")).toEqual(inlinePolicy);
    await provider("AWS::SNS::TopicInlinePolicy").delete(ctx, "Inline", { ...inline, properties: {} });
    const defaulted = await sns.send(new GetTopicAttributesCommand({ TopicArn: topic.physicalId }));
    expect(JSON.parse(defaulted.Attributes?.Policy ?? "{}").Id).not.toBe("inline");

    await provider("AWS::SNS::Subscription").delete(ctx, "Sub", subCurrent);
    await provider("AWS::SNS::Topic").delete(ctx, "Topic", { ...topic, properties: next });
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: topic.physicalId }))).rejects.toThrow();
    await provider("AWS::SNS::Topic").delete(ctx, "Topic", { ...topic, properties: next });
    await provider("AWS::SNS::Subscription").delete(ctx, "Sub", subCurrent);
  });

  it("creates a bucket whose notification reaches a queue; a bucket with objects does not delete", async () => {
    const target = await queue("Uploads");
    const props = {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Event: "s3:ObjectCreated:*",
            Queue: target.attributes.Arn,
            Filter: { S3Key: { Rules: [{ Name: "suffix", Value: ".txt" }] } },
          },
        ],
      },
    };
    const bucket = await provider("AWS::S3::Bucket").create(ctx, "Bucket", props);
    expect(bucket.physicalId).toMatch(/^test-stack-bucket-/);
    expect(bucket.attributes).toMatchObject({
      Arn: `arn:aws:s3:::${bucket.physicalId}`,
      DomainName: `${bucket.physicalId}.s3.amazonaws.com`,
      RegionalDomainName: `${bucket.physicalId}.s3.us-east-1.amazonaws.com`,
    });
    const url = String(target.attributes.QueueUrl);
    await receive(url, 1); // s3:TestEvent, sent when the configuration is put
    await s3.send(new PutObjectCommand({ Bucket: bucket.physicalId, Key: "a.bin", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket.physicalId, Key: "a.txt", Body: "x" }));
    const [event] = await receive(url, 1);
    const record = JSON.parse(event?.Body ?? "{}").Records?.[0];
    expect(record?.s3?.object?.key).toBe("a.txt");

    const current = { physicalId: bucket.physicalId, properties: props, attributes: bucket.attributes };
    await provider("AWS::S3::Bucket").update(ctx, "Bucket", current, {});
    const config = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: bucket.physicalId }),
    );
    expect(config.QueueConfigurations ?? []).toEqual([]);

    await expect(provider("AWS::S3::Bucket").delete(ctx, "Bucket", current)).rejects.toMatchObject({
      awsName: "BucketNotEmpty",
      message: expect.stringContaining("The bucket you tried to delete is not empty"),
    });
    const empty = await provider("AWS::S3::Bucket").create(ctx, "Empty", { BucketName: "cfn-empty-bucket" });
    await provider("AWS::S3::Bucket").delete(ctx, "Empty", { ...empty, properties: {} });
    await provider("AWS::S3::Bucket").delete(ctx, "Empty", { ...empty, properties: {} });
  });

  it("creates a rule on a custom bus that delivers an event to a queue; updates and deletes its targets", async () => {
    const target = await queue("RuleTarget");
    const other = await queue("OtherTarget");
    const bus = await provider("AWS::Events::EventBus").create(ctx, "Bus", {
      Name: "cfn-bus",
      Tags: [{ Key: "a", Value: "b" }],
    });
    expect(bus).toEqual({
      physicalId: "cfn-bus",
      attributes: { Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/cfn-bus`, Name: "cfn-bus" },
    });
    const tags = await events.send(new ListEventTagsCommand({ ResourceARN: String(bus.attributes.Arn) }));
    expect(tags.Tags).toEqual([{ Key: "a", Value: "b" }]);
    const props = {
      EventBusName: bus.attributes.Arn,
      EventPattern: { source: ["cfn.test"] },
      Targets: [
        { Id: "q", Arn: target.attributes.Arn, InputPath: "$.detail" },
        { Id: "other", Arn: other.attributes.Arn },
      ],
    };
    const rule = await provider("AWS::Events::Rule").create(ctx, "Rule", props);
    expect(rule.physicalId).toMatch(/^cfn-bus\|test-stack-Rule-/);
    const name = rule.physicalId.split("|")[1];
    expect(rule.attributes.Arn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/cfn-bus/${name}`);
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: "cfn-bus", Source: "cfn.test", DetailType: "t", Detail: '{"n":1}' }],
      }),
    );
    expect(JSON.parse((await receive(String(target.attributes.QueueUrl), 1))[0]?.Body ?? "null")).toEqual({
      n: 1,
    });

    const next = { ...props, State: "DISABLED", Description: "off", Targets: [props.Targets[0]] };
    await provider("AWS::Events::Rule").update(ctx, "Rule", { ...rule, properties: props }, next);
    const described = await events.send(new DescribeRuleCommand({ Name: name, EventBusName: "cfn-bus" }));
    expect(described).toMatchObject({ State: "DISABLED", Description: "off" });
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: "cfn-bus" }));
    expect(targets.Targets?.map((t) => t.Id)).toEqual(["q"]);

    // A target the service refuses fails the resource.
    await expect(
      provider("AWS::Events::Rule").create(ctx, "Bad", {
        ScheduleExpression: "rate(1 day)",
        Targets: [{ Id: "k", Arn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s` }],
      }),
    ).rejects.toMatchObject({ code: "ERR_STACK_SERVICE_PROPERTY_INVALID" });

    await provider("AWS::Events::Rule").delete(ctx, "Rule", { ...rule, properties: next });
    await expect(
      events.send(new DescribeRuleCommand({ Name: name, EventBusName: "cfn-bus" })),
    ).rejects.toThrow();
    await provider("AWS::Events::Rule").delete(ctx, "Rule", { ...rule, properties: next });

    const busProps = { Name: "cfn-bus", Tags: [{ Key: "a", Value: "b" }] };
    const busNext = { Name: "cfn-bus", Tags: [{ Key: "c", Value: "d" }] };
    await provider("AWS::Events::EventBus").update(ctx, "Bus", { ...bus, properties: busProps }, busNext);
    const retagged = await events.send(new ListEventTagsCommand({ ResourceARN: String(bus.attributes.Arn) }));
    expect(retagged.Tags).toEqual([{ Key: "c", Value: "d" }]);
    // No UpdateEventBus in Nimbus: a new description is refused, not dropped.
    await expect(
      provider("AWS::Events::EventBus").update(
        ctx,
        "Bus",
        { ...bus, properties: busNext },
        { ...busNext, Description: "new" },
      ),
    ).rejects.toMatchObject({ code: "ERR_STACK_SERVICE_UPDATE_UNSUPPORTED" });
    await provider("AWS::Events::EventBus").delete(ctx, "Bus", { ...bus, properties: {} });
    await provider("AWS::Events::EventBus").delete(ctx, "Bus", { ...bus, properties: {} });
  });

  it("creates, updates and deletes a schedule in a schedule group", async () => {
    const target = await queue("ScheduleTarget");
    const group = await provider("AWS::Scheduler::ScheduleGroup").create(ctx, "Group", {
      Name: "cfn-group",
      Tags: [{ Key: "a", Value: "1" }],
    });
    expect(group.physicalId).toBe("cfn-group");
    expect(group.attributes).toMatchObject({
      Arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule-group/cfn-group`,
      State: "ACTIVE",
    });
    expect(String(group.attributes.CreationDate)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const props = {
      GroupName: "cfn-group",
      ScheduleExpression: "rate(1 day)",
      StartDate: "2030-01-01T00:00:00Z",
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: "15" },
      Target: {
        Arn: target.attributes.Arn,
        RoleArn: ROLE,
        Input: '{"x":1}',
        RetryPolicy: { MaximumRetryAttempts: "2" },
      },
    };
    const schedule = await provider("AWS::Scheduler::Schedule").create(ctx, "Nightly", props);
    expect(schedule.physicalId).toMatch(/^test-stack-Nightly-/);
    expect(schedule.attributes.Arn).toBe(
      `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/cfn-group/${schedule.physicalId}`,
    );
    const got = await scheduler.send(
      new GetScheduleCommand({ Name: schedule.physicalId, GroupName: "cfn-group" }),
    );
    expect(got.StartDate?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(got.FlexibleTimeWindow).toEqual({ Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 });
    expect(got.Target?.RetryPolicy?.MaximumRetryAttempts).toBe(2);

    const next = { ...props, State: "DISABLED", FlexibleTimeWindow: { Mode: "OFF" } };
    await provider("AWS::Scheduler::Schedule").update(
      ctx,
      "Nightly",
      { ...schedule, properties: props },
      next,
    );
    const updated = await scheduler.send(
      new GetScheduleCommand({ Name: schedule.physicalId, GroupName: "cfn-group" }),
    );
    expect(updated.State).toBe("DISABLED");
    expect(updated.StartDate?.toISOString()).toBe("2030-01-01T00:00:00.000Z");

    await provider("AWS::Scheduler::Schedule").delete(ctx, "Nightly", { ...schedule, properties: next });
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: schedule.physicalId, GroupName: "cfn-group" })),
    ).rejects.toThrow();
    await provider("AWS::Scheduler::Schedule").delete(ctx, "Nightly", { ...schedule, properties: next });
    const groupProps = { Name: "cfn-group", Tags: [{ Key: "a", Value: "1" }] };
    await provider("AWS::Scheduler::ScheduleGroup").update(
      ctx,
      "Group",
      { ...group, properties: groupProps },
      { Name: "cfn-group", Tags: [{ Key: "b", Value: "2" }] },
    );
    const groupTags = await scheduler.send(
      new ListScheduleTagsCommand({ ResourceArn: String(group.attributes.Arn) }),
    );
    expect(groupTags.Tags).toEqual([{ Key: "b", Value: "2" }]);
    await provider("AWS::Scheduler::ScheduleGroup").delete(ctx, "Group", { ...group, properties: {} });
    await expect(scheduler.send(new GetScheduleGroupCommand({ Name: "cfn-group" }))).rejects.toThrow();
    await provider("AWS::Scheduler::ScheduleGroup").delete(ctx, "Group", { ...group, properties: {} });
  });

  it("runs a state machine defined in S3 with substitutions; publishes a version behind an alias", async () => {
    const bucket = await provider("AWS::S3::Bucket").create(ctx, "Definitions", {
      BucketName: "cfn-definitions",
    });
    const yaml = [
      "StartAt: Greet",
      "States:",
      "  Greet:",
      "    Type: Pass",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation DefinitionSubstitutions placeholder
      '    Result: { text: "${Greeting}", count: ${Count} }',
      "    ResultPath: $.greeting",
      "    End: true",
    ].join("\n");
    await s3.send(new PutObjectCommand({ Bucket: bucket.physicalId, Key: "defs/machine.yaml", Body: yaml }));
    const props = {
      DefinitionS3Location: { Bucket: bucket.physicalId, Key: "defs/machine.yaml" },
      DefinitionSubstitutions: { Greeting: "hello", Count: 3 },
      RoleArn: ROLE,
      TracingConfiguration: { Enabled: false },
      Tags: [
        { Key: "team", Value: "a" },
        { Key: "env", Value: "dev" },
      ],
    };
    const machine = await provider("AWS::StepFunctions::StateMachine").create(ctx, "Machine", props);
    const machineTags = async () =>
      (await sfn.send(new ListMachineTagsCommand({ resourceArn: machine.physicalId }))).tags;
    expect(await machineTags()).toEqual([
      { key: "team", value: "a" },
      { key: "env", value: "dev" },
    ]);
    expect(machine.physicalId).toMatch(
      /^arn:aws:states:us-east-1:000000000000:stateMachine:test-stack-Machine-/,
    );
    expect(machine.attributes.Name).toBe(machine.physicalId.split(":").at(-1));
    expect(typeof machine.attributes.StateMachineRevisionId).toBe("string");

    const run = async (arn: string) => {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: '{"a":1}' }),
      );
      for (let i = 0; i < 200; i++) {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (d.status !== "RUNNING") return d;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("execution did not finish");
    };
    const done = await run(machine.physicalId);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "{}")).toEqual({ a: 1, greeting: { text: "hello", count: 3 } });

    const version = await provider("AWS::StepFunctions::StateMachineVersion").create(ctx, "V1", {
      StateMachineArn: machine.physicalId,
      StateMachineRevisionId: machine.attributes.StateMachineRevisionId,
    });
    expect(version.physicalId).toBe(`${machine.physicalId}:1`);
    const alias = await provider("AWS::StepFunctions::StateMachineAlias").create(ctx, "Live", {
      Name: "live",
      RoutingConfiguration: [{ StateMachineVersionArn: version.physicalId, Weight: 100 }],
    });
    expect(alias.physicalId).toBe(`${machine.physicalId}:live`);

    // An inline definition replaces the S3 one; the alias keeps running version 1.
    const next = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation DefinitionSubstitutions placeholder
      Definition: { StartAt: "P", States: { P: { Type: "Pass", Result: "${Word}", End: true } } },
      DefinitionSubstitutions: { Word: "bye" },
      RoleArn: ROLE,
      Tags: [{ Key: "env", Value: "prod" }],
    };
    const updated = await provider("AWS::StepFunctions::StateMachine").update(
      ctx,
      "Machine",
      { ...machine, properties: props },
      next,
    );
    expect(updated.attributes.StateMachineRevisionId).not.toBe(machine.attributes.StateMachineRevisionId);
    expect(await machineTags()).toEqual([{ key: "env", value: "prod" }]);
    // A change of Tags alone retags without a new revision.
    const retagged = await provider("AWS::StepFunctions::StateMachine").update(
      ctx,
      "Machine",
      { ...updated, properties: next },
      { ...next, Tags: [{ Key: "env", Value: "staging" }] },
    );
    expect(retagged.attributes.StateMachineRevisionId).toBe(updated.attributes.StateMachineRevisionId);
    expect(await machineTags()).toEqual([{ key: "env", value: "staging" }]);
    expect(JSON.parse((await run(machine.physicalId)).output ?? "null")).toBe("bye");
    expect(JSON.parse((await run(alias.physicalId)).output ?? "{}")).toEqual({
      a: 1,
      greeting: { text: "hello", count: 3 },
    });
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: machine.physicalId }),
    );
    expect(described.tracingConfiguration).toEqual({ enabled: false });

    const aliasProps = {
      Name: "live",
      RoutingConfiguration: [{ StateMachineVersionArn: version.physicalId, Weight: 100 }],
    };
    await provider("AWS::StepFunctions::StateMachineAlias").update(
      ctx,
      "Live",
      { ...alias, properties: aliasProps },
      {
        ...aliasProps,
        Description: "current",
      },
    );
    const a = await sfn.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.physicalId }),
    );
    expect(a.description).toBe("current");

    await provider("AWS::StepFunctions::StateMachineAlias").delete(ctx, "Live", {
      ...alias,
      properties: aliasProps,
    });
    await provider("AWS::StepFunctions::StateMachineVersion").delete(ctx, "V1", {
      ...version,
      properties: {},
    });
    await provider("AWS::StepFunctions::StateMachine").delete(ctx, "Machine", {
      ...machine,
      properties: next,
    });
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machine.physicalId })),
    ).rejects.toThrow();
    await provider("AWS::StepFunctions::StateMachine").delete(ctx, "Machine", {
      ...machine,
      properties: next,
    });
    await provider("AWS::StepFunctions::StateMachineAlias").delete(ctx, "Live", {
      ...alias,
      properties: aliasProps,
    });
  });
});

describe("a stack wiring queues, topics, buses, buckets, schedules and state machines by Ref and GetAtt", () => {
  let nimbus: TestNimbus;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  let s3: S3Client;
  let events: EventBridgeClient;
  let sfn: SFNClient;
  let scheduler: SchedulerClient;
  const waiter = () => ({ client: cfn, maxWaitTime: 60, minDelay: 1, maxDelay: 1 });

  beforeAll(async () => {
    nimbus = await startNimbus();
    cfn = new CloudFormationClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
    sns = new SNSClient(clientConfig(nimbus.url));
    s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    events = new EventBridgeClient(clientConfig(nimbus.url));
    sfn = new SFNClient(clientConfig(nimbus.url));
    scheduler = new SchedulerClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    for (const c of [cfn, sqs, sns, s3, events, sfn, scheduler]) c.destroy();
    await nimbus.stop();
  });

  async function receiveBodies(url: string, count: number): Promise<string[]> {
    const got: string[] = [];
    for (let i = 0; i < 40 && got.length < count; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      for (const m of out.Messages ?? []) got.push(m.Body ?? "");
    }
    if (got.length < count) throw new Error(`received ${got.length} of ${count} messages`);
    return got;
  }

  const template = (greeting: string, pattern: string) => `
Parameters:
  Greeting:
    Type: String
    Default: ${greeting}
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 3
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: [sns.amazonaws.com, events.amazonaws.com, s3.amazonaws.com] }
            Action: sqs:SendMessage
            Resource: !GetAtt Inbox.Arn
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - Protocol: sqs
          Endpoint: !GetAtt Inbox.Arn
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub "\${AWS::StackName}-bus"
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: { source: [${pattern}] }
      Targets:
        - Id: inbox
          Arn: !GetAtt Inbox.Arn
          InputPath: $.detail
  Uploads:
    Type: AWS::S3::Bucket
    DependsOn: InboxPolicy
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt Inbox.Arn
  Group:
    Type: AWS::Scheduler::ScheduleGroup
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      GroupName: !Ref Group
      ScheduleExpression: rate(1 day)
      StartDate: "2031-01-01T00:00:00Z"
      FlexibleTimeWindow: { Mode: "OFF" }
      Target: { Arn: !GetAtt Inbox.Arn, RoleArn: ${ROLE} }
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: ${ROLE}
      Definition:
        StartAt: Send
        States:
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters:
              QueueUrl: "\${InboxUrl}"
              MessageBody: "\${Greeting}"
            End: true
      DefinitionSubstitutions:
        InboxUrl: !Ref Inbox
        Greeting: !Ref Greeting
      Tags:
        - { Key: greeting, Value: !Ref Greeting }
Outputs:
  InboxUrl: { Value: !Ref Inbox }
  TopicArn: { Value: !Ref Topic }
  TopicName: { Value: !GetAtt Topic.TopicName }
  RuleRef: { Value: !Ref Rule }
  BucketName: { Value: !Ref Uploads }
  MachineArn: { Value: !Ref Machine }
  MachineName: { Value: !GetAtt Machine.Name }
  GroupName: { Value: !Ref Group }
  ScheduleName: { Value: !Ref Nightly }
  ScheduleArn: { Value: !GetAtt Nightly.Arn }
`;

  async function outputs(): Promise<Record<string, string>> {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: "wired" }));
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue ?? ""]));
  }

  it("delivers through every resource, updates in place, and deletes the stack", async () => {
    await cfn.send(new CreateStackCommand({ StackName: "wired", TemplateBody: template("hello", "app") }));
    await waitUntilStackCreateComplete(waiter(), { StackName: "wired" });
    const out = await outputs();
    expect(out.RuleRef).toMatch(/^wired-bus\|wired-Rule-[A-Z0-9]{13}$/);
    expect(out.TopicArn).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:${out.TopicName}`);
    expect(out.MachineArn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${out.MachineName}`);
    const tags = await sfn.send(new ListMachineTagsCommand({ resourceArn: out.MachineArn }));
    expect(tags.tags).toEqual([{ key: "greeting", value: "hello" }]);
    const inbox = String(out.InboxUrl);
    expect((await receiveBodies(inbox, 1))[0]).toContain("s3:TestEvent");
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: out.ScheduleName, GroupName: out.GroupName }),
    );
    expect(schedule.Arn).toBe(out.ScheduleArn);

    await sns.send(new PublishCommand({ TopicArn: out.TopicArn, Message: "from-topic" }));
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: "wired-bus", Source: "app", DetailType: "t", Detail: '{"from":"bus"}' }],
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: out.BucketName, Key: "k.txt", Body: "x" }));
    await sfn.send(new StartExecutionCommand({ stateMachineArn: out.MachineArn }));
    const bodies = await receiveBodies(inbox, 4);
    const parsed = bodies.map((b) => {
      try {
        return JSON.parse(b) as { Message?: string; Records?: { s3?: { object?: { key?: string } } }[] };
      } catch {
        return {};
      }
    });
    expect(parsed.some((b) => b.Message === "from-topic")).toBe(true);
    expect(bodies).toContain('{"from":"bus"}');
    expect(parsed.some((b) => b.Records?.[0]?.s3?.object?.key === "k.txt")).toBe(true);
    expect(bodies).toContain("hello");

    // An update: a new parameter value reaches the state machine, a new pattern the rule.
    await cfn.send(new UpdateStackCommand({ StackName: "wired", TemplateBody: template("bonjour", "app2") }));
    await waitUntilStackUpdateComplete(waiter(), { StackName: "wired" });
    expect((await outputs()).RuleRef).toBe(out.RuleRef);
    const retagged = await sfn.send(new ListMachineTagsCommand({ resourceArn: out.MachineArn }));
    expect(retagged.tags).toEqual([{ key: "greeting", value: "bonjour" }]);
    await sfn.send(new StartExecutionCommand({ stateMachineArn: out.MachineArn }));
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: "wired-bus", Source: "app2", DetailType: "t", Detail: '{"from":"bus2"}' }],
      }),
    );
    expect((await receiveBodies(inbox, 2)).sort()).toEqual(["bonjour", '{"from":"bus2"}']);

    // The bucket still holds an object: CloudFormation's delete fails on it, so empty it first.
    await s3.send(new DeleteObjectCommand({ Bucket: out.BucketName, Key: "k.txt" }));
    await cfn.send(new DeleteStackCommand({ StackName: "wired" }));
    await waitUntilStackDeleteComplete(waiter(), { StackName: "wired" });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: inbox.split("/").pop() }))).rejects.toThrow();
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: out.TopicArn }))).rejects.toThrow();
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: out.MachineArn })),
    ).rejects.toThrow();
    await expect(scheduler.send(new GetScheduleGroupCommand({ Name: out.GroupName }))).rejects.toThrow();
  });
});
