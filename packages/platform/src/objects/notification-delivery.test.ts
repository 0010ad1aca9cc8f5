import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { type TargetMessage, Targets } from "../core/targets.js";
import { SqliteObjectIndex } from "../storage/sqlite/sqlite-object-index.js";
import { NotificationDelivery } from "./notification-delivery.js";

const QUEUE = "arn:aws:sqs:us-east-1:000000000000:q";
const logger = pino({ level: "silent" });

function row(key: string) {
  return {
    bucket: "b",
    key,
    blobId: `blob-${key}`,
    sizeBytes: 1,
    etag: '"e"',
    contentType: "text/plain",
    headers: {},
    userMetadata: {},
    lastModified: 0,
  };
}

/** Lets queued promise callbacks run (no timers involved). */
const settle = () => new Promise((r) => setImmediate(r));

describe("notification outbox", () => {
  let dir: string;
  let index: SqliteObjectIndex;
  let clock: ManualClock;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-outbox-"));
    index = new SqliteObjectIndex(join(dir, "index.db"));
    clock = new ManualClock();
    index.createBucket({ name: "b", region: "us-east-1", createdAt: 0, notification: undefined });
  });

  afterEach(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps a write's notifications across a restart until they are delivered", async () => {
    index.putObject(row("k"), [{ targetArn: QUEUE, body: "event-1" }], clock.now());
    index.close();
    index = new SqliteObjectIndex(join(dir, "index.db"));
    expect(index.getObject("b", "k")?.blobId).toBe("blob-k");
    const delivered: TargetMessage[] = [];
    const targets = new Targets();
    targets.register("sqs", async (_arn, message) => {
      delivered.push(message);
    });
    const delivery = new NotificationDelivery(index, targets, clock, logger);
    delivery.kick();
    await delivery.close();
    expect(delivered.map((m) => m.body)).toEqual(["event-1"]);
    expect(index.pendingNotifications()).toBe(0);
  });

  it("retries a refused delivery with backoff on the clock", async () => {
    let refuse = true;
    const delivered: string[] = [];
    const targets = new Targets();
    targets.register("sqs", async (_arn, message) => {
      if (refuse) throw new Error("queue unavailable");
      delivered.push(message.body);
    });
    const delivery = new NotificationDelivery(index, targets, clock, logger);
    index.putObject(row("k"), [{ targetArn: QUEUE, body: "event" }], clock.now());
    delivery.kick();
    await settle();
    await settle();
    expect(delivered).toEqual([]);
    expect(index.pendingNotifications()).toBe(1);
    refuse = false;
    clock.advance(999);
    await settle();
    expect(delivered).toEqual([]);
    clock.advance(1);
    for (let i = 0; i < 5 && index.pendingNotifications() > 0; i++) await settle();
    expect(delivered).toEqual(["event"]);
    expect(index.pendingNotifications()).toBe(0);
    await delivery.close();
  });

  it("a delete that finds no key records no notification", () => {
    expect(index.deleteObject("b", "absent", [{ targetArn: QUEUE, body: "x" }], 0)).toBeUndefined();
    expect(index.pendingNotifications()).toBe(0);
  });
});
