import { createHash } from "node:crypto";
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  InvalidBatchEntryId,
  InvalidMessageContents,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
  TagQueueCommand,
  TooManyEntriesInBatchRequest,
  UntagQueueCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ACCOUNT = "000000000000";

/** SQS's MD5 of message attributes, written here independently of the server's. */
function attributesMd5(
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>,
) {
  const hash = createHash("md5");
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(Buffer.concat([length, bytes]));
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name];
    if (!a) continue;
    field(Buffer.from(name));
    field(Buffer.from(a.DataType));
    hash.update(Buffer.from([a.BinaryValue ? 2 : 1]));
    field(a.BinaryValue ? Buffer.from(a.BinaryValue) : Buffer.from(a.StringValue ?? ""));
  }
  return hash.digest("hex");
}

describe("SQS through @aws-sdk/client-sqs (JSON protocol)", () => {
  let nimbus: TestNimbus;
  let sqs: SQSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sqs = new SQSClient(clientConfig(nimbus.url));
  });
  afterAll(async () => {
    sqs.destroy();
    await nimbus.stop(true);
  });

  const create = async (QueueName: string, Attributes?: Record<string, string>) =>
    (await sqs.send(new CreateQueueCommand({ QueueName, ...(Attributes ? { Attributes } : {}) }))).QueueUrl ??
    "";

  it("creates queues with URLs on the request's host, idempotently, and lists them", async () => {
    const url = await create("orders", { VisibilityTimeout: "40" });
    expect(url).toBe(`${nimbus.url}/${ACCOUNT}/orders`);
    expect(await create("orders", { VisibilityTimeout: "40" })).toBe(url);
    await expect(create("orders", { VisibilityTimeout: "41" })).rejects.toBeInstanceOf(QueueNameExists);
    await create("orders-eu");
    await create("other");
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "orders" }));
    expect(QueueUrl).toBe(url);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "orders" }));
    expect(listed.QueueUrls).toEqual([url, `${nimbus.url}/${ACCOUNT}/orders-eu`]);
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 1 }));
    expect(page.QueueUrls).toHaveLength(1);
    const next = await sqs.send(new ListQueuesCommand({ MaxResults: 5, NextToken: page.NextToken }));
    expect(next.QueueUrls).not.toContain(page.QueueUrls?.[0]);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "missing" }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
  });

  it("sends with attributes and receives with the MD5 digests the SDK checks", async () => {
    const url = await create("attrs");
    const MessageAttributes = {
      city: { DataType: "String", StringValue: "Zürich" },
      count: { DataType: "Number", StringValue: "42" },
      blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 255]) },
    };
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: "héllo", MessageAttributes }),
    );
    expect(sent.MD5OfMessageBody).toBe(createHash("md5").update("héllo").digest("hex"));
    expect(sent.MD5OfMessageAttributes).toBe(attributesMd5(MessageAttributes));
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const message = Messages?.[0];
    expect(message?.Body).toBe("héllo");
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.MessageAttributes?.blob?.BinaryValue).toEqual(new Uint8Array([0, 1, 255]));
    expect(message?.MessageAttributes?.city?.StringValue).toBe("Zürich");
    expect(message?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }),
    );
    expect(again.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: "2" });
    expect(again.Messages?.[0]?.MessageAttributes).toBeUndefined();
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.Messages?.[0]?.ReceiptHandle }),
    );
    expect(
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages,
    ).toBeUndefined();
  });

  it("long polling returns a message sent while it waits", async () => {
    const url = await create("long-poll");
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake up" }));
    expect((await polling).Messages?.map((m) => m.Body)).toEqual(["wake up"]);
  });

  it("sends, changes visibility of and deletes batches", async () => {
    const url = await create("batch");
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: "one" },
          { Id: "b", MessageBody: "two", DelaySeconds: 0 },
          { Id: "bad", MessageBody: "\u0001" },
        ],
      }),
    );
    expect(sent.Successful?.map((s) => s.Id).sort()).toEqual(["a", "b"]);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: "bad", Code: "InvalidMessageContents", SenderFault: true }),
    ]);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    expect(Messages.map((m) => m.Body).sort()).toEqual(["one", "two"]);
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({
          Id: `m${i}`,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
    expect(changed.Successful).toHaveLength(2);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(again.Messages?.every((m) => m.Attributes === undefined)).toBe(true);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: (again.Messages ?? []).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
  });

  it("gets and sets attributes, tags, and redrives to a dead-letter queue", async () => {
    const dlqUrl = await create("dead");
    const dlqArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:dead`;
    const url = await create("work");
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          VisibilityTimeout: "0",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
    );
    expect(Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:work`,
      VisibilityTimeout: "0",
      DelaySeconds: "0",
      MaximumMessageSize: "262144",
      MessageRetentionPeriod: "345600",
      ReceiveMessageWaitTimeSeconds: "0",
    });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 2,
    });
    const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    expect(sources.queueUrls).toEqual([url]);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
    for (let i = 0; i < 2; i++)
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(dead.Messages?.[0]?.Body).toBe("poison");

    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: "a", env: "test" } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["env"] }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ team: "a" });
    await expect(
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { Bogus: "1" } as Record<string, string>,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidAttributeName);
    await expect(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: "43201" } })),
    ).rejects.toBeInstanceOf(InvalidAttributeValue);
    await expect(
      sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: "alias/aws/sqs" } }),
      ),
    ).rejects.toBeInstanceOf(InvalidAttributeValue);
  });

  it("keeps FIFO order per group and deduplicates", async () => {
    const url = await create("jobs.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
    const first = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: "a1", MessageGroupId: "a" }),
    );
    const dup = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: "a1", MessageGroupId: "a" }),
    );
    expect(dup.MessageId).toBe(first.MessageId);
    expect(first.SequenceNumber).toMatch(/^\d+$/);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "a2", MessageGroupId: "a" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "b1", MessageGroupId: "b" }));
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    expect(got.Messages?.map((m) => m.Body)).toEqual(["a1", "a2", "b1"]);
    expect(got.Messages?.[0]?.Attributes?.MessageGroupId).toBe("a");
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" }))).rejects.toMatchObject(
      {
        name: "MissingParameter",
      },
    );
  });

  it("purges once per minute and deletes queues", async () => {
    const url = await create("purge-me");
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "gone" }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: url }))).rejects.toBeInstanceOf(
      PurgeQueueInProgress,
    );
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it("accepts query-protocol requests addressed to the queue URL's path, without QueueUrl", async () => {
    const url = await create("by-path");
    const post = (form: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ Version: "2012-11-05", ...form }),
      });
    const sent = await post({ Action: "SendMessage", MessageBody: "via path" });
    expect(sent.status).toBe(200);
    const xml = await sent.text();
    expect(xml).toContain(
      `<MD5OfMessageBody>${createHash("md5").update("via path").digest("hex")}</MD5OfMessageBody>`,
    );
    const received = await (await post({ Action: "ReceiveMessage", "AttributeName.1": "All" })).text();
    expect(received).toMatch(/<Message><MessageId>[^<]+<\/MessageId><ReceiptHandle>[^<]+<\/ReceiptHandle>/);
    expect(received).toContain("<Body>via path</Body>");
    expect(received).toContain("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>");
    const missing = await fetch(`${nimbus.url}/${ACCOUNT}/nope`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ Version: "2012-11-05", Action: "SendMessage", MessageBody: "x" }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
  });

  it("answers bad input with SQS's named errors", async () => {
    const url = await create("errors");
    const batch = (Entries: { Id: string; MessageBody: string }[]) =>
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
    await expect(batch([])).rejects.toBeInstanceOf(EmptyBatchRequest);
    await expect(
      batch(Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }))),
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(batch([{ Id: "bad id!", MessageBody: "x" }])).rejects.toBeInstanceOf(InvalidBatchEntryId);
    await expect(
      batch([
        { Id: "same", MessageBody: "x" },
        { Id: "same", MessageBody: "y" },
      ]),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    await expect(
      batch([
        { Id: "a", MessageBody: "x".repeat(200_000) },
        { Id: "b", MessageBody: "x".repeat(200_000) },
      ]),
    ).rejects.toBeInstanceOf(BatchRequestTooLong);
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "bad \u0000 char" })),
    ).rejects.toBeInstanceOf(InvalidMessageContents);
    const tooBig = sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x".repeat(262_145) }));
    await expect(tooBig).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(tooBig).rejects.toBeInstanceOf(SQSServiceException);
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "nonsense" })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "m" }));
    const [m] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m?.ReceiptHandle }));
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: m?.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    ).rejects.toBeInstanceOf(MessageNotInflight);
    await expect(create("bad name!")).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: `${nimbus.url}/${ACCOUNT}/nope`, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });
});

describe("SQS long polling when the server stops", () => {
  // The timeout is the check: a close that waited for the 20 s poll would exceed it.
  it("returns the long poll when the server closes", { timeout: 15_000 }, async () => {
    const nimbus = await startNimbus();
    const sqs = new SQSClient(clientConfig(nimbus.url));
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "closing" }));
      const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 })).then(
        (out) => out.Messages ?? [],
        () => [],
      );
      // Give the request time to reach the server's wait, then stop; stop must not wait 20 s.
      await sqs.send(new GetQueueUrlCommand({ QueueName: "closing" }));
      await nimbus.stop(true);
      expect(await polling).toEqual([]);
    } finally {
      sqs.destroy();
    }
  });
});
