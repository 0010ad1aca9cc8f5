import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ACCOUNT = "000000000000";

interface S3Record {
  eventName: string;
  eventTime: string;
  responseElements: Record<string, string>;
  s3: { configurationId: string; object: { key: string; size?: number; sequencer: string } };
}
let nimbus: TestNimbus;
let s3: S3Client;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
  sqs = new SQSClient(clientConfig(nimbus.url));
  sns = new SNSClient(clientConfig(nimbus.url));
});

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  sns?.destroy();
  await nimbus?.stop();
});

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { url: QueueUrl ?? "", arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}` };
}

/** Receives (and deletes) until `count` bodies arrived, bounded. */
async function receive(url: string, count: number, polls = 50): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  for (let i = 0; i < polls && bodies.length < count; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of out.Messages ?? []) {
      bodies.push(JSON.parse(m.Body ?? "{}"));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return bodies;
}

describe("bucket notifications", () => {
  it("sends the test event, then S3 event records matching events and key filters to a queue", async () => {
    const q = await queue("s3-events");
    await s3.send(new CreateBucketCommand({ Bucket: "notify" }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "notify",
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: "images",
              QueueArn: q.arn,
              Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: "prefix", Value: "images/" },
                    { Name: "suffix", Value: ".png" },
                  ],
                },
              },
            },
          ],
        },
      }),
    );
    const [test] = await receive(q.url, 1);
    expect(test).toMatchObject({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "notify" });

    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "notify" }));
    expect(config.QueueConfigurations?.[0]).toMatchObject({
      Id: "images",
      QueueArn: q.arn,
      Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
    });
    expect(config.QueueConfigurations?.[0]?.Filter?.Key?.FilterRules).toHaveLength(2);

    await s3.send(new PutObjectCommand({ Bucket: "notify", Key: "docs/skip.png", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket: "notify", Key: "images/skip.jpg", Body: "x" }));
    const put = await s3.send(
      new PutObjectCommand({ Bucket: "notify", Key: "images/a b.png", Body: "hello" }),
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: "notify",
        Key: "images/copy.png",
        CopySource: "notify/images/a%20b.png",
      }),
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "notify", Key: "images/multi.png" }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: "notify",
        Key: "images/multi.png",
        UploadId,
        PartNumber: 1,
        Body: "m",
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "notify",
        Key: "images/multi.png",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: "notify", Key: "images/a b.png" }));
    await s3.send(new DeleteObjectCommand({ Bucket: "notify", Key: "images/never-there.png" }));

    const events = await receive(q.url, 4);
    // Ordered by sequencer: it must follow the order of the writes.
    const records = events
      .map((e) => (e.Records as Record<string, unknown>[])[0] as unknown as S3Record)
      .sort((a, b) => (a.s3.object.sequencer < b.s3.object.sequencer ? -1 : 1));
    expect(records.map((r) => [r.eventName, r.s3.object.key])).toEqual([
      ["ObjectCreated:Put", "images/a+b.png"],
      ["ObjectCreated:Copy", "images/copy.png"],
      ["ObjectCreated:CompleteMultipartUpload", "images/multi.png"],
      ["ObjectRemoved:Delete", "images/a+b.png"],
    ]);
    const [first, , , removed] = records;
    if (!first || !removed) throw new Error("records missing");
    expect(first).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      userIdentity: { principalId: "AWS:test" },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "images",
        bucket: { name: "notify", arn: "arn:aws:s3:::notify" },
        object: { size: 5, eTag: put.ETag?.replace(/"/g, "") },
      },
    });
    expect(first.responseElements["x-amz-request-id"]).toBeTruthy();
    expect(Date.parse(first.eventTime)).not.toBeNaN();
    expect(removed.s3.object.size).toBeUndefined();
    // Nothing for the filtered keys nor for deleting an absent key.
    expect(await receive(q.url, 1, 2)).toEqual([]);
  });

  it("delivers through a topic to its queue subscribers", async () => {
    const q = await queue("from-topic");
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "s3-topic" }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: q.arn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: "via-topic" }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "via-topic",
        NotificationConfiguration: { TopicConfigurations: [{ TopicArn, Events: ["s3:ObjectCreated:Put"] }] },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "via-topic", Key: "k", Body: "v" }));
    const bodies = await receive(q.url, 2);
    expect(bodies[0]).toMatchObject({ Event: "s3:TestEvent" });
    const record = (bodies[1]?.Records as S3Record[] | undefined)?.[0];
    expect(record?.eventName).toBe("ObjectCreated:Put");
    expect(record?.s3.configurationId).toBeTruthy();
  });

  it("refuses destinations that do not exist, and unknown event types", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "bad-config" }));
    const missing = await s3
      .send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: "bad-config",
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:nope`, Events: ["s3:ObjectCreated:*"] },
            ],
            LambdaFunctionConfigurations: [
              {
                LambdaFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:nope`,
                Events: ["s3:ObjectCreated:*"],
              },
            ],
          },
        }),
      )
      .catch((e: S3ServiceException) => e);
    expect((missing as S3ServiceException).name).toBe("InvalidArgument");
    expect((missing as S3ServiceException).message).toBe(
      "Unable to validate the following destination configurations",
    );
    const q = await queue("ok-queue");
    const badEvent = await s3
      .send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: "bad-config",
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: q.arn, Events: ["s3:ObjectTagging:*" as "s3:ObjectCreated:*"] },
            ],
          },
        }),
      )
      .catch((e: S3ServiceException) => e);
    expect((badEvent as S3ServiceException).name).toBe("InvalidArgument");
    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "bad-config" }));
    expect(config.QueueConfigurations ?? []).toEqual([]);
  });
});
