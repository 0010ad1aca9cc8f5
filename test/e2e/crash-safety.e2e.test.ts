import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { clientConfig, FIXTURES, ROLE } from "../support/nimbus.js";
import { type NimbusChild, processesOf, startNimbusChild } from "../support/nimbus-process.js";
import { zipDirectory } from "../support/zip.js";

// Issue 4 section 5: kill -9 while thousands of async events and queue messages are in flight;
// after a restart every acknowledged one has been processed at least once. Its own file: it runs
// servers as child processes and must not share a test process with another server.
const ASYNC_EVENTS = Number(process.env.NIMBUS_CRASH_ASYNC ?? "2000");
const QUEUE_MESSAGES = Number(process.env.NIMBUS_CRASH_QUEUE ?? "2000");
const SERVER_ARGS = ["--async-retry-delay-scale", "0.01"];

const dirs: string[] = [];
const children: NimbusChild[] = [];
afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const clients = (url: string) => ({
  lambda: new LambdaClient(clientConfig(url)),
  sqs: new SQSClient(clientConfig(url)),
});

describe("crash safety (kill -9)", () => {
  it("processes every acknowledged async event and queue message at least once after a kill -9", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-crash-"));
    dirs.push(dataDir);
    const first = await startNimbusChild(dataDir, SERVER_ARGS);
    children.push(first);
    const a = clients(first.url);
    await a.sqs.send(new CreateQueueCommand({ QueueName: "results" }));
    const work = await a.sqs.send(
      new CreateQueueCommand({ QueueName: "work", Attributes: { VisibilityTimeout: "5" } }),
    );
    const workUrl = work.QueueUrl ?? "";
    const workArn = (
      await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: workUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes?.QueueArn;
    await a.lambda.send(
      new CreateFunctionCommand({
        FunctionName: "recorder",
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: ROLE,
        Timeout: 5,
        Code: { ZipFile: await zipDirectory(join(FIXTURES, "node/crash-recorder")) },
        Environment: { Variables: { RESULTS_QUEUE: "results" } },
      }),
    );
    await a.lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: workArn,
        FunctionName: "recorder",
        BatchSize: 10,
      }),
    );

    // Send both kinds at once; kill the server once most are acknowledged, mid-stream.
    const acked = new Set<string>();
    const killAt = Math.floor((ASYNC_EVENTS + QUEUE_MESSAGES) * 0.75);
    let killed: Promise<number | null> | undefined;
    const maybeKill = () => {
      if (!killed && acked.size >= killAt) killed = first.stop("SIGKILL");
    };
    let nextEvent = 0;
    const asyncSenders = Array.from({ length: 8 }, async () => {
      while (!killed && nextEvent < ASYNC_EVENTS) {
        const id = `a-${nextEvent++}`;
        try {
          const out = await a.lambda.send(
            new InvokeCommand({
              FunctionName: "recorder",
              InvocationType: "Event",
              Payload: Buffer.from(JSON.stringify({ id })),
            }),
          );
          if (out.StatusCode === 202) acked.add(id);
        } catch {
          return; // the server is gone: this event was never acknowledged
        }
        maybeKill();
      }
    });
    let nextMessage = 0;
    const queueSenders = Array.from({ length: 4 }, async () => {
      while (!killed && nextMessage < QUEUE_MESSAGES) {
        const ids = Array.from(
          { length: Math.min(10, QUEUE_MESSAGES - nextMessage) },
          () => `q-${nextMessage++}`,
        );
        try {
          const out = await a.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: workUrl,
              Entries: ids.map((id, n) => ({ Id: String(n), MessageBody: JSON.stringify({ id }) })),
            }),
          );
          for (const ok of out.Successful ?? []) acked.add(ids[Number(ok.Id)] ?? "");
        } catch {
          return;
        }
        maybeKill();
      }
    });
    await Promise.all([...asyncSenders, ...queueSenders]);
    killed ??= first.stop("SIGKILL");
    await killed;
    a.lambda.destroy();
    a.sqs.destroy();
    // The sandboxes die with their server (--die-with-parent).
    await waitFor(
      () => processesOf(dataDir).length === 0,
      10_000,
      () => processesOf(dataDir).join("; "),
    );
    expect(acked.size).toBeGreaterThan(1000);

    const second = await startNimbusChild(dataDir, SERVER_ARGS);
    children.push(second);
    const b = clients(second.url);
    const resultsUrl = `${second.url}/000000000000/results`;
    const seen = new Map<string, number>();
    const deadline = Date.now() + 180_000;
    while ([...acked].some((id) => !seen.has(id)) && Date.now() < deadline) {
      const out = await b.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: resultsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages = out.Messages ?? [];
      for (const m of messages) seen.set(m.Body ?? "", (seen.get(m.Body ?? "") ?? 0) + 1);
      if (messages.length > 0) {
        await b.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: resultsUrl,
            Entries: messages.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? "" })),
          }),
        );
      }
    }
    const missing = [...acked].filter((id) => !seen.has(id));
    const duplicatesOf = (prefix: string) =>
      [...seen].filter(([id]) => id.startsWith(prefix)).reduce((n, [, count]) => n + count - 1, 0);
    const unacknowledgedRan = [...seen.keys()].filter((id) => !acked.has(id)).length;
    console.log(
      `crash safety: ${acked.size} acknowledged (${[...acked].filter((id) => id.startsWith("a-")).length} async, ` +
        `${[...acked].filter((id) => id.startsWith("q-")).length} queue), ${missing.length} lost, ` +
        `duplicate runs: ${duplicatesOf("a-")} async, ${duplicatesOf("q-")} queue; ` +
        `${unacknowledgedRan} unacknowledged that ran anyway`,
    );
    expect(missing).toEqual([]);
    b.lambda.destroy();
    b.sqs.destroy();
    await second.stop("SIGTERM");
  }, 300_000);
});

async function waitFor(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
