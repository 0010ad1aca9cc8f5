import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsRequest } from "../../aws/http-types.js";
import { ManualClock } from "../../core/clock.js";
import { createLogger } from "../../core/logger.js";
import { Targets } from "../../core/targets.js";
import { createQueues, type Queues } from "../../messaging/index.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "../../storage/sqlite/sqlite-queue-store.js";
import { createEvents, type Events } from "../create-events.js";

/**
 * Retries and dead-lettering with the real stores and queues on a ManualClock. The failing
 * target is a FIFO queue given no MessageGroupId: SQS refuses every send (a retryable error).
 */
const scope = { region: "us-east-1", accountId: "000000000000" };
const arn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const config = { maxParallel: 4, retryBaseDelayMs: 1000, maxRetryDelayMs: 4000, missedSlotGraceMs: 0 };
const request = {
  requestId: "r",
  method: "POST",
  rawPath: "/",
  query: new URLSearchParams(),
  rawQuery: "",
  headers: {},
  body: Buffer.alloc(0),
  hostname: "localhost",
  origin: "http://localhost",
  caller: { accessKeyId: undefined, signingService: "sqs", region: scope.region, accountId: scope.accountId },
} satisfies AwsRequest;

describe("rule target retries and dead-letter queues", () => {
  let clock: ManualClock;
  let metadata: SqliteMetadataStore;
  let queueStore: SqliteQueueStore;
  let queues: Queues;
  let events: Events;

  const settle = async () => {
    let quiet = 0;
    for (let i = 0; i < 1000 && quiet < 5; i++) {
      await events.dispatcher.idle();
      await new Promise((r) => setImmediate(r));
      const counts = await queueStore.counts("nimbus:events", clock.now());
      quiet = counts.visible + counts.inFlight === 0 ? quiet + 1 : 0;
    }
  };
  const take = async (name: string) => {
    const got = await queues.service.receive(arn(name), { max: 10, waitMs: 0 });
    for (const m of got) await queues.service.delete(arn(name), m.receiptHandle);
    return got;
  };
  const putRule = async (retry: { maximumRetryAttempts: number; maximumEventAgeSeconds: number }) => {
    await events.buses.putRule({ name: "r", busName: "default", eventPattern: '{"source":["s"]}' });
    await events.buses.updateTargets("default", "r", () => [
      { id: "t", arn: arn("strict.fifo"), retryPolicy: retry, deadLetterArn: arn("dlq") },
    ]);
    const put = await events.api.operations.PutEvents?.(
      { Entries: [{ Source: "s", DetailType: "d", Detail: '{"n":1}' }] },
      request,
    );
    return (put as { Entries: { EventId: string }[] }).Entries[0]?.EventId;
  };

  beforeEach(async () => {
    clock = new ManualClock(Date.parse("2025-01-01T00:00:00Z"));
    metadata = new SqliteMetadataStore(":memory:");
    queueStore = new SqliteQueueStore(":memory:");
    queues = createQueues({ metadata, store: queueStore, clock, scope });
    const targets = new Targets();
    targets.register("sqs", queues.targetHandler);
    for (const QueueName of ["strict.fifo", "dlq"])
      await queues.jsonApi.operations.CreateQueue?.(
        { QueueName, ...(QueueName.endsWith(".fifo") && { Attributes: { FifoQueue: "true" } }) },
        request,
      );
    events = createEvents({
      metadata,
      queueStore,
      targets,
      clock,
      scope,
      logger: createLogger("silent"),
      config,
    });
    await events.start();
  });

  afterEach(async () => {
    await events.close();
    queues.close();
    await metadata.close();
    await queueStore.close();
  });

  it("retries with doubling delays, then dead-letters the event with the error attributes", async () => {
    const id = await putRule({ maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 });
    await settle();
    // First attempt failed; retries wait 1 s, 2 s and 4 s.
    clock.advance(1000);
    await settle();
    clock.advance(2000);
    await settle();
    expect(await take("dlq")).toEqual([]);
    clock.advance(3999);
    await settle();
    expect(await take("dlq")).toEqual([]);
    clock.advance(1);
    await settle();
    const [dead] = await take("dlq");
    expect(JSON.parse(dead?.body ?? "{}")).toMatchObject({ id, source: "s", detail: { n: 1 } });
    expect(dead?.messageAttributes?.RULE_ARN?.stringValue).toBe(
      "arn:aws:events:us-east-1:000000000000:rule/r",
    );
    expect(dead?.messageAttributes?.TARGET_ARN?.stringValue).toBe(arn("strict.fifo"));
    expect(dead?.messageAttributes?.ERROR_CODE?.stringValue).toBe("MissingParameter");
    expect(dead?.messageAttributes?.ERROR_MESSAGE?.stringValue).toMatch(/MessageGroupId/);
  });

  it("stops retrying when the next attempt would exceed MaximumEventAgeInSeconds", async () => {
    await putRule({ maximumRetryAttempts: 185, maximumEventAgeSeconds: 60 });
    await settle();
    // 1+2+4+4+4... seconds: the attempts run until the event is about a minute old.
    for (let i = 0; i < 20; i++) {
      clock.advance(4000);
      await settle();
    }
    expect(await take("dlq")).toHaveLength(1);
    clock.advance(600_000);
    await settle();
    expect(await take("dlq")).toEqual([]);
  });

  it("delivers to a FIFO queue with the target's MessageGroupId", async () => {
    await events.buses.putRule({ name: "fifo", busName: "default", eventPattern: '{"source":["f"]}' });
    await events.buses.updateTargets("default", "fifo", () => [
      {
        id: "t",
        arn: arn("strict.fifo"),
        messageGroupId: "orders",
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
      },
    ]);
    await events.api.operations.PutEvents?.(
      { Entries: [{ Source: "f", DetailType: "d", Detail: "{}" }] },
      request,
    );
    await settle();
    const [got] = await take("strict.fifo");
    expect(got?.attributes.MessageGroupId).toBe("orders");
    expect(JSON.parse(got?.body ?? "{}").source).toBe("f");
  });

  it("sends nothing to a target once the rule is disabled", async () => {
    await events.buses.putRule({
      name: "off",
      busName: "default",
      eventPattern: '{"source":["s"]}',
      state: "DISABLED",
    });
    await events.buses.updateTargets("default", "off", () => [
      { id: "t", arn: arn("dlq"), retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 } },
    ]);
    await events.api.operations.PutEvents?.(
      { Entries: [{ Source: "s", DetailType: "d", Detail: "{}" }] },
      request,
    );
    await settle();
    expect(await take("dlq")).toEqual([]);
  });
});
