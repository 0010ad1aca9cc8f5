import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/nimbus.js";
import { type NimbusChild, startNimbusChild } from "../support/nimbus-process.js";

// Issue 5: an object acknowledged with 200 keeps its bytes and its notification through a kill -9.
// Its own file: the servers run as child processes.
const OBJECTS = 300;
const dirs: string[] = [];
const children: NimbusChild[] = [];
afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const clients = (url: string) => ({
  s3: new S3Client({ ...clientConfig(url), forcePathStyle: true }),
  sqs: new SQSClient(clientConfig(url)),
});

describe("buckets survive kill -9", () => {
  it("keeps every acknowledged object and delivers its notification after a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-s3-crash-"));
    dirs.push(dataDir);
    const first = await startNimbusChild(dataDir, []);
    children.push(first);
    const a = clients(first.url);
    const { QueueUrl } = await a.sqs.send(new CreateQueueCommand({ QueueName: "object-events" }));
    await a.s3.send(new CreateBucketCommand({ Bucket: "crash" }));
    await a.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "crash",
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: "arn:aws:sqs:us-east-1:000000000000:object-events", Events: ["s3:ObjectCreated:*"] },
          ],
        },
      }),
    );

    // Uploads keep running while the server is killed; only the acknowledged ones count.
    const acknowledged = new Set<string>();
    let killed = false;
    const uploads = Array.from({ length: 10 }, async (_, worker) => {
      for (let i = worker; i < OBJECTS; i += 10) {
        const key = `k/${String(i).padStart(4, "0")}`;
        try {
          await a.s3.send(new PutObjectCommand({ Bucket: "crash", Key: key, Body: `body of ${key}` }));
          acknowledged.add(key);
        } catch (error) {
          if (!killed) throw error;
          return;
        }
        if (acknowledged.size === OBJECTS / 2 && !killed) {
          killed = true;
          await first.stop("SIGKILL");
        }
      }
    });
    await Promise.all(uploads);
    a.s3.destroy();
    a.sqs.destroy();
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(OBJECTS / 2);

    const second = await startNimbusChild(dataDir, []);
    children.push(second);
    const b = clients(second.url);
    try {
      for (const key of acknowledged) {
        const got = await b.s3.send(new GetObjectCommand({ Bucket: "crash", Key: key }));
        expect(await got.Body?.transformToString()).toBe(`body of ${key}`);
      }
      const notified = new Set<string>();
      for (let i = 0; i < 120 && [...acknowledged].some((k) => !notified.has(k)); i++) {
        const out = await b.sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of out.Messages ?? []) {
          const record = (JSON.parse(m.Body ?? "{}").Records ?? [])[0];
          if (record) notified.add(decodeURIComponent(String(record.s3.object.key).replace(/\+/g, " ")));
        }
        if (out.Messages?.length) {
          await b.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: out.Messages.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      }
      expect([...acknowledged].filter((k) => !notified.has(k))).toEqual([]);
    } finally {
      b.s3.destroy();
      b.sqs.destroy();
    }
  });
});
