import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/nimbus.js";
import { type NimbusChild, startNimbusChild } from "../support/nimbus-process.js";

const QUEUE_ARN = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

/** Every body the queue holds, deleting as it reads, until `done` says enough (bounded). */
async function drain(sqs: SQSClient, url: string, done: (bodies: string[]) => boolean): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < 60 && !done(bodies); i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of out.Messages ?? []) {
      bodies.push(m.Body ?? "");
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return bodies;
}

describe("event buses and schedules survive kill -9", () => {
  let dataDir: string;
  let server: NimbusChild | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "nimbus-events-crash-"));
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  it("delivers every acknowledged event after a kill -9, and fires a slot missed while down once", async () => {
    server = await startNimbusChild(dataDir);
    let events = new EventBridgeClient(clientConfig(server.url));
    let sqs = new SQSClient(clientConfig(server.url));
    const scheduler = new SchedulerClient(clientConfig(server.url));
    const { QueueUrl: eventsUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "acked" }));
    const { QueueUrl: slotsUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "slots" }));
    await events.send(new PutRuleCommand({ Name: "all", EventPattern: '{"source":["crash.test"]}' }));
    await events.send(
      new PutTargetsCommand({
        Rule: "all",
        Targets: [{ Id: "q", Arn: QUEUE_ARN("acked"), InputPath: "$.id" }],
      }),
    );
    // A one-time schedule two seconds away; the server is killed before it fires.
    const at = new Date(Date.now() + 2000).toISOString().slice(0, 19);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: "while-down",
        ScheduleExpression: `at(${at})`,
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: QUEUE_ARN("slots"), RoleArn: "arn:aws:iam::000000000000:role/s", Input: "slot" },
      }),
    );
    scheduler.destroy();

    const acked: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 10; i++) {
          const out = await events.send(
            new PutEventsCommand({
              Entries: Array.from({ length: 10 }, () => ({
                Source: "crash.test",
                DetailType: "T",
                Detail: "{}",
              })),
            }),
          );
          for (const e of out.Entries ?? []) if (e.EventId) acked.push(e.EventId);
        }
      }),
    );
    await server.stop("SIGKILL");
    events.destroy();
    sqs.destroy();
    expect(acked).toHaveLength(400);
    // Stay down past the schedule's slot.
    await new Promise((r) => setTimeout(r, 2500));

    server = await startNimbusChild(dataDir);
    events = new EventBridgeClient(clientConfig(server.url));
    sqs = new SQSClient(clientConfig(server.url));
    try {
      const wanted = new Set(acked);
      const seen = new Set<string>();
      await drain(sqs, eventsUrl as string, (bodies) => {
        for (const b of bodies) seen.add(JSON.parse(b));
        return [...wanted].every((id) => seen.has(id));
      });
      expect([...wanted].filter((id) => !seen.has(id))).toEqual([]);
      const slots = await drain(sqs, slotsUrl as string, (bodies) => bodies.length >= 1);
      expect(slots).toEqual(["slot"]);
      // Once: a second look finds nothing more for that slot.
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: slotsUrl, WaitTimeSeconds: 1 }));
      expect(again.Messages ?? []).toEqual([]);
    } finally {
      events.destroy();
      sqs.destroy();
    }
  });
});
