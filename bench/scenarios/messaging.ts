import { join, resolve } from "node:path";
import amqp from "amqplib";
import { zipDirectory } from "../../test/support/zip.js";
import { HttpClient } from "../lib/http-client.js";
import { type NimbusProcess, startNimbusProcess } from "../lib/nimbus-process.js";
import { fmt } from "../lib/report.js";

const FIXTURES = resolve(import.meta.dirname, "../../test/fixtures/functions");
const ROLE = "arn:aws:iam::000000000000:role/bench";
const RABBIT_URL = process.env.BENCH_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
/** A small JSON body, the same for every system measured. */
const BODY = JSON.stringify({ orderId: "0000000000", amount: 42, note: "x".repeat(64) });

interface Rate {
  messages: number;
  ms: number;
}
const perSecond = (r: Rate) => (r.messages * 1000) / r.ms;

/**
 * Issue 4's benchmarks, each beside the same number of messages through RabbitMQ (durable queue,
 * persistent messages, publisher confirms, manual acks) measured in the same run:
 * queue send+receive+delete, async invoke accepted -> function ran, queue -> mapping -> function.
 */
export async function messaging(options: { messages: number }): Promise<string[]> {
  const n = options.messages;
  process.stderr.write("RabbitMQ reference...\n");
  const rabbit = await rabbitReference(n);
  const nimbus = await startNimbusProcess(["--prestart", "1"]);
  // Let the pre-started runtimes finish starting and the JIT warm up before the clock runs.
  await new Promise((r) => setTimeout(r, 2000));
  await queueRun(nimbus, 5000, 10, "bench-warmup");
  const rows: string[] = [];
  const row = (what: string, client: string, rate: Rate) =>
    rows.push(
      `| ${what} | ${client} | ${rate.messages} | ${fmt(rate.ms)} | ${fmt(perSecond(rate))} | ` +
        `**${fmt(perSecond(rate) / perSecond(rabbit), 2)}** |`,
    );
  try {
    process.stderr.write("queue, batch API...\n");
    row(
      "Queue send + receive + delete",
      "batches of 10, 8 senders, 8 receivers",
      await queueRun(nimbus, n, 10),
    );
    process.stderr.write("queue, single-message API...\n");
    row(
      "Queue send + receive + delete",
      "SendMessage / DeleteMessage one by one, 8 + 4 loops",
      await queueRun(nimbus, Math.min(n, 10_000), 1),
    );
    process.stderr.write("async invoke...\n");
    row(
      "Async invoke, accepted -> function ran",
      "Invoke Event, 16 callers",
      await asyncRun(nimbus, Math.min(n, 20_000)),
    );
    process.stderr.write("queue -> mapping -> function...\n");
    row(
      "Queue -> event source mapping -> function",
      "SendMessageBatch; BatchSize 10",
      await mappingRun(nimbus, Math.min(n, 20_000)),
    );
  } finally {
    await nimbus.stop();
  }
  const table = [
    `### Messaging throughput vs RabbitMQ (${n} messages)`,
    "",
    "The Nimbus server is warmed up first (2 s, then 5,000 queue messages not counted). " +
      `RabbitMQ reference in the same run: **${fmt(perSecond(rabbit))} msg/s** (${rabbit.messages} messages in ` +
      `${fmt(rabbit.ms)} ms; amqplib, durable queue, persistent messages, publisher confirms, one consumer ` +
      "with prefetch 100 and manual acks). Nimbus is driven over HTTP on loopback with the SQS JSON " +
      "protocol (unsigned requests, node:http keep-alive client in the benchmark process); its server runs in its own process with the embedded " +
      "SQLite store. Every message is acknowledged durably before the reply.",
    "",
    "| scenario | client | messages | ms | msg/s | Nimbus / RabbitMQ |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    "Target (issue 4): queues at no less than half of RabbitMQ's durable throughput.",
  ];
  return [table.join("\n")];
}

async function rabbitReference(n: number): Promise<Rate> {
  const connection = await amqp.connect(RABBIT_URL);
  try {
    const channel = await connection.createConfirmChannel();
    const queue = "nimbus-bench";
    await channel.assertQueue(queue, { durable: true });
    await channel.purgeQueue(queue);
    const consumer = await connection.createChannel();
    await consumer.prefetch(100);
    const started = performance.now();
    let acked = 0;
    const consumed = new Promise<void>((done) => {
      void consumer.consume(queue, (msg) => {
        if (!msg) return;
        consumer.ack(msg);
        if (++acked === n) done();
      });
    });
    const body = Buffer.from(BODY);
    for (let i = 0; i < n; i++) {
      if (!channel.sendToQueue(queue, body, { persistent: true })) {
        await new Promise((r) => channel.once("drain", r));
      }
      if (i % 1000 === 999) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
    await consumed;
    const ms = performance.now() - started;
    await consumer.close();
    await channel.deleteQueue(queue);
    await channel.close();
    return { messages: n, ms };
  } finally {
    await connection.close();
  }
}

const clients = new WeakMap<NimbusProcess, HttpClient>();
function client(nimbus: NimbusProcess): HttpClient {
  let c = clients.get(nimbus);
  if (!c) {
    c = new HttpClient(nimbus.url);
    clients.set(nimbus, c);
  }
  return c;
}

async function sqs(nimbus: NimbusProcess, op: string, input: unknown): Promise<Record<string, unknown>> {
  const { status, text } = await client(nimbus).send(
    "POST",
    "/",
    { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${op}` },
    JSON.stringify(input),
  );
  if (status !== 200) throw new Error(`${op}: ${status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function lambda(nimbus: NimbusProcess, method: string, path: string, body?: unknown, headers = {}) {
  const { status, text } = await client(nimbus).send(
    method,
    path,
    { "content-type": "application/json", ...headers },
    body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  );
  if (status >= 300) throw new Error(`${method} ${path}: ${status} ${text}`);
  return text;
}

async function createQueue(nimbus: NimbusProcess, name: string): Promise<string> {
  const out = await sqs(nimbus, "CreateQueue", { QueueName: name, Attributes: { VisibilityTimeout: "60" } });
  return String(out.QueueUrl);
}

/** Sends n messages (batches of `batch`, or one by one) while receivers drain and delete them. */
async function queueRun(
  nimbus: NimbusProcess,
  n: number,
  batch: number,
  name = `bench-q-${batch}`,
): Promise<Rate> {
  const queueUrl = await createQueue(nimbus, name);
  const started = performance.now();
  let toSend = n;
  let received = 0;
  const senders = Array.from({ length: 8 }, async () => {
    while (toSend > 0) {
      const count = Math.min(batch, toSend);
      toSend -= count;
      if (batch === 1) await sqs(nimbus, "SendMessage", { QueueUrl: queueUrl, MessageBody: BODY });
      else
        await sqs(nimbus, "SendMessageBatch", {
          QueueUrl: queueUrl,
          Entries: Array.from({ length: count }, (_, i) => ({ Id: String(i), MessageBody: BODY })),
        });
    }
  });
  const receivers = Array.from({ length: batch === 1 ? 4 : 8 }, async () => {
    while (received < n) {
      const out = await sqs(nimbus, "ReceiveMessage", {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      });
      const messages = (out.Messages ?? []) as { ReceiptHandle: string }[];
      if (messages.length === 0) continue;
      received += messages.length;
      if (batch === 1) {
        await Promise.all(
          messages.map((m) =>
            sqs(nimbus, "DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
          ),
        );
      } else {
        await sqs(nimbus, "DeleteMessageBatch", {
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        });
      }
    }
  });
  await Promise.all([...senders, ...receivers]);
  return { messages: n, ms: performance.now() - started };
}

async function createHello(nimbus: NimbusProcess, name: string): Promise<void> {
  const zip = await zipDirectory(join(FIXTURES, "node/hello"));
  await lambda(nimbus, "POST", "/2015-03-31/functions", {
    FunctionName: name,
    Runtime: "nodejs20.x",
    Handler: "index.handler",
    Role: ROLE,
    MemorySize: 256,
    Code: { ZipFile: zip.toString("base64") },
  });
}

/** Sum of nimbus_invocations_total for one function, from the Prometheus endpoint. */
async function invocations(nimbus: NimbusProcess, fn: string): Promise<number> {
  const { text } = await client(nimbus).send("GET", "/_nimbus/metrics", {});
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("nimbus_invocations_total{") && line.includes(`function="${fn}"`)) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

/** n Event invokes from 16 callers; the clock stops when the function has run n times. */
async function asyncRun(nimbus: NimbusProcess, n: number): Promise<Rate> {
  const fn = "bench-async";
  await createHello(nimbus, fn);
  await lambda(nimbus, "POST", `/2015-03-31/functions/${fn}/invocations`, BODY); // warm
  const base = await invocations(nimbus, fn);
  const started = performance.now();
  let toSend = n;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (toSend > 0) {
        toSend--;
        await lambda(nimbus, "POST", `/2015-03-31/functions/${fn}/invocations`, BODY, {
          "x-amz-invocation-type": "Event",
        });
      }
    }),
  );
  while ((await invocations(nimbus, fn)) - base < n) await new Promise((r) => setTimeout(r, 20));
  return { messages: n, ms: performance.now() - started };
}

/** n messages into a queue with a mapping to a function; the clock stops when the queue is empty. */
async function mappingRun(nimbus: NimbusProcess, n: number): Promise<Rate> {
  const fn = "bench-mapped";
  await createHello(nimbus, fn);
  const queueUrl = await createQueue(nimbus, "bench-mapped");
  const attrs = await sqs(nimbus, "GetQueueAttributes", { QueueUrl: queueUrl, AttributeNames: ["QueueArn"] });
  const queueArn = (attrs.Attributes as Record<string, string>).QueueArn;
  await lambda(nimbus, "POST", "/2015-03-31/event-source-mappings/", {
    EventSourceArn: queueArn,
    FunctionName: fn,
    BatchSize: 10,
  });
  const started = performance.now();
  let toSend = n;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (toSend > 0) {
        const count = Math.min(10, toSend);
        toSend -= count;
        await sqs(nimbus, "SendMessageBatch", {
          QueueUrl: queueUrl,
          Entries: Array.from({ length: count }, (_, i) => ({ Id: String(i), MessageBody: BODY })),
        });
      }
    }),
  );
  for (;;) {
    const out = await sqs(nimbus, "GetQueueAttributes", {
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    });
    const a = out.Attributes as Record<string, string>;
    if (Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { messages: n, ms: performance.now() - started };
}
