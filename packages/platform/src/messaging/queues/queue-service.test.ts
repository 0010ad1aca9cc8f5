import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "../../storage/sqlite/sqlite-queue-store.js";
import { QUEUE_ERRORS } from "./errors.js";
import { QueueRegistry } from "./queue-registry.js";
import { QueueService } from "./queue-service.js";

const scope = { region: "us-east-1", accountId: "000000000000" };

/** Lets pending promise chains (a long poll reaching its wait) run; time does not move. */
/** Lets pending work run: the store commits writes in groups on the next turns of the event loop. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe("QueueService", () => {
  let clock: ManualClock;
  let metadata: SqliteMetadataStore;
  let store: SqliteQueueStore;
  let registry: QueueRegistry;
  let queues: QueueService;

  beforeEach(() => {
    clock = new ManualClock();
    metadata = new SqliteMetadataStore(":memory:");
    store = new SqliteQueueStore(":memory:");
    registry = new QueueRegistry(metadata, scope, clock);
    queues = new QueueService(registry, store, clock);
  });
  afterEach(async () => {
    queues.close();
    await store.close();
    await metadata.close();
  });

  async function create(name: string, attributes: Record<string, string> = {}): Promise<string> {
    return (await registry.create(name, attributes, {})).record.arn;
  }

  it("redelivers after the visibility timeout and counts receives", async () => {
    const q = await create("q", { VisibilityTimeout: "10" });
    await queues.send(q, { body: "hello" });
    const [first] = await queues.receive(q, { max: 1, waitMs: 0 });
    expect(first?.attributes.ApproximateReceiveCount).toBe("1");
    expect(await queues.receive(q, { max: 1, waitMs: 0 })).toEqual([]);
    clock.advance(10_000);
    const [again] = await queues.receive(q, { max: 1, waitMs: 0 });
    expect(again).toMatchObject({ messageId: first?.messageId, body: "hello" });
    expect(again?.attributes.ApproximateReceiveCount).toBe("2");
    await queues.delete(q, again?.receiptHandle ?? "");
    clock.advance(60_000);
    expect(await queues.receive(q, { max: 1, waitMs: 0 })).toEqual([]);
  });

  it("changes visibility, and refuses a handle that is no longer current", async () => {
    const q = await create("q");
    await queues.send(q, { body: "m" });
    const [first] = await queues.receive(q, { max: 1, waitMs: 0 });
    await queues.changeVisibility(q, first?.receiptHandle ?? "", 0);
    const [second] = await queues.receive(q, { max: 1, waitMs: 0, visibilityMs: 5_000 });
    await expect(queues.changeVisibility(q, first?.receiptHandle ?? "", 10)).rejects.toMatchObject({
      code: QUEUE_ERRORS.messageNotInflight,
    });
    await expect(queues.changeVisibility(q, "garbage", 10)).rejects.toMatchObject({
      code: QUEUE_ERRORS.receiptHandleInvalid,
    });
    await expect(queues.changeVisibility(q, second?.receiptHandle ?? "", 43_201)).rejects.toMatchObject({
      code: QUEUE_ERRORS.invalidParameterValue,
    });
  });

  it("refuses to change the visibility of a message whose timeout has ended", async () => {
    const q = await create("q", { VisibilityTimeout: "5" });
    await queues.send(q, { body: "m" });
    const [m] = await queues.receive(q, { max: 1, waitMs: 0 });
    clock.advance(5_000);
    await expect(queues.changeVisibility(q, m?.receiptHandle ?? "", 30)).rejects.toMatchObject({
      code: QUEUE_ERRORS.messageNotInflight,
    });
  });

  it("answers QueueDoesNotExist for URLs of other accounts, malformed names and extra segments", async () => {
    await create("q");
    for (const url of [
      "http://h/111111111111/q",
      "http://h/000000000000/%E0%A4%A",
      "http://h/000000000000/q/x",
      "q",
    ])
      await expect(queues.queueByUrl(url)).rejects.toMatchObject({ code: QUEUE_ERRORS.notFound });
    expect((await queues.queueByUrl("https://elsewhere:9/000000000000/q")).name).toBe("q");
  });

  it("rejects another queue's receipt handle", async () => {
    const a = await create("a");
    const b = await create("b");
    await queues.send(a, { body: "m" });
    const [m] = await queues.receive(a, { max: 1, waitMs: 0 });
    await expect(queues.delete(b, m?.receiptHandle ?? "")).rejects.toMatchObject({
      code: QUEUE_ERRORS.receiptHandleInvalid,
    });
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives", async () => {
    const dlq = await create("dlq");
    const q = await create("q", {
      VisibilityTimeout: "1",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq, maxReceiveCount: 2 }),
    });
    await queues.send(q, { body: "poison", attributes: { k: { dataType: "String", stringValue: "v" } } });
    for (let i = 0; i < 2; i++) {
      expect(await queues.receive(q, { max: 1, waitMs: 0 })).toHaveLength(1);
      clock.advance(1_000);
    }
    expect(await queues.receive(q, { max: 1, waitMs: 0 })).toEqual([]);
    const [dead] = await queues.receive(dlq, { max: 1, waitMs: 0 });
    expect(dead?.attributes.DeadLetterQueueSourceArn).toBe(q);
    expect(dead).toMatchObject({
      body: "poison",
      messageAttributes: { k: { dataType: "String", stringValue: "v" } },
    });
  });

  it("refuses a redrive policy whose target is missing or of the other type", async () => {
    const fifoDlq = await create("dlq.fifo", { FifoQueue: "true" });
    await expect(
      create("q", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fifoDlq, maxReceiveCount: 1 }) }),
    ).rejects.toMatchObject({ code: QUEUE_ERRORS.invalidParameterValue });
    await expect(
      create("q", {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${fifoDlq}x`, maxReceiveCount: 1 }),
      }),
    ).rejects.toMatchObject({ code: QUEUE_ERRORS.invalidParameterValue });
  });

  it("FIFO: delivers in order per group and blocks a group while a message is in flight", async () => {
    const q = await create("q.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
    for (const [group, body] of [
      ["a", "a1"],
      ["b", "b1"],
      ["a", "a2"],
    ])
      await queues.send(q, { body: body as string, groupId: group as string });
    const first = await queues.receive(q, { max: 1, waitMs: 0 });
    expect(first.map((m) => m.body)).toEqual(["a1"]);
    expect((await queues.receive(q, { max: 10, waitMs: 0 })).map((m) => m.body)).toEqual(["b1"]);
    await queues.delete(q, first[0]?.receiptHandle ?? "");
    const next = await queues.receive(q, { max: 10, waitMs: 0 });
    expect(next.map((m) => [m.body, m.attributes.MessageGroupId])).toEqual([["a2", "a"]]);
    expect(Number(next[0]?.attributes.SequenceNumber)).toBeGreaterThan(0);
  });

  it("FIFO: deduplicates within five minutes, then accepts the same id again", async () => {
    const q = await create("q.fifo", { FifoQueue: "true" });
    const one = await queues.send(q, { body: "x", groupId: "g", dedupId: "d" });
    clock.advance(299_999);
    const dup = await queues.send(q, { body: "x", groupId: "g", dedupId: "d" });
    expect(dup.messageId).toBe(one.messageId);
    expect(dup.sequenceNumber).toBe(one.sequenceNumber);
    clock.advance(2);
    const fresh = await queues.send(q, { body: "x", groupId: "g", dedupId: "d" });
    expect(fresh.messageId).not.toBe(one.messageId);
  });

  it("FIFO: requires a group id, a dedup id or content-based dedup, and refuses per-message delay", async () => {
    const q = await create("q.fifo", { FifoQueue: "true" });
    await expect(queues.send(q, { body: "x" })).rejects.toMatchObject({
      code: QUEUE_ERRORS.missingParameter,
    });
    await expect(queues.send(q, { body: "x", groupId: "g" })).rejects.toMatchObject({
      code: QUEUE_ERRORS.invalidParameterValue,
    });
    await expect(
      queues.send(q, { body: "x", groupId: "g", dedupId: "d", delaySeconds: 1 }),
    ).rejects.toMatchObject({
      code: QUEUE_ERRORS.invalidParameterValue,
    });
  });

  it("FIFO: a receive retried with the same attempt id gets the same messages", async () => {
    const q = await create("q.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
    await queues.send(q, { body: "once", groupId: "g" });
    const first = await queues.receive(q, { max: 1, waitMs: 0, attemptId: "try-1" });
    const retry = await queues.receive(q, { max: 1, waitMs: 0, attemptId: "try-1" });
    expect(retry).toEqual(first);
    expect(await queues.receive(q, { max: 1, waitMs: 0, attemptId: "try-2" })).toEqual([]);
  });

  it("FIFO: a long poll blocked by a group in flight returns when that message is deleted", async () => {
    const q = await create("q.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
    await queues.send(q, { body: "a1", groupId: "a" });
    await queues.send(q, { body: "a2", groupId: "a" });
    const [first] = await queues.receive(q, { max: 1, waitMs: 0 });
    const polling = queues.receive(q, { max: 1, waitMs: 20_000 });
    await settle();
    await queues.delete(q, first?.receiptHandle ?? "");
    expect((await polling).map((m) => m.body)).toEqual(["a2"]);
  });

  it("expires messages past the retention period", async () => {
    const q = await create("q", { MessageRetentionPeriod: "60" });
    await queues.send(q, { body: "old" });
    clock.advance(60_001);
    await queues.send(q, { body: "new" });
    expect((await queues.receive(q, { max: 10, waitMs: 0 })).map((m) => m.body)).toEqual(["new"]);
  });

  it("delays messages by the queue's and by the message's DelaySeconds", async () => {
    const q = await create("q", { DelaySeconds: "5" });
    await queues.send(q, { body: "queue-delay" });
    await queues.send(q, { body: "message-delay", delaySeconds: 10 });
    await queues.send(q, { body: "no-delay", delaySeconds: 0 });
    expect((await queues.receive(q, { max: 10, waitMs: 0 })).map((m) => m.body)).toEqual(["no-delay"]);
    clock.advance(5_000);
    expect((await queues.receive(q, { max: 10, waitMs: 0 })).map((m) => m.body)).toEqual(["queue-delay"]);
    clock.advance(5_000);
    expect((await queues.receive(q, { max: 10, waitMs: 0 })).map((m) => m.body)).toEqual(["message-delay"]);
  });

  it("long polling returns as soon as a message is sent", async () => {
    const q = await create("q");
    const polling = queues.receive(q, { max: 1, waitMs: 20_000 });
    await settle();
    await queues.send(q, { body: "wake" });
    expect((await polling).map((m) => m.body)).toEqual(["wake"]);
  });

  it("long polling returns empty when the wait ends, and wakes for a delayed message", async () => {
    const q = await create("q", { ReceiveMessageWaitTimeSeconds: "20" });
    const empty = queues.receive(q, { max: 1 });
    await settle();
    clock.advance(20_000);
    expect(await empty).toEqual([]);
    await queues.send(q, { body: "later", delaySeconds: 3 });
    const delayed = queues.receive(q, { max: 1 });
    await settle();
    clock.advance(3_000);
    expect((await delayed).map((m) => m.body)).toEqual(["later"]);
  });

  it("close releases long polls at once", async () => {
    const q = await create("q");
    const polling = queues.receive(q, { max: 1, waitMs: 20_000 });
    await settle();
    queues.close();
    expect(await polling).toEqual([]);
  });

  it("reports invalid batch entries and commits the others", async () => {
    const q = await create("q");
    const result = await queues.sendBatch(q, [
      { id: "ok", value: { body: "fine" } },
      { id: "bad", value: { body: "\u0000" } },
    ]);
    expect(result.successful.map((s) => s.id)).toEqual(["ok"]);
    expect(result.failed).toEqual([
      { id: "bad", code: "InvalidMessageContents", message: expect.any(String), senderFault: true },
    ]);
    await expect(queues.sendBatch(q, [])).rejects.toMatchObject({ code: QUEUE_ERRORS.emptyBatch });
    await expect(
      queues.sendBatch(q, [
        { id: "x", value: { body: "1" } },
        { id: "x", value: { body: "2" } },
      ]),
    ).rejects.toMatchObject({ code: QUEUE_ERRORS.batchIdsNotDistinct });
  });

  it("refuses a message larger than MaximumMessageSize", async () => {
    const q = await create("q", { MaximumMessageSize: "1024" });
    await expect(queues.send(q, { body: "x".repeat(1025) })).rejects.toMatchObject({
      code: QUEUE_ERRORS.invalidParameterValue,
    });
    await queues.send(q, { body: "x".repeat(1024) });
  });
});
