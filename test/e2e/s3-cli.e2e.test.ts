import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const cli = requireAwsCli();

describe.skipIf(!cli)("the AWS CLI's s3 commands", () => {
  let nimbus: TestNimbus;
  let dir: string;
  const run = (...args: string[]) => aws(cli as string, nimbus.url, args, { timeoutMs: 120_000 });

  beforeAll(async () => {
    nimbus = await startNimbus();
    dir = await mkdtemp(join(tmpdir(), "nimbus-s3-cli-"));
  });

  afterAll(async () => {
    await nimbus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("mb, cp up and down (a 12 MB file goes multipart), ls, sync, rm --recursive, rb", async () => {
    expect(await run("s3", "mb", "s3://cli-bucket")).toContain("make_bucket: cli-bucket");
    expect(await run("s3", "ls")).toContain("cli-bucket");

    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await writeFile(join(dir, "big.bin"), big);
    await run("s3", "cp", join(dir, "big.bin"), "s3://cli-bucket/data/big.bin");
    const head = JSON.parse(
      await run("s3api", "head-object", "--bucket", "cli-bucket", "--key", "data/big.bin"),
    );
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toMatch(/-\d+"$/);
    await run("s3", "cp", "s3://cli-bucket/data/big.bin", join(dir, "big-back.bin"));
    const back = await readFile(join(dir, "big-back.bin"));
    expect(createHash("sha256").update(back).digest("hex")).toBe(
      createHash("sha256").update(big).digest("hex"),
    );

    const site = join(dir, "site");
    await mkdir(join(site, "css"), { recursive: true });
    await writeFile(join(site, "index.html"), "<h1>hi</h1>");
    await writeFile(join(site, "css", "main.css"), "body{}");
    await writeFile(join(site, "with space.txt"), "spaced");
    const synced = await run("s3", "sync", site, "s3://cli-bucket/site");
    expect(synced).toContain("upload:");
    expect(await run("s3", "sync", site, "s3://cli-bucket/site")).toBe("");

    const top = await run("s3", "ls", "s3://cli-bucket/");
    expect(top).toContain("PRE data/");
    expect(top).toContain("PRE site/");
    const recursive = await run("s3", "ls", "--recursive", "s3://cli-bucket/site/");
    expect(recursive).toContain("site/css/main.css");
    expect(recursive).toContain("site/with space.txt");

    const down = join(dir, "down");
    await run("s3", "sync", "s3://cli-bucket/site", down);
    expect(await readFile(join(down, "css", "main.css"), "utf8")).toBe("body{}");
    expect(await readFile(join(down, "with space.txt"), "utf8")).toBe("spaced");

    await expect(run("s3", "rb", "s3://cli-bucket")).rejects.toThrow(/BucketNotEmpty/);
    const removed = await run("s3", "rm", "--recursive", "s3://cli-bucket/");
    expect(removed).toContain("delete: s3://cli-bucket/site/index.html");
    expect(await run("s3", "ls", "--recursive", "s3://cli-bucket/")).toBe("");
    expect(await run("s3", "rb", "s3://cli-bucket")).toContain("remove_bucket: cli-bucket");
  });

  it("s3api put-bucket-notification-configuration sends events to a queue", async () => {
    const sqs = new SQSClient(clientConfig(nimbus.url));
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "cli-events" }));
      await run("s3", "mb", "s3://cli-notify");
      const config = {
        QueueConfigurations: [
          { QueueArn: "arn:aws:sqs:us-east-1:000000000000:cli-events", Events: ["s3:ObjectCreated:*"] },
        ],
      };
      await run(
        "s3api",
        "put-bucket-notification-configuration",
        "--bucket",
        "cli-notify",
        "--notification-configuration",
        JSON.stringify(config),
      );
      const got = JSON.parse(
        await run("s3api", "get-bucket-notification-configuration", "--bucket", "cli-notify"),
      );
      expect(got.QueueConfigurations[0].Events).toEqual(["s3:ObjectCreated:*"]);
      await writeFile(join(dir, "note.txt"), "note");
      await run("s3", "cp", join(dir, "note.txt"), "s3://cli-notify/note.txt");
      const bodies: string[] = [];
      for (let i = 0; i < 20 && bodies.length < 2; i++) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        bodies.push(...(out.Messages ?? []).map((m) => m.Body ?? ""));
      }
      expect(
        bodies.some((b) => b.includes('"eventName":"ObjectCreated:Put"') && b.includes("note.txt")),
      ).toBe(true);
    } finally {
      sqs.destroy();
    }
  });
});
