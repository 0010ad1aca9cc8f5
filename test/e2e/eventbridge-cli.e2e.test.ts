import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;
let cli: string | undefined;
const QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:cli-events";

beforeAll(async () => {
  cli = requireAwsCli();
  nimbus = await startNimbus();
});

afterAll(async () => {
  await nimbus.stop();
});

describe("the AWS CLI (Debian awscli) against Nimbus's EventBridge and Scheduler", () => {
  it("puts a rule, a target and events, and reads the event from the queue", async ({ skip }) => {
    if (!cli) skip();
    const run = async (...args: string[]) => {
      const out = await aws(cli as string, nimbus.url, args);
      return out.trim() === "" ? {} : JSON.parse(out);
    };
    const { QueueUrl } = await run("sqs", "create-queue", "--queue-name", "cli-events");
    const { RuleArn } = await run(
      "events",
      "put-rule",
      "--name",
      "cli-rule",
      "--event-pattern",
      JSON.stringify({ source: ["cli.app"], detail: { level: [{ "anything-but": "debug" }] } }),
    );
    expect(RuleArn).toBe("arn:aws:events:us-east-1:000000000000:rule/cli-rule");
    const targets = await run(
      "events",
      "put-targets",
      "--rule",
      "cli-rule",
      "--targets",
      JSON.stringify([
        {
          Id: "q",
          Arn: QUEUE_ARN,
          InputTransformer: {
            InputPathsMap: { level: "$.detail.level" },
            InputTemplate: '{"level": <level>}',
          },
        },
      ]),
    );
    expect(targets.FailedEntryCount).toBe(0);
    const put = await run(
      "events",
      "put-events",
      "--entries",
      JSON.stringify([
        { Source: "cli.app", DetailType: "Log", Detail: '{"level":"debug"}' },
        { Source: "cli.app", DetailType: "Log", Detail: '{"level":"error"}' },
      ]),
    );
    expect(put.FailedEntryCount).toBe(0);
    let body: string | undefined;
    for (let i = 0; i < 20 && !body; i++) {
      const got = await run("sqs", "receive-message", "--queue-url", QueueUrl, "--wait-time-seconds", "1");
      body = got.Messages?.[0]?.Body;
    }
    expect(body).toBe('{"level": "error"}');
    const listed = await run("events", "list-targets-by-rule", "--rule", "cli-rule");
    expect(listed.Targets[0].Arn).toBe(QUEUE_ARN);
    await expect(
      aws(cli as string, nimbus.url, ["events", "delete-rule", "--name", "cli-rule"]),
    ).rejects.toThrow(/ValidationException.*Rule can't be deleted since it has targets/s);
  });

  it("creates, gets and deletes a schedule", async ({ skip }) => {
    if (!cli) skip();
    const run = async (...args: string[]) => {
      const out = await aws(cli as string, nimbus.url, args);
      return out.trim() === "" ? {} : JSON.parse(out);
    };
    const created = await run(
      "scheduler",
      "create-schedule",
      "--name",
      "cli-nightly",
      "--schedule-expression",
      "cron(0 2 * * ? *)",
      "--schedule-expression-timezone",
      "America/New_York",
      "--flexible-time-window",
      "Mode=FLEXIBLE,MaximumWindowInMinutes=30",
      "--target",
      JSON.stringify({ Arn: QUEUE_ARN, RoleArn: "arn:aws:iam::000000000000:role/s", Input: "nightly" }),
    );
    expect(created.ScheduleArn).toBe("arn:aws:scheduler:us-east-1:000000000000:schedule/default/cli-nightly");
    const got = await run("scheduler", "get-schedule", "--name", "cli-nightly");
    expect(got).toMatchObject({
      ScheduleExpression: "cron(0 2 * * ? *)",
      ScheduleExpressionTimezone: "America/New_York",
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 30 },
    });
    await run("scheduler", "delete-schedule", "--name", "cli-nightly");
    await expect(
      aws(cli as string, nimbus.url, ["scheduler", "get-schedule", "--name", "cli-nightly"]),
    ).rejects.toThrow(/ResourceNotFoundException/);
  });
});
