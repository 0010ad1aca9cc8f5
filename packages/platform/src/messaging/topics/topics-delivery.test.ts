import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AwsRequest } from "../../aws/http-types.js";
import { QueryParams } from "../../aws/query-protocol.js";
import { ManualClock } from "../../core/clock.js";
import { PlatformError } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import { type TargetMessage, Targets } from "../../core/targets.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "../../storage/sqlite/sqlite-queue-store.js";
import { createTopics } from "./create-topics.js";

const QUEUE = "arn:aws:sqs:us-east-1:000000000000:copies";
const DLQ = "arn:aws:sqs:us-east-1:000000000000:dead";
const req = { origin: "http://nimbus.test" } as AwsRequest;
/** Waits for the workers (real promises, no clock time): the first delivery also makes the signing key. */
const until = (check: () => unknown) => vi.waitFor(check, { timeout: 20_000, interval: 10 });

/** Topics on the embedded stores with a manual clock; SQS deliveries land in `delivered`. */
function setup(sqs: (arn: string, message: TargetMessage) => Promise<void>, dir?: string) {
  const clock = new ManualClock();
  const metadata = new SqliteMetadataStore(dir ? join(dir, "nimbus.db") : ":memory:");
  const queues = new SqliteQueueStore(dir ? join(dir, "queues.db") : ":memory:");
  const targets = new Targets();
  targets.register("sqs", sqs);
  const topics = createTopics({
    store: metadata,
    queues,
    targets,
    clock,
    scope: { region: "us-east-1", accountId: "000000000000" },
    logger: createLogger("silent"),
    endpointUrl: () => "http://nimbus.test",
  });
  const call = (action: string, fields: Record<string, string>) => {
    const operation = topics.api.operations[action];
    if (!operation) throw new Error(action);
    return operation(new QueryParams(new URLSearchParams(fields)), req);
  };
  const close = async () => {
    await topics.close();
    await Promise.all([metadata.close(), queues.close()]);
  };
  return { clock, topics, call, close };
}

describe("topic deliveries (embedded stores, manual clock)", () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  async function topicWithQueue(s: ReturnType<typeof setup>, attributes: Record<string, string> = {}) {
    await s.topics.start();
    const { TopicArn } = (await s.call("CreateTopic", { Name: "t" })) as { TopicArn: string };
    const fields: Record<string, string> = { TopicArn, Protocol: "sqs", Endpoint: QUEUE };
    Object.entries(attributes).forEach(([key, value], i) => {
      fields[`Attributes.entry.${i + 1}.key`] = key;
      fields[`Attributes.entry.${i + 1}.value`] = value;
    });
    await s.call("Subscribe", fields);
    return TopicArn;
  }

  it("retries a failing queue delivery on SNS's schedule until it is accepted", async () => {
    const bodies: string[] = [];
    let failures = 4;
    const s = setup(async (_arn, message) => {
      if (failures-- > 0) throw new Error("queue service unavailable");
      bodies.push(message.body);
    });
    close = s.close;
    const TopicArn = await topicWithQueue(s);
    await s.call("Publish", { TopicArn, Message: "hello" });
    // Attempt 1 and the 3 immediate retries fail; the next retry waits 1 s of the clock.
    await until(() => expect(failures).toBe(0));
    expect(bodies).toEqual([]);
    // Let the worker store the retry's new visibility (group-committed on a later turn) and arm
    // its timer on the manual clock before time moves.
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
    s.clock.advance(1000);
    await until(() => expect(bodies).toHaveLength(1));
    expect(JSON.parse(bodies[0] ?? "{}")).toMatchObject({ Type: "Notification", Message: "hello", TopicArn });
  });

  it("sends a delivery refused for good to the dead-letter queue, with raw attributes", async () => {
    const dead: TargetMessage[] = [];
    const s = setup(async (arn, message) => {
      if (arn === QUEUE)
        throw new PlatformError({
          code: "ERR_TEST_NO_QUEUE",
          message: "The specified queue does not exist.",
        });
      dead.push(message);
    });
    close = s.close;
    const TopicArn = await topicWithQueue(s, {
      RawMessageDelivery: "true",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ }),
    });
    await s.call("Publish", {
      TopicArn,
      Message: "to the dlq",
      "MessageAttributes.entry.1.Name": "k",
      "MessageAttributes.entry.1.Value.DataType": "String",
      "MessageAttributes.entry.1.Value.StringValue": "v",
    });
    await until(() => expect(dead).toHaveLength(1));
    expect(dead[0]).toMatchObject({
      body: "to the dlq",
      attributes: { k: { dataType: "String", stringValue: "v" } },
    });
  });

  it("stops delivering queued messages once the subscription is gone", async () => {
    const bodies: string[] = [];
    let fail = true;
    const s = setup(async (_arn, message) => {
      if (fail) throw new Error("busy");
      bodies.push(message.body);
    });
    close = s.close;
    const TopicArn = await topicWithQueue(s);
    await s.call("Publish", { TopicArn, Message: "late" });
    const subs = (await s.call("ListSubscriptionsByTopic", { TopicArn })) as {
      Subscriptions: { member: { SubscriptionArn: string }[] };
    };
    await s.call("Unsubscribe", { SubscriptionArn: subs.Subscriptions.member[0]?.SubscriptionArn ?? "" });
    fail = false;
    s.clock.advance(60_000);
    // Let the worker run its due messages; nothing may arrive.
    await until(async () => expect(await s.topics.pendingDeliveries()).toBe(0));
    expect(bodies).toEqual([]);
  });

  it("fans out and delivers, after a restart, what was published before it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nimbus-topics-"));
    try {
      const before = setup(async () => {
        throw new Error("the first run never delivers");
      }, dir);
      await before.topics.start();
      const { TopicArn } = (await before.call("CreateTopic", { Name: "t" })) as { TopicArn: string };
      await before.call("Subscribe", { TopicArn, Protocol: "sqs", Endpoint: QUEUE });
      // Stopped before anything ran: the publishes are only in the publish queue.
      await before.topics.close();
      await before.call("Publish", { TopicArn, Message: "one" });
      await before.call("Publish", { TopicArn, Message: "two" });
      await before.close();

      const bodies: string[] = [];
      const after = setup(async (_arn, message) => {
        bodies.push(JSON.parse(message.body).Message);
      }, dir);
      close = after.close;
      expect(await after.topics.pendingDeliveries()).toBe(2);
      await after.topics.start();
      await until(() => expect(bodies.sort()).toEqual(["one", "two"]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
