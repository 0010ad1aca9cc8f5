import {
  CreateTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

describe("SNS fan-out to SQS queues", () => {
  let nimbus: TestNimbus;
  let sns: SNSClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sns = new SNSClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    sns.destroy();
    sqs.destroy();
    await nimbus.stop();
  });

  async function queue(
    name: string,
    attributes: Record<string, string> = {},
  ): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    return { url: QueueUrl ?? "", arn: Attributes?.QueueArn ?? "" };
  }

  /** Receives (and deletes) until `count` messages arrived, bounded by a number of long polls. */
  async function drain(url: string, count: number, polls = 20): Promise<Message[]> {
    const out: Message[] = [];
    for (let i = 0; i < polls && out.length < count; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ["All"],
          AttributeNames: ["All"],
        }),
      );
      for (const m of Messages) {
        out.push(m);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    return out;
  }

  it("delivers every message to both queues: the envelope to one, the raw message with attributes to the other", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "fan" }));
    const enveloped = await queue("fan-envelope");
    const raw = await queue("fan-raw");
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: enveloped.arn }));
    const rawSub = await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: raw.arn }));
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: rawSub.SubscriptionArn,
        AttributeName: "RawMessageDelivery",
        AttributeValue: "true",
      }),
    );
    const one = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "first",
        Subject: "One",
        MessageAttributes: {
          color: { DataType: "String", StringValue: "red" },
          count: { DataType: "Number", StringValue: "3" },
          blob: { DataType: "Binary", BinaryValue: Buffer.from("bytes") },
          list: { DataType: "String.Array", StringValue: '["x",2]' },
        },
      }),
    );
    const batch = await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "second" },
          { Id: "b", Message: "third" },
        ],
      }),
    );
    expect(batch.Successful).toHaveLength(2);

    const envelopes = (await drain(enveloped.url, 3)).map((m) => JSON.parse(m.Body ?? "{}"));
    expect(envelopes.map((e) => e.Message).sort()).toEqual(["first", "second", "third"]);
    const first = envelopes.find((e) => e.MessageId === one.MessageId);
    expect(first).toMatchObject({
      Type: "Notification",
      TopicArn,
      Subject: "One",
      Message: "first",
      SignatureVersion: "1",
      MessageAttributes: {
        color: { Type: "String", Value: "red" },
        count: { Type: "Number", Value: "3" },
        blob: { Type: "Binary", Value: Buffer.from("bytes").toString("base64") },
        list: { Type: "String.Array", Value: '["x",2]' },
      },
    });
    expect(envelopes.find((e) => e.Message === "second")).not.toHaveProperty("Subject");

    const raws = await drain(raw.url, 3);
    expect(raws.map((m) => m.Body).sort()).toEqual(["first", "second", "third"]);
    const rawFirst = raws.find((m) => m.Body === "first");
    expect(rawFirst?.MessageAttributes?.color).toMatchObject({ DataType: "String", StringValue: "red" });
    expect(rawFirst?.MessageAttributes?.count).toMatchObject({ DataType: "Number", StringValue: "3" });
    expect(Buffer.from(rawFirst?.MessageAttributes?.blob?.BinaryValue ?? []).toString()).toBe("bytes");
    expect(rawFirst?.MessageAttributes?.list).toMatchObject({
      DataType: "String.Array",
      StringValue: '["x",2]',
    });
  });

  it("applies filter policies in attribute and body scope before delivery", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "filtered" }));
    const byAttribute = await queue("filter-attributes");
    const byBody = await queue("filter-body");
    const everything = await queue("filter-none");
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: everything.arn }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: byAttribute.arn,
        Attributes: {
          RawMessageDelivery: "true",
          FilterPolicy: JSON.stringify({ price: [{ numeric: [">=", 100] }], region: [{ prefix: "eu-" }] }),
        },
      }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: byBody.arn,
        Attributes: {
          RawMessageDelivery: "true",
          FilterPolicyScope: "MessageBody",
          FilterPolicy: JSON.stringify({ order: { status: ["paid"], items: { sku: [{ prefix: "A-" }] } } }),
        },
      }),
    );
    const attrs = (price: string, region: string) => ({
      price: { DataType: "Number", StringValue: price },
      region: { DataType: "String", StringValue: region },
    });
    const bodies = [
      JSON.stringify({ order: { status: "paid", items: [{ sku: "B-1" }, { sku: "A-7" }] }, n: 1 }),
      JSON.stringify({ order: { status: "open", items: [{ sku: "A-1" }] }, n: 2 }),
      JSON.stringify({ order: { status: "paid", items: [{ sku: "C-1" }] }, n: 3 }),
    ];
    await sns.send(
      new PublishCommand({ TopicArn, Message: bodies[0], MessageAttributes: attrs("150", "eu-west-1") }),
    );
    await sns.send(
      new PublishCommand({ TopicArn, Message: bodies[1], MessageAttributes: attrs("50", "eu-west-1") }),
    );
    await sns.send(
      new PublishCommand({ TopicArn, Message: bodies[2], MessageAttributes: attrs("150", "us-east-1") }),
    );

    const gotAttr = await drain(byAttribute.url, 1);
    const gotBody = await drain(byBody.url, 1);
    // Every fan-out is done once the unfiltered queue has all three; then nothing else may come.
    expect(await drain(everything.url, 3)).toHaveLength(3);
    gotAttr.push(...(await drain(byAttribute.url, 1, 1)));
    gotBody.push(...(await drain(byBody.url, 1, 1)));
    expect(gotAttr.map((m) => JSON.parse(m.Body ?? "{}").n)).toEqual([1]);
    expect(gotBody.map((m) => JSON.parse(m.Body ?? "{}").n)).toEqual([1]);
  });

  it("passes MessageGroupId and MessageDeduplicationId from a FIFO topic to a FIFO queue, in order", async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: "orders.fifo",
        Attributes: { FifoTopic: "true", ContentBasedDeduplication: "true" },
      }),
    );
    const fifo = await queue("orders-copy.fifo", { FifoQueue: "true" });
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: fifo.arn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    for (let i = 0; i < 5; i++)
      await sns.send(new PublishCommand({ TopicArn, Message: `step ${i}`, MessageGroupId: "order-1" }));
    await sns.send(new PublishCommand({ TopicArn, Message: "step 0", MessageGroupId: "order-1" }));
    const got = await drain(fifo.url, 5);
    expect(got.map((m) => m.Body)).toEqual(["step 0", "step 1", "step 2", "step 3", "step 4"]);
    expect(got[0]?.Attributes?.MessageGroupId).toBe("order-1");
    expect(got[0]?.Attributes?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(await drain(fifo.url, 1, 2)).toEqual([]);
  });

  it("sends a delivery to a queue that does not exist to the subscription's dead-letter queue", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "to-nowhere" }));
    const dlq = await queue("sns-dlq");
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: "arn:aws:sqs:us-east-1:000000000000:never-created",
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) },
      }),
    );
    const published = await sns.send(new PublishCommand({ TopicArn, Message: "lost?" }));
    const [dead] = await drain(dlq.url, 1);
    expect(JSON.parse(dead?.Body ?? "{}")).toMatchObject({
      MessageId: published.MessageId,
      Message: "lost?",
    });
  });
});
