import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const run = promisify(execFile);
let nimbus: TestNimbus;
let cli: string | undefined;

beforeAll(async () => {
  cli = requireAwsCli();
  nimbus = await startNimbus();
});

afterAll(async () => {
  await nimbus.stop();
});

describe("the AWS CLI (Debian awscli) against Nimbus's SNS", () => {
  it("creates a topic, subscribes, publishes, lists subscriptions and reports an error", async ({ skip }) => {
    if (!cli) skip();
    const path = cli as string;
    const sns = async (...args: string[]) => JSON.parse(await aws(path, nimbus.url, ["sns", ...args]));

    const { TopicArn } = await sns(
      "create-topic",
      "--name",
      "cli-topic",
      "--attributes",
      "DisplayName=From CLI",
    );
    expect(TopicArn).toBe("arn:aws:sns:us-east-1:000000000000:cli-topic");
    const attrs = await sns("get-topic-attributes", "--topic-arn", TopicArn);
    expect(attrs.Attributes.DisplayName).toBe("From CLI");

    const endpoint = "arn:aws:lambda:us-east-1:000000000000:function:cli-consumer";
    const { SubscriptionArn } = await sns(
      "subscribe",
      "--topic-arn",
      TopicArn,
      "--protocol",
      "lambda",
      "--notification-endpoint",
      endpoint,
      "--attributes",
      JSON.stringify({ FilterPolicy: JSON.stringify({ kind: ["a", "b"] }) }),
    );
    expect(SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:cli-topic:[0-9a-f-]{36}$/);

    const published = await sns(
      "publish",
      "--topic-arn",
      TopicArn,
      "--message",
      "from the cli",
      "--subject",
      "CLI",
      "--message-attributes",
      JSON.stringify({ kind: { DataType: "String", StringValue: "a" } }),
    );
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await sns("list-subscriptions-by-topic", "--topic-arn", TopicArn);
    expect(listed.Subscriptions).toEqual([
      { SubscriptionArn, Owner: "000000000000", Protocol: "lambda", Endpoint: endpoint, TopicArn },
    ]);
    const topics = await sns("list-topics");
    expect(topics.Topics).toContainEqual({ TopicArn });

    const failure = await run(
      path,
      [
        "--endpoint-url",
        nimbus.url,
        "--no-cli-pager",
        "sns",
        "get-topic-attributes",
        "--topic-arn",
        "arn:aws:sns:us-east-1:000000000000:missing",
      ],
      {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/tmp",
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_DEFAULT_REGION: "us-east-1",
        },
      },
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(254);
    expect(failure?.stderr).toContain(
      "An error occurred (NotFound) when calling the GetTopicAttributes operation: Topic does not exist",
    );

    expect(await aws(path, nimbus.url, ["sns", "delete-topic", "--topic-arn", TopicArn])).toBe("");
  });
});
