import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "../../storage/sqlite/sqlite-queue-store.js";
import { QUEUE_ERRORS } from "./errors.js";
import { QueueAdmin } from "./queue-admin.js";
import { QueueRegistry } from "./queue-registry.js";
import { QueueService } from "./queue-service.js";

describe("QueueAdmin", () => {
  let clock: ManualClock;
  let metadata: SqliteMetadataStore;
  let store: SqliteQueueStore;
  let registry: QueueRegistry;
  let queues: QueueService;
  let admin: QueueAdmin;

  beforeEach(() => {
    clock = new ManualClock();
    metadata = new SqliteMetadataStore(":memory:");
    store = new SqliteQueueStore(":memory:");
    registry = new QueueRegistry(metadata, { region: "us-east-1", accountId: "000000000000" }, clock);
    queues = new QueueService(registry, store, clock);
    admin = new QueueAdmin(registry, queues, store, clock);
  });
  afterEach(async () => {
    queues.close();
    await store.close();
    await metadata.close();
  });

  it("answers concurrent creates of one name with the same queue", async () => {
    const created = await Promise.all([admin.create("q", {}, {}), admin.create("q", {}, {})]);
    expect(created[0].storeId).toBe(created[1].storeId);
  });

  it("allows one purge per minute, also when two race", async () => {
    const record = await admin.create("q", {}, {});
    const results = await Promise.allSettled([admin.purge(record), admin.purge(record)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    await expect(admin.purge(record)).rejects.toMatchObject({ code: QUEUE_ERRORS.purgeInProgress });
    clock.advance(60_000);
    await admin.purge(record);
  });

  it("counts visible, in-flight and delayed messages, without expired ones", async () => {
    const record = await admin.create("q", { MessageRetentionPeriod: "60" }, {});
    await queues.send(record.arn, { body: "old" });
    clock.advance(60_001);
    await queues.send(record.arn, { body: "visible" });
    await queues.send(record.arn, { body: "in flight" });
    await queues.send(record.arn, { body: "delayed", delaySeconds: 30 });
    await queues.receive(record.arn, { max: 1, waitMs: 0 });
    const attributes = await admin.getAttributes(record, ["All"]);
    expect(attributes).toMatchObject({
      ApproximateNumberOfMessages: "1",
      ApproximateNumberOfMessagesNotVisible: "1",
      ApproximateNumberOfMessagesDelayed: "1",
    });
    await expect(admin.getAttributes(record, ["Nope"])).rejects.toMatchObject({
      code: QUEUE_ERRORS.invalidAttributeName,
    });
  });

  it("pages ListQueues with MaxResults and reports no token without it", async () => {
    for (const name of ["a", "b", "c"]) await admin.create(name, {}, {});
    const first = await admin.list({ max: 2 });
    expect(first.queues.map((q) => q.name)).toEqual(["a", "b"]);
    const rest = await admin.list({ max: 2, after: first.nextAfter as string });
    expect(rest).toMatchObject({ nextAfter: undefined });
    expect(rest.queues.map((q) => q.name)).toEqual(["c"]);
    expect((await admin.list({})).nextAfter).toBeUndefined();
  });

  it("refuses a redrive policy the dead-letter queue's RedriveAllowPolicy denies", async () => {
    await admin.create("dlq", { RedriveAllowPolicy: JSON.stringify({ redrivePermission: "denyAll" }) }, {});
    const policy = JSON.stringify({
      deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
      maxReceiveCount: 3,
    });
    await expect(admin.create("src", { RedrivePolicy: policy }, {})).rejects.toMatchObject({
      code: QUEUE_ERRORS.invalidParameterValue,
    });
  });

  it("keeps at most 50 tags", async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    const record = await admin.create("q", {}, tags);
    await expect(admin.tag(record, { extra: "v" })).rejects.toMatchObject({ code: QUEUE_ERRORS.tagLimit });
  });
});
