import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { clientConfig, startNimbus } from "../support/nimbus.js";

describe("SQS queues across a server restart", () => {
  it("keeps queues, messages, in-flight state and FIFO deduplication", async () => {
    const first = await startNimbus();
    const dataDir = first.dataDir;
    let sqs = new SQSClient(clientConfig(first.url));
    const { QueueUrl: standard } = await sqs.send(
      new CreateQueueCommand({ QueueName: "durable", Attributes: { VisibilityTimeout: "600" } }),
    );
    const { QueueUrl: fifo } = await sqs.send(
      new CreateQueueCommand({ QueueName: "durable.fifo", Attributes: { FifoQueue: "true" } }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: standard,
        Entries: ["a", "b", "c"].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    const inFlight = await sqs.send(new ReceiveMessageCommand({ QueueUrl: standard }));
    expect(inFlight.Messages).toHaveLength(1);
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: fifo,
        MessageBody: "once",
        MessageGroupId: "g",
        MessageDeduplicationId: "d",
      }),
    );
    sqs.destroy();
    await first.stop(false);

    const second = await startNimbus({ dataDir });
    sqs = new SQSClient(clientConfig(second.url));
    try {
      const url = `${second.url}/000000000000/durable`;
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
      );
      expect(Attributes).toMatchObject({
        VisibilityTimeout: "600",
        ApproximateNumberOfMessages: "2",
        ApproximateNumberOfMessagesNotVisible: "1",
      });
      const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      const bodies = rest.Messages?.map((m) => m.Body) ?? [];
      expect(bodies.sort()).toEqual(["a", "b", "c"].filter((b) => b !== inFlight.Messages?.[0]?.Body));
      const fifoUrl = `${second.url}/000000000000/durable.fifo`;
      const dup = await sqs.send(
        new SendMessageCommand({
          QueueUrl: fifoUrl,
          MessageBody: "once",
          MessageGroupId: "g",
          MessageDeduplicationId: "d",
        }),
      );
      expect(dup.MessageId).toBe(sent.MessageId);
    } finally {
      sqs.destroy();
      await second.stop(true);
    }
  });
});
