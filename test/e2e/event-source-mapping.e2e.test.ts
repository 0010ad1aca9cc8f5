import { createHash } from "node:crypto";
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  GetEventSourceMappingCommand,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

/** What the sqs-batch fixture reports for each record of a batch it got. */
interface SeenRecord {
  messageId: string;
  body: string;
  receiveCount: number;
  groupId?: string;
  messageAttributes: Record<string, { stringValue?: string; dataType: string }>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
  hasReceiptHandle: boolean;
}

let nimbus: TestNimbus;
let sqs: SQSClient;
let resultUrl: string;
/** Every batch the functions reported, by queue ARN, in the order they arrived. */
const batches = new Map<string, SeenRecord[][]>();

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl as string, arn: out.Attributes?.QueueArn as string };
}

async function send(url: string, entries: Omit<SendMessageBatchRequestEntry, "Id">[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const chunk = entries.slice(i, i + 10).map((e, n) => ({ Id: `m${i + n}`, ...e }));
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: chunk }));
    expect(out.Failed ?? []).toEqual([]);
  }
}

/** One receive from the result queue; files each report under its queue's ARN. Returns how many. */
async function readResults(waitSeconds: number): Promise<number> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: resultUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
  );
  const messages = out.Messages ?? [];
  for (const m of messages) {
    const { records } = JSON.parse(m.Body as string) as { records: SeenRecord[] };
    const arn = records[0]?.eventSourceARN ?? "";
    batches.set(arn, [...(batches.get(arn) ?? []), records]);
  }
  if (messages.length > 0)
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: resultUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  return messages.length;
}

/** Reads the result queue until `done` holds for the batches seen for `queueArn`. */
async function waitForBatches(
  queueArn: string,
  done: (seen: SeenRecord[][]) => boolean,
): Promise<SeenRecord[][]> {
  while (!done(batches.get(queueArn) ?? [])) await readResults(2);
  return batches.get(queueArn) ?? [];
}

/**
 * Reads every report left in the result queue. Call once the source queue is empty: the function
 * sends its report before it returns, so every report is in the result queue by then.
 */
async function drainResults(queueArn: string): Promise<SeenRecord[][]> {
  while ((await readResults(0)) > 0);
  return batches.get(queueArn) ?? [];
}

const records = (seen: SeenRecord[][]) => seen.flat();
const distinctBodies = (seen: SeenRecord[][]) => new Set(records(seen).map((r) => r.body)).size;

/** Waits until the queue holds nothing, visible or in flight (everything deleted or moved). */
async function waitUntilEmpty(url: string): Promise<void> {
  for (;;) {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const a = out.Attributes ?? {};
    if (a.ApproximateNumberOfMessages === "0" && a.ApproximateNumberOfMessagesNotVisible === "0") return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function counts(url: string): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

async function map(input: Partial<CreateEventSourceMappingCommandInput>): Promise<string> {
  const out = await nimbus.lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: "esm-collector",
      ...input,
    } as CreateEventSourceMappingCommandInput),
  );
  return out.UUID as string;
}

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

beforeAll(async () => {
  nimbus = await startNimbus();
  sqs = new SQSClient(clientConfig(nimbus.url));
  resultUrl = (await createQueue("esm-results")).url;
  const env = { RESULT_QUEUE_URL: resultUrl };
  // Timeout 2 s: queues with a 2 s visibility timeout redeliver quickly (Lambda refuses a
  // visibility timeout shorter than the function's timeout).
  await createFixtureFunction(nimbus.lambda, "esm-collector", "node/sqs-batch", { env, timeout: 2 });
  await createFixtureFunction(nimbus.lambda, "esm-fail-once", "node/sqs-batch", {
    env: { ...env, FAIL_ONCE: "1" },
    timeout: 2,
  });
  await createFixtureFunction(nimbus.lambda, "esm-thrower", "node/sqs-batch", {
    env: { ...env, THROW: "1" },
    timeout: 2,
  });
});

afterAll(async () => {
  sqs.destroy();
  await nimbus.stop();
});

describe("SQS event source mappings", () => {
  it("delivers every message in batches of at most BatchSize, with the SQS event's records, and deletes them", async () => {
    const queue = await createQueue("esm-deliver");
    await map({ EventSourceArn: queue.arn, BatchSize: 4 });
    await send(
      queue.url,
      Array.from({ length: 23 }, (_, i) => ({
        MessageBody: `message ${i}`,
        ...(i % 2 === 0 ? { MessageAttributes: { color: { DataType: "String", StringValue: "red" } } } : {}),
      })),
    );
    const seen = await waitForBatches(queue.arn, (s) => distinctBodies(s) === 23);
    expect(Math.max(...seen.map((b) => b.length))).toBeLessThanOrEqual(4);
    for (const r of records(seen)) {
      expect(r).toMatchObject({
        eventSource: "aws:sqs",
        eventSourceARN: queue.arn,
        awsRegion: "us-east-1",
        md5OfBody: md5(r.body),
        hasReceiptHandle: true,
        receiveCount: 1,
      });
      const n = Number(r.body.split(" ")[1]);
      if (n % 2 === 0) {
        expect(r.messageAttributes.color).toMatchObject({ stringValue: "red", dataType: "String" });
        expect(r.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
      } else {
        expect(r.messageAttributes).toEqual({});
        expect(r.md5OfMessageAttributes).toBeUndefined();
      }
    }
    await waitUntilEmpty(queue.url);
  });

  it("gathers batches larger than 10 within MaximumBatchingWindowInSeconds", async () => {
    const queue = await createQueue("esm-window");
    const uuid = await map({
      EventSourceArn: queue.arn,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      Enabled: false,
    });
    await send(
      queue.url,
      Array.from({ length: 30 }, (_, i) => ({ MessageBody: `w${i}` })),
    );
    await nimbus.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    const seen = await waitForBatches(queue.arn, (s) => distinctBodies(s) === 30);
    // 30 waiting messages and at most two pollers at first: one of them gathered more than 10.
    expect(Math.max(...seen.map((b) => b.length))).toBeGreaterThan(10);
    expect(records(seen)).toHaveLength(30);
    await waitUntilEmpty(queue.url);
  });

  it("returns a failing function's messages after the visibility timeout, then redrives them to the DLQ", async () => {
    const dlq = await createQueue("esm-fail-dlq");
    const queue = await createQueue("esm-fail", {
      VisibilityTimeout: "2",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const uuid = await map({ EventSourceArn: queue.arn, FunctionName: "esm-thrower", BatchSize: 10 });
    await send(queue.url, [
      { MessageBody: "doomed 1" },
      { MessageBody: "doomed 2" },
      { MessageBody: "doomed 3" },
    ]);
    for (;;) {
      const { visible } = await counts(dlq.url);
      if (visible === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitUntilEmpty(queue.url);
    const seen = await drainResults(queue.arn);
    for (const body of ["doomed 1", "doomed 2", "doomed 3"]) {
      const counts = records(seen)
        .filter((r) => r.body === body)
        .map((r) => r.receiveCount)
        .sort();
      expect(counts).toEqual([1, 2]); // delivered twice, never a third time: then in the DLQ
    }
    const mapping = await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(mapping.LastProcessingResult).toBe("PROBLEM: Function call failed");
  });

  it("with ReportBatchItemFailures, keeps only the failed items", async () => {
    const dlq = await createQueue("esm-partial-dlq");
    const queue = await createQueue("esm-partial", {
      VisibilityTimeout: "2",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const uuid = await map({
      EventSourceArn: queue.arn,
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      Enabled: false,
    });
    await send(queue.url, [{ MessageBody: "ok 1" }, { MessageBody: "fail 1" }, { MessageBody: "ok 2" }]);
    await nimbus.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    for (;;) {
      if ((await counts(dlq.url)).visible === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitUntilEmpty(queue.url);
    const seen = await drainResults(queue.arn);
    const deliveries = (body: string) => records(seen).filter((r) => r.body === body).length;
    expect(deliveries("ok 1")).toBe(1);
    expect(deliveries("ok 2")).toBe(1);
    expect(deliveries("fail 1")).toBe(2);
    const inDlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10 }));
    expect(inDlq.Messages?.map((m) => m.Body)).toEqual(["fail 1"]);
    const mapping = await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(mapping.LastProcessingResult).toBe("OK");
  });

  it("stops delivering when disabled and resumes when enabled", async () => {
    const queue = await createQueue("esm-toggle", { VisibilityTimeout: "2" });
    const uuid = await map({ EventSourceArn: queue.arn });
    await send(queue.url, [{ MessageBody: "before" }]);
    await waitForBatches(queue.arn, (s) => distinctBodies(s) === 1);
    const disabled = await nimbus.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }),
    );
    expect(disabled.State).toBe("Disabling");
    expect((await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State).toBe(
      "Disabled",
    );
    await send(queue.url, [{ MessageBody: "while off 1" }, { MessageBody: "while off 2" }]);
    // Longer than a visibility timeout: a poller still running would have taken them by now.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await counts(queue.url)).toEqual({ visible: 2, inFlight: 0 });
    expect(distinctBodies(batches.get(queue.arn) ?? [])).toBe(1);
    const enabled = await nimbus.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }),
    );
    expect(enabled.State).toBe("Enabling");
    await waitForBatches(queue.arn, (s) => distinctBodies(s) === 3);
    await waitUntilEmpty(queue.url);
  });

  it("keeps the order of each message group on a FIFO queue", async () => {
    const queue = await createQueue("esm-order.fifo", {
      FifoQueue: "true",
      ContentBasedDeduplication: "true",
    });
    const uuid = await map({ EventSourceArn: queue.arn, BatchSize: 3, Enabled: false });
    const groups = ["a", "b", "c"];
    const entries = [];
    for (let i = 0; i < 12; i++)
      for (const g of groups) entries.push({ MessageBody: `${g}-${i}`, MessageGroupId: g });
    await send(queue.url, entries);
    await nimbus.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    const seen = await waitForBatches(queue.arn, (s) => distinctBodies(s) === 36);
    expect(records(seen)).toHaveLength(36);
    for (const g of groups) {
      const order = records(seen)
        .filter((r) => r.groupId === g)
        .map((r) => Number(r.body.split("-")[1]));
      expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    }
    await waitUntilEmpty(queue.url);
  });

  it("on a FIFO queue, retries a failed item together with the rest of its group, in order", async () => {
    const queue = await createQueue("esm-fifo-retry.fifo", {
      FifoQueue: "true",
      ContentBasedDeduplication: "true",
      VisibilityTimeout: "2",
    });
    const uuid = await map({
      EventSourceArn: queue.arn,
      FunctionName: "esm-fail-once",
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      Enabled: false,
    });
    await send(queue.url, [
      { MessageBody: "a0", MessageGroupId: "a" },
      { MessageBody: "fail a1", MessageGroupId: "a" },
      { MessageBody: "a2", MessageGroupId: "a" },
      { MessageBody: "b0", MessageGroupId: "b" },
      { MessageBody: "b1", MessageGroupId: "b" },
    ]);
    await nimbus.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await waitUntilEmpty(queue.url);
    const seen = await drainResults(queue.arn);
    const deliveries = (body: string) =>
      records(seen)
        .filter((r) => r.body === body)
        .map((r) => r.receiveCount);
    // The function reported only "fail a1"; a2 came after it in group a, so it was kept too.
    expect(deliveries("a0")).toEqual([1]);
    expect(deliveries("fail a1")).toEqual([1, 2]);
    expect(deliveries("a2")).toEqual([1, 2]);
    expect(deliveries("b0")).toEqual([1]);
    expect(deliveries("b1")).toEqual([1]);
    // The retry of group a starts at the failed message, in order.
    const retry = seen.find((batch) => batch.some((r) => r.receiveCount === 2)) ?? [];
    expect(retry.map((r) => r.body)).toEqual(["fail a1", "a2"]);
  });

  it("deletes messages that match no filter without invoking", async () => {
    const queue = await createQueue("esm-filter");
    await map({
      EventSourceArn: queue.arn,
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ body: { kind: ["keep"] } }) },
          { Pattern: JSON.stringify({ body: [{ prefix: "plain keep" }] }) },
        ],
      },
    });
    await send(queue.url, [
      { MessageBody: JSON.stringify({ kind: "drop", n: 1 }) },
      { MessageBody: JSON.stringify({ kind: "keep", n: 2 }) },
      { MessageBody: "plain drop" },
      { MessageBody: "plain keep" },
    ]);
    await waitUntilEmpty(queue.url);
    const seen = await drainResults(queue.arn);
    expect(
      records(seen)
        .map((r) => r.body)
        .sort(),
    ).toEqual(["plain keep", '{"kind":"keep","n":2}']);
  });
});
