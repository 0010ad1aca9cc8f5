import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { GetAliasCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NimbusServer, startServer } from "../../packages/platform/src/index.js";
import { until } from "../support/async.js";
import { clientConfig } from "../support/nimbus.js";
import { OffsetClock } from "../support/offset-clock.js";
import { nimbusDeploy, stackOutputs } from "../support/stacks.js";

// Every app in examples/ deployed with `nimbus deploy` (the CLI, as a user runs it) against a
// real server, then exercised the way its README says.

const ROOT = resolve(import.meta.dirname, "../..");
const EXAMPLES = join(ROOT, "examples");

let server: NimbusServer;
let dataDir: string;
let workDir: string;
const clock = new OffsetClock();
let cfn: CloudFormationClient;
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nimbus-examples-"));
  workDir = await mkdtemp(join(tmpdir(), "nimbus-examples-src-"));
  server = await startServer({
    clock,
    config: {
      server: { host: "127.0.0.1", port: 0, dataDir },
      log: { level: "silent" },
      // Async retries 100x sooner than AWS's minute-scale delays.
      async: { retryDelayScale: 0.01 },
    },
  });
  cfn = new CloudFormationClient(clientConfig(server.url));
  s3 = new S3Client({ ...clientConfig(server.url), forcePathStyle: true });
  sqs = new SQSClient(clientConfig(server.url));
});

afterAll(async () => {
  cfn?.destroy();
  s3?.destroy();
  sqs?.destroy();
  await server?.close({ graceMs: 2000 });
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

/** `nimbus deploy` of an example folder; answers the stack's outputs. */
async function deploy(
  folder: string,
  stackName: string,
  extra: string[] = [],
): Promise<Record<string, string>> {
  await nimbusDeploy(server.url, join(folder, "template.yaml"), stackName, extra);
  const { status, outputs } = await stackOutputs(cfn, stackName);
  expect(status).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
  return outputs;
}

describe("examples/rest-crud", () => {
  it("serves create, read, update, list and delete through the REST API", async () => {
    const outputs = await deploy(join(EXAMPLES, "rest-crud"), "rest-crud");
    const base = `${server.url}/_nimbus/execute-api/${outputs.RestApiId}/Prod`;
    const created = await fetch(`${base}/items`, {
      method: "POST",
      body: JSON.stringify({ name: "milk", quantity: 2 }),
    });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string; name: string };
    expect(item.name).toBe("milk");
    const updated = await fetch(`${base}/items/${item.id}`, {
      method: "PUT",
      body: JSON.stringify({ quantity: 3 }),
    });
    expect(await updated.json()).toMatchObject({ id: item.id, name: "milk", quantity: 3 });
    const listed = (await (await fetch(`${base}/items`)).json()) as { items: { id: string }[] };
    expect(listed.items.map((i) => i.id)).toEqual([item.id]);
    expect((await fetch(`${base}/items/${item.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${base}/items/${item.id}`)).status).toBe(404);
  });
});

describe("examples/thumbnails", () => {
  it("turns an uploaded image into a 100 px thumbnail", async () => {
    const folder = join(workDir, "thumbnails");
    await cp(join(EXAMPLES, "thumbnails"), folder, { recursive: true });
    // What `npm install --prefix layers/sharp/nodejs` would install, from this repo's node_modules.
    for (const name of [
      "sharp",
      "@img/colour",
      "@img/sharp-linux-x64",
      "@img/sharp-libvips-linux-x64",
      "detect-libc",
      "semver",
    ]) {
      await cp(join(ROOT, "node_modules", name), join(folder, "layers/sharp/nodejs/node_modules", name), {
        recursive: true,
      });
    }
    const outputs = await deploy(folder, "thumbnails");
    const image = await sharp({ create: { width: 400, height: 300, channels: 3, background: "#3366cc" } })
      .png()
      .toBuffer();
    await s3.send(
      new PutObjectCommand({
        Bucket: outputs.SourceBucketName,
        Key: "photo.png",
        Body: image,
        ContentType: "image/png",
      }),
    );
    const thumbnail = await until("the thumbnail", async () => {
      const got = await s3
        .send(new GetObjectCommand({ Bucket: outputs.ThumbnailBucketName, Key: "thumbnails/photo.png" }))
        .catch(() => undefined);
      return got?.Body ? Buffer.from(await got.Body.transformToByteArray()) : undefined;
    });
    const metadata = await sharp(thumbnail).metadata();
    expect(metadata.width).toBe(100);
    expect(metadata.height).toBe(75);
  });
});

describe("examples/hourly-report", () => {
  it("runs the report at the top of the next hour", async () => {
    const outputs = await deploy(join(EXAMPLES, "hourly-report"), "hourly-report");
    await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key: "uploads/a.txt", Body: "a" }));
    clock.advance(3_600_000);
    const reports = await until("a report", async () => {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: outputs.BucketName, Prefix: "reports/" }),
      );
      return listed.Contents?.length ? listed.Contents : undefined;
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: outputs.BucketName, Key: reports[0]?.Key }));
    const report = JSON.parse((await got.Body?.transformToString()) ?? "{}") as { totalUploads: number };
    expect(report.totalUploads).toBe(1);
  });
});

describe("examples/order-approval", () => {
  it("waits for the approval, then fulfils the order", async () => {
    const outputs = await deploy(join(EXAMPLES, "order-approval"), "order-approval");
    const sfn = new SFNClient(clientConfig(server.url));
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: outputs.StateMachineArn,
          input: JSON.stringify({ orderId: "o-1", items: [{ sku: "book", price: 12.5, quantity: 2 }] }),
        }),
      );
      const message = await until("the approval request", async () => {
        const got = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: outputs.ApprovalQueueUrl, WaitTimeSeconds: 1 }),
        );
        return got.Messages?.[0];
      });
      const request = JSON.parse(message.Body ?? "{}") as { taskToken: string; order: { total: number } };
      expect(request.order.total).toBe(25);
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: outputs.ApprovalQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
      const decided = await fetch(`${server.url}/_nimbus/execute-api/${outputs.ApprovalApiId}/approvals`, {
        method: "POST",
        body: JSON.stringify({ taskToken: request.taskToken, approved: true, approver: "ana" }),
      });
      expect(decided.status).toBe(200);
      const done = await until("the execution to finish", async () => {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return d.status === "RUNNING" ? undefined : d;
      });
      expect(done.status).toBe("SUCCEEDED");
      expect(JSON.parse(done.output ?? "{}")).toEqual({
        orderId: "o-1",
        status: "FULFILLED",
        total: 25,
        approvedBy: "ana",
      });
    } finally {
      sfn.destroy();
    }
  });
});

describe("examples/blue-green", () => {
  it("shifts the live alias to a new version gradually, and a broken release rolls back", async () => {
    const folder = join(EXAMPLES, "blue-green");
    const first = await deploy(folder, "blue-green");
    const lambda = new (await import("@aws-sdk/client-lambda")).LambdaClient(clientConfig(server.url));
    try {
      const fn = first.GreetingFunctionName ?? "";
      const v1 = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
      // The second release: the deploy waits while traffic shifts; the test moves the clock.
      const second = deploy(folder, "blue-green", ["--parameter-overrides", "Greeting=bonjour"]);
      const canary = await until("the canary weight", async () => {
        const alias = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
        const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
        return Object.keys(weights).length > 0 ? { alias, weights } : undefined;
      });
      expect(canary.alias.FunctionVersion).toBe(v1.FunctionVersion);
      expect(Object.values(canary.weights)).toEqual([0.1]);
      clock.advance(5 * 60_000 + 1000);
      await second;
      const v2 = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
      expect(Number(v2.FunctionVersion)).toBeGreaterThan(Number(v1.FunctionVersion));
      expect(v2.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
      const invoked = await lambda.send(
        new InvokeCommand({ FunctionName: fn, Qualifier: "live", Payload: "{}" }),
      );
      expect(JSON.parse(Buffer.from(invoked.Payload ?? []).toString())).toMatchObject({
        greeting: "bonjour",
      });

      // A broken release: the pre-traffic hook's smoke test fails, the alias stays on v2.
      await expect(deploy(folder, "blue-green", ["--parameter-overrides", "Greeting=fail"])).rejects.toThrow(
        /failed/,
      );
      const after = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
      expect(after.FunctionVersion).toBe(v2.FunctionVersion);
    } finally {
      lambda.destroy();
    }
  });
});

describe("examples/async-retries", () => {
  it("retries a failing event twice, then it lands in the dead-letter queue; a good one reaches the success queue", async () => {
    const outputs = await deploy(join(EXAMPLES, "async-retries"), "async-retries");
    const lambda = new (await import("@aws-sdk/client-lambda")).LambdaClient(clientConfig(server.url));
    try {
      for (const payment of [
        { paymentId: "p-bad", card: "4111000000000000", amount: 5 },
        { paymentId: "p-good", card: "4111111111111111", amount: 7 },
      ]) {
        await lambda.send(
          new InvokeCommand({
            FunctionName: outputs.FunctionName,
            InvocationType: "Event",
            Payload: JSON.stringify(payment),
          }),
        );
      }
      const receiveOne = (QueueUrl: string) =>
        until(`a message in ${QueueUrl}`, async () => {
          const got = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] }),
          );
          return got.Messages?.[0];
        });
      const succeeded = await receiveOne(outputs.SucceededQueueUrl ?? "");
      expect(JSON.parse(succeeded.Body ?? "{}")).toMatchObject({
        responsePayload: { paymentId: "p-good", status: "CHARGED" },
      });
      // Retries ~0.6 s and ~1.2 s apart at this server's delay scale.
      const dead = await receiveOne(outputs.DeadLetterQueueUrl ?? "");
      expect(JSON.parse(dead.Body ?? "{}")).toMatchObject({ paymentId: "p-bad" });
      expect(dead.MessageAttributes?.ErrorMessage?.StringValue).toBe("card 4111000000000000 was declined");
    } finally {
      lambda.destroy();
    }
  });
});
