import {
  BatchEntryIdsNotDistinctException,
  CreateTopicCommand,
  DeleteTopicCommand,
  EmptyBatchRequestException,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  ResourceNotFoundException,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  TooManyEntriesInBatchRequestException,
  UntagResourceCommand,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ACCOUNT = "000000000000";
const arnOf = (name: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`;
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

describe("SNS topics API through @aws-sdk/client-sns", () => {
  let nimbus: TestNimbus;
  let sns: SNSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sns = new SNSClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    sns.destroy();
    await nimbus.stop();
  });

  it("creates topics idempotently and refuses the same name with other attributes", async () => {
    const first = await sns.send(
      new CreateTopicCommand({ Name: "orders", Attributes: { DisplayName: "Orders" } }),
    );
    expect(first.TopicArn).toBe(arnOf("orders"));
    const again = await sns.send(
      new CreateTopicCommand({ Name: "orders", Attributes: { DisplayName: "Orders" } }),
    );
    expect(again.TopicArn).toBe(first.TopicArn);
    await expect(
      sns.send(new CreateTopicCommand({ Name: "orders", Attributes: { DisplayName: "Other" } })),
    ).rejects.toThrow(InvalidParameterException);
    await expect(sns.send(new CreateTopicCommand({ Name: "bad name!" }))).rejects.toThrow(
      "Invalid parameter: Topic Name",
    );
    await expect(
      sns.send(new CreateTopicCommand({ Name: "nofifo", Attributes: { KmsMasterKeyId: "alias/aws/sns" } })),
    ).rejects.toThrow(/KmsMasterKeyId is not supported by Nimbus/);
  });

  it("creates FIFO topics with content-based deduplication and checks their names", async () => {
    const fifo = await sns.send(
      new CreateTopicCommand({
        Name: "ledger.fifo",
        Attributes: { FifoTopic: "true", ContentBasedDeduplication: "true" },
      }),
    );
    expect(fifo.TopicArn).toBe(arnOf("ledger.fifo"));
    const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn: fifo.TopicArn }));
    expect(attrs.Attributes).toMatchObject({ FifoTopic: "true", ContentBasedDeduplication: "true" });
    await expect(
      sns.send(new CreateTopicCommand({ Name: "ledger", Attributes: { FifoTopic: "true" } })),
    ).rejects.toThrow(/Fifo Topic names must end with .fifo/);
  });

  it("gets and sets topic attributes with subscription counts", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "attrs" }));
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn, AttributeName: "DisplayName", AttributeValue: "Shown" }),
    );
    const policy = JSON.stringify({
      http: { defaultHealthyRetryPolicy: { numRetries: 5, minDelayTarget: 1, maxDelayTarget: 10 } },
    });
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn, AttributeName: "DeliveryPolicy", AttributeValue: policy }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: fnArn("any") }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: "http://127.0.0.1:9/hook" }));
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes).toMatchObject({
      TopicArn,
      Owner: ACCOUNT,
      DisplayName: "Shown",
      DeliveryPolicy: policy,
      EffectiveDeliveryPolicy: policy,
      SubscriptionsConfirmed: "1",
      SubscriptionsPending: "1",
    });
    expect(JSON.parse(Attributes?.Policy ?? "{}").Statement[0].Resource).toBe(TopicArn);
    await expect(
      sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: "Nope", AttributeValue: "x" })),
    ).rejects.toThrow("Invalid parameter: AttributeName");
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: arnOf("missing") }))).rejects.toThrow(
      NotFoundException,
    );
  });

  it("lists topics 100 per page with NextToken", async () => {
    for (let i = 0; i < 105; i++)
      await sns.send(new CreateTopicCommand({ Name: `page-${String(i).padStart(3, "0")}` }));
    const first = await sns.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    expect(first.NextToken).toBeTruthy();
    const second = await sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    const all = [...(first.Topics ?? []), ...(second.Topics ?? [])].map((t) => t.TopicArn);
    expect(second.NextToken).toBeUndefined();
    for (let i = 0; i < 105; i++) expect(all).toContain(arnOf(`page-${String(i).padStart(3, "0")}`));
    expect(new Set(all).size).toBe(all.length);
  });

  it("answers SNS actions Nimbus does not serve with InvalidAction", async () => {
    const res = await fetch(nimbus.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=CreatePlatformApplication&Version=2010-03-31&Name=app&Platform=GCM",
    });
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toContain("<Code>InvalidAction</Code>");
    expect(xml).toContain("CreatePlatformApplication");
  });

  it("publishes with attributes and refuses bad messages with the named exceptions", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "publish" }));
    const out = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "hello",
        Subject: "greeting",
        MessageAttributes: {
          s: { DataType: "String", StringValue: "v" },
          n: { DataType: "Number", StringValue: "42" },
          b: { DataType: "Binary", BinaryValue: Buffer.from([1, 2, 3]) },
          a: { DataType: "String.Array", StringValue: '["x", 1, true]' },
        },
      }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const viaTarget = await sns.send(new PublishCommand({ TargetArn: TopicArn, Message: "hi" }));
    expect(viaTarget.MessageId).toBeTruthy();
    await expect(sns.send(new PublishCommand({ TopicArn, Message: "" }))).rejects.toThrow(
      "Invalid parameter: Empty message",
    );
    await expect(
      sns.send(new PublishCommand({ TopicArn, Message: "x".repeat(256 * 1024 + 1) })),
    ).rejects.toThrow("Invalid parameter: Message too long");
    await expect(
      sns.send(new PublishCommand({ TopicArn, Message: '{"sqs":"x"}', MessageStructure: "json" })),
    ).rejects.toThrow("Invalid parameter: Message Structure - No default entry in JSON message body");
    await expect(
      sns.send(
        new PublishCommand({
          TopicArn,
          Message: "m",
          MessageAttributes: { n: { DataType: "Number", StringValue: "abc" } },
        }),
      ),
    ).rejects.toThrow(InvalidParameterValueException);
    await expect(sns.send(new PublishCommand({ TopicArn: arnOf("nowhere"), Message: "m" }))).rejects.toThrow(
      NotFoundException,
    );
  });

  it("publishes to FIFO topics with sequence numbers and deduplicates", async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: "dedup.fifo", Attributes: { FifoTopic: "true" } }),
    );
    await expect(
      sns.send(new PublishCommand({ TopicArn, Message: "m", MessageGroupId: "g" })),
    ).rejects.toThrow(/ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly/);
    await expect(
      sns.send(new PublishCommand({ TopicArn, Message: "m", MessageDeduplicationId: "d" })),
    ).rejects.toThrow("Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
    const a = await sns.send(
      new PublishCommand({ TopicArn, Message: "m", MessageGroupId: "g", MessageDeduplicationId: "d1" }),
    );
    const dup = await sns.send(
      new PublishCommand({ TopicArn, Message: "m", MessageGroupId: "g", MessageDeduplicationId: "d1" }),
    );
    const b = await sns.send(
      new PublishCommand({ TopicArn, Message: "m", MessageGroupId: "g", MessageDeduplicationId: "d2" }),
    );
    expect(a.SequenceNumber).toMatch(/^\d{20}$/);
    expect(dup.MessageId).toBe(a.MessageId);
    expect(dup.SequenceNumber).toBe(a.SequenceNumber);
    expect(BigInt(b.SequenceNumber ?? "0")).toBeGreaterThan(BigInt(a.SequenceNumber ?? "0"));
  });

  it("publishes batches with per-entry results and batch errors", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "batch" }));
    const out = await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "ok-1", Message: "one" },
          { Id: "bad", Message: "" },
          { Id: "ok-2", Message: "two", Subject: "s" },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id).sort()).toEqual(["ok-1", "ok-2"]);
    expect(out.Failed).toEqual([
      { Id: "bad", Code: "InvalidParameter", Message: "Invalid parameter: Empty message", SenderFault: true },
    ]);
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [] })),
    ).rejects.toThrow(EmptyBatchRequestException);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: "m" }));
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: eleven })),
    ).rejects.toThrow(TooManyEntriesInBatchRequestException);
    await expect(
      sns.send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: [
            { Id: "same", Message: "a" },
            { Id: "same", Message: "b" },
          ],
        }),
      ),
    ).rejects.toThrow(BatchEntryIdsNotDistinctException);
  });

  it("tags topics", async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: "tagged", Tags: [{ Key: "team", Value: "core" }] }),
    );
    await sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: "env", Value: "dev" }] }));
    await sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ["team"] }));
    const { Tags } = await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }));
    expect(Tags).toEqual([{ Key: "env", Value: "dev" }]);
    await expect(
      sns.send(new ListTagsForResourceCommand({ ResourceArn: arnOf("untagged") })),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  it("deletes topics with their subscriptions; deleting again succeeds", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "doomed" }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: fnArn("f") }),
    );
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn }))).rejects.toThrow(NotFoundException);
    await expect(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).rejects.toThrow(
      NotFoundException,
    );
  });
});
