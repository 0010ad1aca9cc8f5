import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetEventSourceMappingCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

/**
 * Holds every request (one per batch of the sqs-gauge fixture) until released, and records the
 * most it held at once: the number of batches that ran concurrently.
 */
async function startGauge() {
  const held: ServerResponse[] = [];
  let released = false;
  let most = 0;
  const server = createServer((_req, res) => {
    if (released) return void res.end("go");
    held.push(res);
    most = Math.max(most, held.length);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get holding() {
      return held.length;
    },
    get most() {
      return most;
    },
    release() {
      released = true;
      for (const res of held.splice(0)) res.end("go");
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

const until = async (check: () => Promise<boolean> | boolean) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 100));
};

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl as string, arn: out.Attributes?.QueueArn as string };
}

async function sendMany(sqs: SQSClient, url: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.slice(i, i + 10).map((MessageBody, n) => ({ Id: `e${n}`, MessageBody })),
      }),
    );
  }
}

async function left(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

/** Bodies the sqs-batch fixture reported to the result queue, until `count` arrived. */
async function reported(sqs: SQSClient, resultUrl: string, count: number): Promise<string[]> {
  const bodies: string[] = [];
  while (bodies.length < count) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resultUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    for (const m of out.Messages ?? []) {
      const { records } = JSON.parse(m.Body as string) as { records: { body: string }[] };
      bodies.push(...records.map((r) => r.body));
    }
  }
  return bodies;
}

async function lastResult(lambda: LambdaClient, uuid: string): Promise<string | undefined> {
  return (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).LastProcessingResult;
}

describe("event source mapping scaling", () => {
  let nimbus: TestNimbus;
  let sqs: SQSClient;
  let gauge: Awaited<ReturnType<typeof startGauge>>;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sqs = new SQSClient(clientConfig(nimbus.url));
    gauge = await startGauge();
    await createFixtureFunction(nimbus.lambda, "esm-gauge", "node/sqs-gauge", {
      env: { GAUGE_URL: gauge.url },
      timeout: 30,
      memory: 128,
    });
  });

  afterAll(async () => {
    gauge.release();
    gauge.close();
    sqs.destroy();
    await nimbus.stop();
  });

  it("runs more batches at once while messages remain, never more than MaximumConcurrency", async () => {
    const queue = await createQueue(sqs, "esm-scale");
    await sendMany(
      sqs,
      queue.url,
      Array.from({ length: 12 }, (_, i) => `s${i}`),
    );
    await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: queue.arn,
        FunctionName: "esm-gauge",
        BatchSize: 1,
        ScalingConfig: { MaximumConcurrency: 3 },
      }),
    );
    // Two pollers at first; a third joins because the queue still has messages.
    await until(() => gauge.holding === 3);
    // Nine messages wait, yet no fourth batch starts while three run.
    await new Promise((r) => setTimeout(r, 1500));
    expect(gauge.most).toBe(3);
    gauge.release();
    await until(async () => (await left(sqs, queue.url)) === 0);
    expect(gauge.most).toBe(3);
  });
});

describe("event source mapping lifecycle", () => {
  let nimbus: TestNimbus;
  let sqs: SQSClient;
  let resultUrl: string;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sqs = new SQSClient(clientConfig(nimbus.url));
    resultUrl = (await createQueue(sqs, "esm-life-results")).url;
  });

  afterAll(async () => {
    sqs.destroy();
    await nimbus.stop();
  });

  it("keeps the mapping of a deleted function, fails its batches, and resumes when the function is back", async () => {
    const queue = await createQueue(sqs, "esm-orphan", { VisibilityTimeout: "2" });
    const env = { RESULT_QUEUE_URL: resultUrl };
    await createFixtureFunction(nimbus.lambda, "esm-orphan-fn", "node/sqs-batch", { env, timeout: 2 });
    const { UUID } = await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({ EventSourceArn: queue.arn, FunctionName: "esm-orphan-fn" }),
    );
    await nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: "esm-orphan-fn" }));
    await sendMany(sqs, queue.url, ["orphan 1", "orphan 2"]);
    await until(
      async () => (await lastResult(nimbus.lambda, UUID as string))?.includes("Function not found") === true,
    );
    expect(await left(sqs, queue.url)).toBe(2);

    await createFixtureFunction(nimbus.lambda, "esm-orphan-fn", "node/sqs-batch", { env, timeout: 2 });
    expect((await reported(sqs, resultUrl, 2)).sort()).toEqual(["orphan 1", "orphan 2"]);
    await until(async () => (await left(sqs, queue.url)) === 0);
    await until(async () => (await lastResult(nimbus.lambda, UUID as string)) === "OK");
  });

  it("keeps a mapping whose queue was deleted and reports the problem", async () => {
    const queue = await createQueue(sqs, "esm-gone");
    await createFixtureFunction(nimbus.lambda, "esm-gone-fn", "node/sqs-batch", {
      env: { RESULT_QUEUE_URL: resultUrl },
      timeout: 2,
    });
    const { UUID } = await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({ EventSourceArn: queue.arn, FunctionName: "esm-gone-fn" }),
    );
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    await until(
      async () => (await lastResult(nimbus.lambda, UUID as string))?.startsWith("PROBLEM: ") === true,
    );
    const mapping = await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID }));
    expect(mapping).toMatchObject({ State: "Enabled", EventSourceArn: queue.arn });
    expect(mapping.LastProcessingResult).toMatch(/queue/i);
  });

  it("deletes nothing while the function is throttled, and delivers once it may run", async () => {
    const queue = await createQueue(sqs, "esm-throttled", { VisibilityTimeout: "2" });
    await createFixtureFunction(nimbus.lambda, "esm-throttled-fn", "node/sqs-batch", {
      env: { RESULT_QUEUE_URL: resultUrl },
      timeout: 2,
    });
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: "esm-throttled-fn",
        ReservedConcurrentExecutions: 0,
      }),
    );
    const { UUID } = await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({ EventSourceArn: queue.arn, FunctionName: "esm-throttled-fn" }),
    );
    await sendMany(sqs, queue.url, ["held 1", "held 2", "held 3"]);
    await until(
      async () => (await lastResult(nimbus.lambda, UUID as string)) === "PROBLEM: Function call throttled",
    );
    expect(await left(sqs, queue.url)).toBe(3);

    await nimbus.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "esm-throttled-fn" }));
    expect((await reported(sqs, resultUrl, 3)).sort()).toEqual(["held 1", "held 2", "held 3"]);
    await until(async () => (await left(sqs, queue.url)) === 0);
  });
});

describe("event source mappings across a restart", () => {
  it("starts the pollers of enabled mappings when the server starts", async () => {
    const first = await startNimbus();
    const dataDir = first.dataDir;
    let sqs = new SQSClient(clientConfig(first.url));
    const queue = await createQueue(sqs, "esm-restart");
    const results = await createQueue(sqs, "esm-restart-results");
    await createFixtureFunction(first.lambda, "esm-restart-fn", "node/sqs-batch", {
      env: { RESULT_QUEUE_URL: results.url },
      timeout: 5,
    });
    await first.lambda.send(
      new CreateEventSourceMappingCommand({ EventSourceArn: queue.arn, FunctionName: "esm-restart-fn" }),
    );
    sqs.destroy();
    await first.stop(false);

    const second = await startNimbus({ dataDir });
    sqs = new SQSClient(clientConfig(second.url));
    try {
      // The new server listens on another port: point the function's SDK calls at it.
      const resultUrl = results.url.replace(first.url, second.url);
      await second.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: "esm-restart-fn",
          Environment: { Variables: { RESULT_QUEUE_URL: resultUrl } },
        }),
      );
      await sendMany(sqs, queue.url.replace(first.url, second.url), ["after restart"]);
      expect(await reported(sqs, resultUrl, 1)).toEqual(["after restart"]);
    } finally {
      sqs.destroy();
      await second.stop();
    }
  });
});
