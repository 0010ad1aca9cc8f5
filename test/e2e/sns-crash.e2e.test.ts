import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/nimbus.js";
import { type NimbusChild, startNimbusChild } from "../support/nimbus-process.js";

// kill -9 while messages are being published to a topic with two queue subscribers; after a
// restart every acknowledged message reaches both queues at least once. Its own file: it runs
// servers as child processes.
const MESSAGES = Number(process.env.NIMBUS_CRASH_SNS ?? "1000");

const dirs: string[] = [];
const children: NimbusChild[] = [];
afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("topics survive kill -9", () => {
  it("delivers every acknowledged publish to every subscriber after a kill -9 and a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-sns-crash-"));
    dirs.push(dataDir);
    const first = await startNimbusChild(dataDir);
    children.push(first);
    const sns = new SNSClient(clientConfig(first.url));
    const sqs = new SQSClient(clientConfig(first.url));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "crash" }));
    for (const name of ["copy-a", "copy-b"]) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
      );
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: "sqs",
          Endpoint: Attributes?.QueueArn,
          Attributes: { RawMessageDelivery: "true" },
        }),
      );
    }

    const acked = new Set<string>();
    let killed: Promise<number | null> | undefined;
    let next = 0;
    const publishers = Array.from({ length: 4 }, async () => {
      while (!killed && next < MESSAGES) {
        const ids = Array.from({ length: Math.min(10, MESSAGES - next) }, () => `m-${next++}`);
        try {
          const out = await sns.send(
            new PublishBatchCommand({
              TopicArn,
              PublishBatchRequestEntries: ids.map((id, n) => ({ Id: String(n), Message: id })),
            }),
          );
          for (const ok of out.Successful ?? []) acked.add(ids[Number(ok.Id)] ?? "");
        } catch {
          return; // the server is gone: this batch was never acknowledged
        }
        if (!killed && acked.size >= MESSAGES * 0.75) killed = first.stop("SIGKILL");
      }
    });
    await Promise.all(publishers);
    killed ??= first.stop("SIGKILL");
    await killed;
    sns.destroy();
    sqs.destroy();
    expect(acked.size).toBeGreaterThanOrEqual(MESSAGES * 0.75);

    const second = await startNimbusChild(dataDir);
    children.push(second);
    const after = new SQSClient(clientConfig(second.url));
    const report: string[] = [];
    for (const name of ["copy-a", "copy-b"]) {
      const url = `${second.url}/000000000000/${name}`;
      const seen = new Map<string, number>();
      const deadline = Date.now() + 120_000;
      while ([...acked].some((id) => !seen.has(id)) && Date.now() < deadline) {
        const { Messages = [] } = await after.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of Messages) seen.set(m.Body ?? "", (seen.get(m.Body ?? "") ?? 0) + 1);
        if (Messages.length > 0)
          await after.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? "" })),
            }),
          );
      }
      const missing = [...acked].filter((id) => !seen.has(id));
      const duplicates = [...seen.values()].reduce((n, count) => n + count - 1, 0);
      report.push(`${name}: ${missing.length} lost, ${duplicates} duplicates`);
      expect(missing, name).toEqual([]);
    }
    console.log(`sns crash safety: ${acked.size} acknowledged; ${report.join("; ")}`);
    after.destroy();
    await second.stop("SIGTERM");
  }, 300_000);
});
