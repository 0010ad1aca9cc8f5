import {
  BatchEntryIdsNotDistinctException,
  CreateTopicCommand,
  DeleteTopicCommand,
  EmptyBatchRequestException,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  ResourceNotFoundException,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  TooManyEntriesInBatchRequestException,
  UnsubscribeCommand,
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

  it("lists subscriptions 100 per page with NextToken, overall and by topic", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "many-subs" }));
    const arns = new Set<string>();
    for (let i = 0; i < 103; i++) {
      const out = await sns.send(
        new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: fnArn(`fn-${i}`) }),
      );
      arns.add(out.SubscriptionArn ?? "");
    }
    const first = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(first.Subscriptions).toHaveLength(100);
    const second = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn, NextToken: first.NextToken }),
    );
    expect(second.NextToken).toBeUndefined();
    const listed = [...(first.Subscriptions ?? []), ...(second.Subscriptions ?? [])].map(
      (s) => s.SubscriptionArn,
    );
    expect(new Set(listed)).toEqual(arns);
    const everywhere: string[] = [];
    let token: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsCommand({ NextToken: token }));
      expect((page.Subscriptions ?? []).length).toBeLessThanOrEqual(100);
      everywhere.push(...(page.Subscriptions ?? []).map((s) => s.SubscriptionArn ?? ""));
      token = page.NextToken;
    } while (token);
    for (const arn of arns) expect(everywhere).toContain(arn);
    await expect(sns.send(new ListSubscriptionsCommand({ NextToken: "not-a-token" }))).rejects.toThrow(
      InvalidParameterException,
    );
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

  it("subscribes, lists, reads and changes subscription attributes, and unsubscribes", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "subs" }));
    const sub = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "lambda",
        Endpoint: fnArn("consumer"),
        Attributes: { FilterPolicy: JSON.stringify({ kind: ["a"] }) },
      }),
    );
    expect(sub.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
    const same = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "lambda",
        Endpoint: fnArn("consumer"),
        Attributes: { FilterPolicy: JSON.stringify({ kind: ["a"] }) },
      }),
    );
    expect(same.SubscriptionArn).toBe(sub.SubscriptionArn);
    const pending = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "https", Endpoint: "https://127.0.0.1:9/x" }),
    );
    expect(pending.SubscriptionArn).toBe("pending confirmation");

    const byTopic = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(byTopic.Subscriptions).toEqual(
      expect.arrayContaining([
        {
          SubscriptionArn: sub.SubscriptionArn,
          Owner: ACCOUNT,
          Protocol: "lambda",
          Endpoint: fnArn("consumer"),
          TopicArn,
        },
        {
          SubscriptionArn: "PendingConfirmation",
          Owner: ACCOUNT,
          Protocol: "https",
          Endpoint: "https://127.0.0.1:9/x",
          TopicArn,
        },
      ]),
    );
    const everywhere: string[] = [];
    let token: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsCommand({ NextToken: token }));
      everywhere.push(...(page.Subscriptions ?? []).map((s) => s.SubscriptionArn ?? ""));
      token = page.NextToken;
    } while (token);
    expect(everywhere).toContain(sub.SubscriptionArn);

    const read = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }),
    );
    expect(read.Attributes).toMatchObject({
      Protocol: "lambda",
      PendingConfirmation: "false",
      RawMessageDelivery: "false",
      FilterPolicy: JSON.stringify({ kind: ["a"] }),
      FilterPolicyScope: "MessageAttributes",
      TopicArn,
    });
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: sub.SubscriptionArn,
        AttributeName: "FilterPolicyScope",
        AttributeValue: "MessageBody",
      }),
    );
    const changed = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }),
    );
    expect(changed.Attributes?.FilterPolicyScope).toBe("MessageBody");
    await expect(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: sub.SubscriptionArn,
          AttributeName: "RawMessageDelivery",
          AttributeValue: "true",
        }),
      ),
    ).rejects.toThrow("Delivery protocol [lambda] does not support raw message delivery.");

    await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }));
    await expect(
      sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn })),
    ).rejects.toThrow(NotFoundException);
  });

  it("refuses bad subscriptions and filter policies with SNS's messages", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "strict" }));
    await expect(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "a@example.com" })),
    ).rejects.toThrow(/protocol email is not supported by Nimbus/);
    await expect(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: "pigeon", Endpoint: "x" })),
    ).rejects.toThrow(InvalidParameterException);
    await expect(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: "https://example.com" })),
    ).rejects.toThrow(InvalidParameterException);
    const subscribeWith = (policy: unknown) =>
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: "lambda",
          Endpoint: fnArn("f"),
          Attributes: { FilterPolicy: JSON.stringify(policy) },
        }),
      );
    await expect(subscribeWith({ a: [], b: ["x"] })).rejects.toThrow(
      "Invalid parameter: Attributes Reason: FilterPolicy: Empty arrays are not allowed",
    );
    await expect(
      subscribeWith({ a: ["1"], b: ["2"], c: ["3"], d: ["4"], e: ["5"], f: ["6"] }),
    ).rejects.toThrow("FilterPolicy: Filter policy can not have more than 5 keys");
    await expect(subscribeWith({ a: [{ numeric: [">", 10, "<", 5] }] })).rejects.toThrow(
      "FilterPolicy: Bottom must be less than top",
    );
    await expect(subscribeWith({ a: [{ wildcard: "x*" }] })).rejects.toThrow(
      "FilterPolicy: Unrecognized match type wildcard",
    );
    await expect(subscribeWith({ a: { b: ["x"] } })).rejects.toThrow(
      "Filter policy scope MessageAttributes does not support nested filter policy",
    );
    await expect(
      sns.send(new SubscribeCommand({ TopicArn: arnOf("gone"), Protocol: "lambda", Endpoint: fnArn("f") })),
    ).rejects.toThrow(NotFoundException);
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
