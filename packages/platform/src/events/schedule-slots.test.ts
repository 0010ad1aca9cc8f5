import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsRequest } from "../aws/http-types.js";
import { ManualClock } from "../core/clock.js";
import { createLogger } from "../core/logger.js";
import { Targets } from "../core/targets.js";
import { createQueues, type Queues } from "../messaging/index.js";
import { SqliteMetadataStore } from "../storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "../storage/sqlite/sqlite-queue-store.js";
import { createEvents, type Events } from "./create-events.js";
import type { ScheduleInput } from "./scheduler/schedule-service.js";

/**
 * The cron job of the classic walkthrough, at the level of the real services (metadata, queue
 * store, SQS queues as the target) on a ManualClock: an hourly schedule fires once per hour
 * slot, a restart never fires a slot twice, and a slot missed while "down" fires once at start.
 */
const scope = { region: "us-east-1", accountId: "000000000000" };
const QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:hourly";
const HOUR = 3_600_000;
const config = { maxParallel: 4, retryBaseDelayMs: 10, maxRetryDelayMs: 10, missedSlotGraceMs: 15 * 60_000 };

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

function hourly(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    name: "hourly",
    group: "default",
    expression: "cron(0 * * * ? *)",
    timezone: "UTC",
    state: "ENABLED",
    actionAfterCompletion: "NONE",
    window: { mode: "OFF" },
    target: {
      arn: QUEUE_ARN,
      roleArn: "arn:aws:iam::000000000000:role/r",
      input: '{"at":"<aws.scheduler.scheduled-time>"}',
      retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
    },
    ...overrides,
  };
}

describe("schedule slots with the real services", () => {
  let clock: ManualClock;
  let metadata: SqliteMetadataStore;
  let queueStore: SqliteQueueStore;
  let queues: Queues;
  let targets: Targets;
  let events: Events;
  const logger = createLogger("silent");

  const boot = async (random = () => 0.5) => {
    events = createEvents({ metadata, queueStore, targets, clock, scope, logger, config, random });
    await events.start();
  };

  /** Lets the engine and the dispatcher finish what the last clock move started (no sleeping). */
  const settle = async () => {
    let quiet = 0;
    for (let i = 0; i < 1000 && quiet < 5; i++) {
      await events.engine.settled();
      await events.dispatcher.idle();
      await new Promise((r) => setImmediate(r));
      const counts = await queueStore.counts("nimbus:events", clock.now());
      quiet = counts.visible + counts.inFlight === 0 ? quiet + 1 : 0;
    }
  };

  const bodies = async (): Promise<string[]> => {
    const got = await queues.service.receive(QUEUE_ARN, { max: 10, waitMs: 0 });
    for (const m of got) await queues.service.delete(QUEUE_ARN, m.receiptHandle);
    return got.map((m) => m.body);
  };

  beforeEach(async () => {
    clock = new ManualClock(Date.parse("2025-01-01T00:10:00Z"));
    metadata = new SqliteMetadataStore(":memory:");
    queueStore = new SqliteQueueStore(":memory:");
    queues = createQueues({ metadata, store: queueStore, clock, scope });
    targets = new Targets();
    targets.register("sqs", queues.targetHandler);
    await queues.jsonApi.operations.CreateQueue?.({ QueueName: "hourly" }, request);
    await boot();
  });

  afterEach(async () => {
    await events.close();
    queues.close();
    await metadata.close();
    await queueStore.close();
  });

  it("fires an hourly cron schedule once per hour slot, with the slot in the Input", async () => {
    await events.schedules.create(hourly());
    await settle();
    expect(await bodies()).toEqual([]);
    clock.advance(50 * 60_000); // 01:00
    await settle();
    expect(await bodies()).toEqual(['{"at":"2025-01-01T01:00:00Z"}']);
    clock.advance(30 * 60_000); // 01:30
    await settle();
    expect(await bodies()).toEqual([]);
    clock.advance(30 * 60_000); // 02:00
    await settle();
    clock.advance(HOUR); // 03:00
    await settle();
    expect(await bodies()).toEqual(['{"at":"2025-01-01T02:00:00Z"}', '{"at":"2025-01-01T03:00:00Z"}']);
  });

  it("never fires a slot twice across a restart, and fires a missed slot once at start-up inside the grace", async () => {
    await events.schedules.create(hourly());
    clock.advance(50 * 60_000); // 01:00
    await settle();
    expect(await bodies()).toHaveLength(1);
    // Restart at once: the 01:00 slot was recorded, nothing fires again.
    await events.close();
    await boot();
    await settle();
    expect(await bodies()).toEqual([]);
    // Down from 01:00 to 04:05: slots 02:00, 03:00 and 04:00 were missed; only 04:00 is within 15 minutes.
    await events.close();
    clock.advance(3 * HOUR + 5 * 60_000);
    await boot();
    await settle();
    expect(await bodies()).toEqual(['{"at":"2025-01-01T04:00:00Z"}']);
    // Down again past the grace: 05:00 is 20 minutes old at 05:20 and is skipped; 06:00 fires.
    await events.close();
    clock.advance(HOUR + 15 * 60_000);
    await boot();
    await settle();
    expect(await bodies()).toEqual([]);
    clock.advance(40 * 60_000);
    await settle();
    expect(await bodies()).toEqual(['{"at":"2025-01-01T06:00:00Z"}']);
  });

  it("fires inside a flexible window and counts the window as the slot's life at start-up", async () => {
    await events.schedules.create(hourly({ window: { mode: "FLEXIBLE", maximumWindowMinutes: 30 } }));
    clock.advance(50 * 60_000); // 01:00: the slot's point in its window is later
    await settle();
    const early = await bodies();
    clock.advance(30 * 60_000); // 01:30: the window has passed
    await settle();
    expect([...early, ...(await bodies())]).toEqual(['{"at":"2025-01-01T01:00:00Z"}']);
    // Down over 02:00 until 02:25: inside the 30-minute window, it fires once at start-up.
    await events.close();
    clock.advance(55 * 60_000);
    await boot();
    await settle();
    expect(await bodies()).toEqual(['{"at":"2025-01-01T02:00:00Z"}']);
  });

  it("counts rate() slots from StartDate and stops after EndDate", async () => {
    const start = Date.parse("2025-01-01T02:00:00Z");
    await events.schedules.create(
      hourly({
        expression: "rate(1 hour)",
        startDate: start,
        endDate: start + 2 * HOUR,
        target: { ...hourly().target, input: "<aws.scheduler.scheduled-time>" },
      }),
    );
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(HOUR);
      await settle();
      seen.push(...(await bodies()));
    }
    expect(seen).toEqual(["2025-01-01T02:00:00Z", "2025-01-01T03:00:00Z", "2025-01-01T04:00:00Z"]);
  });

  it("runs an at() schedule once and deletes it when ActionAfterCompletion is DELETE", async () => {
    await events.schedules.create(
      hourly({
        name: "once",
        expression: "at(2025-01-01T00:30:00)",
        actionAfterCompletion: "DELETE",
        target: { ...hourly().target, input: "once" },
      }),
    );
    clock.advance(20 * 60_000);
    await settle();
    expect(await bodies()).toEqual(["once"]);
    await expect(events.schedules.get("default", "once")).rejects.toMatchObject({
      code: "ERR_EVENTS_SCHEDULE_NOT_FOUND",
    });
  });

  it("sends a scheduled rule's Scheduled Event to its targets each period", async () => {
    await events.buses.putRule({
      name: "every-hour",
      busName: "default",
      scheduleExpression: "rate(1 hour)",
    });
    await events.buses.updateTargets("default", "every-hour", () => [
      { id: "q", arn: QUEUE_ARN, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 } },
    ]);
    await settle();
    clock.advance(HOUR);
    await settle();
    const [body] = await bodies();
    expect(JSON.parse(body ?? "{}")).toMatchObject({
      version: "0",
      source: "aws.events",
      "detail-type": "Scheduled Event",
      time: "2025-01-01T01:10:00Z",
      resources: ["arn:aws:events:us-east-1:000000000000:rule/every-hour"],
      detail: {},
    });
    await events.buses.setState("default", "every-hour", "DISABLED");
    clock.advance(HOUR);
    await settle();
    expect(await bodies()).toEqual([]);
    // Deleted: its slot record goes and nothing fires any more.
    await events.buses.updateTargets("default", "every-hour", () => []);
    await events.buses.setState("default", "every-hour", "ENABLED");
    await events.buses.deleteRule("default", "every-hour");
    await settle();
    const arn = "arn:aws:events:us-east-1:000000000000:rule/every-hour";
    expect(await metadata.get("events-slot", arn)).toBeUndefined();
    clock.advance(HOUR);
    await settle();
    expect(await queueStore.peek("nimbus:events", { limit: 10 })).toEqual([]);
    expect(await metadata.get("events-slot", arn)).toBeUndefined();
  });
});
