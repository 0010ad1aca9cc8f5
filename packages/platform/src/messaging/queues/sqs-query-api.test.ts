import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsRequest } from "../../aws/http-types.js";
import { dispatchQuery } from "../../aws/query-protocol.js";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "../../storage/sqlite/sqlite-queue-store.js";
import { createQueues, type Queues } from "./create-queues.js";

const ORIGIN = "http://localhost:4566";

function request(form: Record<string, string>): { req: AwsRequest; fields: URLSearchParams } {
  const fields = new URLSearchParams({ Version: "2012-11-05", ...form });
  const req: AwsRequest = {
    requestId: "req-1",
    method: "POST",
    rawPath: "/",
    query: new URLSearchParams(),
    rawQuery: "",
    headers: {},
    body: Buffer.from(fields.toString()),
    hostname: "localhost",
    origin: ORIGIN,
    caller: {
      accessKeyId: "AKIDEXAMPLE",
      signingService: "sqs",
      region: "us-east-1",
      accountId: "000000000000",
    },
  };
  return { req, fields };
}

describe("SQS query protocol (form in, XML out)", () => {
  let metadata: SqliteMetadataStore;
  let store: SqliteQueueStore;
  let queues: Queues;

  beforeEach(() => {
    metadata = new SqliteMetadataStore(":memory:");
    store = new SqliteQueueStore(":memory:");
    queues = createQueues({
      metadata,
      store,
      clock: new ManualClock(),
      scope: { region: "us-east-1", accountId: "000000000000" },
    });
  });
  afterEach(async () => {
    queues.close();
    await store.close();
    await metadata.close();
  });

  async function call(form: Record<string, string>): Promise<string> {
    const { req, fields } = request(form);
    const result = await dispatchQuery(queues.queryApi, fields, req);
    return String(result.body);
  }

  it("decodes flattened attributes and tags and answers the queue URL", async () => {
    const xml = await call({
      Action: "CreateQueue",
      QueueName: "q",
      "Attribute.1.Name": "VisibilityTimeout",
      "Attribute.1.Value": "12",
      "Tag.1.Key": "team",
      "Tag.1.Value": "core",
    });
    expect(xml).toContain(
      `<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>${ORIGIN}/000000000000/q</QueueUrl></CreateQueueResult>`,
    );
    const tags = await call({ Action: "ListQueueTags", QueueUrl: `${ORIGIN}/000000000000/q` });
    expect(tags).toContain(
      "<ListQueueTagsResult><Tag><Key>team</Key><Value>core</Value></Tag></ListQueueTagsResult>",
    );
    const attributes = await call({
      Action: "GetQueueAttributes",
      QueueUrl: `${ORIGIN}/000000000000/q`,
      "AttributeName.1": "VisibilityTimeout",
    });
    expect(attributes).toContain(
      "<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name><Value>12</Value></Attribute></GetQueueAttributesResult>",
    );
  });

  it("decodes batch entries with their message attributes and writes results and failures", async () => {
    await call({ Action: "CreateQueue", QueueName: "q" });
    const url = `${ORIGIN}/000000000000/q`;
    const sent = await call({
      Action: "SendMessageBatch",
      QueueUrl: url,
      "SendMessageBatchRequestEntry.1.Id": "ok",
      "SendMessageBatchRequestEntry.1.MessageBody": "hello",
      "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "bin",
      "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "Binary",
      "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue": Buffer.from([0, 255]).toString(
        "base64",
      ),
      "SendMessageBatchRequestEntry.2.Id": "bad",
      "SendMessageBatchRequestEntry.2.MessageBody": "",
    });
    expect(sent).toMatch(
      /<SendMessageBatchResultEntry><Id>ok<\/Id><MessageId>[^<]+<\/MessageId><MD5OfMessageBody>5d41402abc4b2a76b9719d911017c592<\/MD5OfMessageBody><MD5OfMessageAttributes>[0-9a-f]{32}<\/MD5OfMessageAttributes><\/SendMessageBatchResultEntry>/,
    );
    expect(sent).toContain(
      "<BatchResultErrorEntry><Id>bad</Id><SenderFault>true</SenderFault><Code>MissingParameter</Code>",
    );
    const received = await call({
      Action: "ReceiveMessage",
      QueueUrl: url,
      "AttributeName.1": "SenderId",
      "MessageAttributeName.1": "All",
    });
    expect(received).toContain(
      "<Body>hello</Body><Attribute><Name>SenderId</Name><Value>AKIDEXAMPLE</Value></Attribute>",
    );
    expect(received).toContain(
      "<MessageAttribute><Name>bin</Name><Value><BinaryValue>AP8=</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>",
    );
  });

  it("answers operations without output with only the response metadata", async () => {
    await call({ Action: "CreateQueue", QueueName: "q" });
    const xml = await call({ Action: "PurgeQueue", QueueUrl: `${ORIGIN}/000000000000/q` });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<PurgeQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></PurgeQueueResponse>',
    );
  });

  it("refuses attribute list values, naming them", async () => {
    await call({ Action: "CreateQueue", QueueName: "q" });
    await expect(
      call({
        Action: "SendMessage",
        QueueUrl: `${ORIGIN}/000000000000/q`,
        MessageBody: "x",
        "MessageAttribute.1.Name": "list",
        "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringListValue.1": "a",
      }),
    ).rejects.toMatchObject({ queryCode: "AWS.SimpleQueueService.UnsupportedOperation" });
  });
});
