import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;
let cli: string | undefined;

beforeAll(async () => {
  cli = requireAwsCli();
  nimbus = await startNimbus();
});

afterAll(async () => {
  await nimbus.stop(true);
});

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

interface CliMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  Attributes: Record<string, string>;
}

/** The members the CLI prints for the commands used here (absent ones are undefined at run time). */
interface CliOutput {
  QueueUrl: string;
  QueueUrls: string[];
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes: string;
  Messages: CliMessage[];
  Attributes: Record<string, string>;
  Successful: { Id: string }[];
  Tags: Record<string, string>;
}

/** Runs `aws sqs ...`; parses JSON output (empty output is `{}`). */
async function sqs(...args: string[]): Promise<CliOutput> {
  const out = await aws(cli as string, nimbus.url, ["sqs", ...args]);
  return JSON.parse(out.trim() === "" ? "{}" : out) as CliOutput;
}

/** Runs `aws sqs ...` expecting failure; returns the exit code and stderr. */
async function sqsFails(...args: string[]): Promise<{ code?: number; stderr?: string }> {
  return aws(cli as string, nimbus.url, ["sqs", ...args]).then(
    () => ({}),
    (error: { code?: number; stderr?: string }) => error,
  );
}

// Each CLI call starts a Python process: generous limits for a loaded machine (not a timing check).
describe("the AWS CLI (Debian awscli, query protocol) against Nimbus's SQS", { timeout: 180_000 }, () => {
  it("creates, sends with attributes, receives, changes visibility and deletes", async ({ skip }) => {
    if (!cli) skip();
    const { QueueUrl } = await sqs(
      "create-queue",
      "--queue-name",
      "cli-q",
      "--attributes",
      "VisibilityTimeout=45",
    );
    expect(QueueUrl).toBe(`${nimbus.url}/000000000000/cli-q`);
    expect((await sqs("get-queue-url", "--queue-name", "cli-q")).QueueUrl).toBe(QueueUrl);

    const attributes = {
      k: { DataType: "String", StringValue: "v" },
      n: { DataType: "Number", StringValue: "7" },
    };
    const sent = await sqs(
      "send-message",
      "--queue-url",
      QueueUrl,
      "--message-body",
      "hello from the cli",
      "--message-attributes",
      JSON.stringify(attributes),
    );
    expect(sent.MD5OfMessageBody).toBe(md5("hello from the cli"));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    const received = await sqs(
      "receive-message",
      "--queue-url",
      QueueUrl,
      "--attribute-names",
      "All",
      "--message-attribute-names",
      "All",
      "--max-number-of-messages",
      "10",
    );
    expect(received.Messages).toHaveLength(1);
    const message = received.Messages[0] as CliMessage;
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: "hello from the cli",
      MD5OfBody: sent.MD5OfMessageBody,
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      MessageAttributes: attributes,
    });
    expect(message.Attributes.ApproximateReceiveCount).toBe("1");

    await sqs(
      "change-message-visibility",
      "--queue-url",
      QueueUrl,
      "--receipt-handle",
      message.ReceiptHandle,
      "--visibility-timeout",
      "0",
    );
    const again = await sqs(
      "receive-message",
      "--queue-url",
      QueueUrl,
      "--attribute-names",
      "ApproximateReceiveCount",
    );
    expect(again.Messages[0]?.Attributes).toEqual({ ApproximateReceiveCount: "2" });
    expect(
      await sqs(
        "delete-message",
        "--queue-url",
        QueueUrl,
        "--receipt-handle",
        again.Messages[0]?.ReceiptHandle ?? "",
      ),
    ).toEqual({});
    expect(await sqs("receive-message", "--queue-url", QueueUrl)).toEqual({});
  });

  it("sends and deletes batches, gets and sets attributes, purges, lists and deletes", async ({ skip }) => {
    if (!cli) skip();
    const { QueueUrl } = await sqs(
      "create-queue",
      "--queue-name",
      "cli-batch",
      "--tags",
      "env=dev,team=core",
    );
    await sqs("tag-queue", "--queue-url", QueueUrl, "--tags", "owner=me");
    await sqs("untag-queue", "--queue-url", QueueUrl, "--tag-keys", "team");
    expect((await sqs("list-queue-tags", "--queue-url", QueueUrl)).Tags).toEqual({ env: "dev", owner: "me" });
    const sent = await sqs(
      "send-message-batch",
      "--queue-url",
      QueueUrl,
      "--entries",
      JSON.stringify([
        { Id: "one", MessageBody: "1" },
        { Id: "two", MessageBody: "2", MessageAttributes: { a: { DataType: "String", StringValue: "x" } } },
      ]),
    );
    expect(sent.Successful.map((e: { Id: string }) => e.Id).sort()).toEqual(["one", "two"]);
    const received = await sqs("receive-message", "--queue-url", QueueUrl, "--max-number-of-messages", "10");
    expect(received.Messages.map((m: { Body: string }) => m.Body).sort()).toEqual(["1", "2"]);
    const deleted = await sqs(
      "delete-message-batch",
      "--queue-url",
      QueueUrl,
      "--entries",
      JSON.stringify(
        received.Messages.map((m: { ReceiptHandle: string }, i: number) => ({
          Id: `d${i}`,
          ReceiptHandle: m.ReceiptHandle,
        })),
      ),
    );
    expect(deleted.Successful).toHaveLength(2);

    await sqs(
      "set-queue-attributes",
      "--queue-url",
      QueueUrl,
      "--attributes",
      "DelaySeconds=900,MaximumMessageSize=2048",
    );
    const attrs = await sqs("get-queue-attributes", "--queue-url", QueueUrl, "--attribute-names", "All");
    expect(attrs.Attributes).toMatchObject({
      DelaySeconds: "900",
      MaximumMessageSize: "2048",
      QueueArn: "arn:aws:sqs:us-east-1:000000000000:cli-batch",
      ApproximateNumberOfMessages: "0",
    });

    await sqs("send-message", "--queue-url", QueueUrl, "--message-body", "to purge");
    const before = await sqs(
      "get-queue-attributes",
      "--queue-url",
      QueueUrl,
      "--attribute-names",
      "ApproximateNumberOfMessagesDelayed",
    );
    expect(before.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: "1" });
    expect(await sqs("purge-queue", "--queue-url", QueueUrl)).toEqual({});
    const after = await sqs(
      "get-queue-attributes",
      "--queue-url",
      QueueUrl,
      "--attribute-names",
      "ApproximateNumberOfMessagesDelayed",
    );
    expect(after.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: "0" });

    const listed = await sqs("list-queues", "--queue-name-prefix", "cli-b");
    expect(listed.QueueUrls).toEqual([QueueUrl]);
    expect(await sqs("delete-queue", "--queue-url", QueueUrl)).toEqual({});
    expect(await sqs("list-queues", "--queue-name-prefix", "cli-b")).toEqual({});
  });

  it("creates a FIFO queue and receives in order per group", async ({ skip }) => {
    if (!cli) skip();
    const { QueueUrl } = await sqs(
      "create-queue",
      "--queue-name",
      "cli.fifo",
      "--attributes",
      "FifoQueue=true,ContentBasedDeduplication=true",
    );
    for (const body of ["first", "second"])
      await sqs("send-message", "--queue-url", QueueUrl, "--message-body", body, "--message-group-id", "g");
    const received = await sqs(
      "receive-message",
      "--queue-url",
      QueueUrl,
      "--max-number-of-messages",
      "10",
      "--attribute-names",
      "All",
    );
    expect(received.Messages.map((m: { Body: string }) => m.Body)).toEqual(["first", "second"]);
    expect(received.Messages[0]?.Attributes.MessageGroupId).toBe("g");
    expect(received.Messages[0]?.Attributes.SequenceNumber).toMatch(/^\d+$/);
  });

  it("reports a missing queue with SQS's error code", async ({ skip }) => {
    if (!cli) skip();
    const failure = await sqsFails("get-queue-url", "--queue-name", "no-such-queue");
    expect(failure.code).toBe(254);
    expect(failure.stderr).toContain(
      "An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.",
    );
    const invalid = await sqsFails(
      "create-queue",
      "--queue-name",
      "cli-q2",
      "--attributes",
      "VisibilityTimeout=99999",
    );
    expect(invalid.stderr).toContain("(InvalidAttributeValue)");
  });
});
