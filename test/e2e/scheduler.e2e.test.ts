import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:cron-job`;

/** `at()` text for a moment `ms` from now, on the wall clock of `zone`. */
function atFromNow(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(Date.now() + ms));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `at(${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second})`;
}

describe("EventBridge Scheduler", () => {
  let nimbus: TestNimbus;
  let scheduler: SchedulerClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    scheduler = new SchedulerClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
    await createFixtureFunction(nimbus.lambda, "cron-job", "node/event-recorder");
  });

  afterAll(async () => {
    scheduler.destroy();
    sqs.destroy();
    await nimbus.stop();
  });

  it("runs a function from a one-time schedule a few seconds away, in a time zone, then deletes it", async () => {
    const expression = atFromNow(2000, "Asia/Tokyo");
    const { ScheduleArn } = await scheduler.send(
      new CreateScheduleCommand({
        Name: "cron-job-once",
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: "Asia/Tokyo",
        FlexibleTimeWindow: { Mode: "OFF" },
        ActionAfterCompletion: "DELETE",
        Target: {
          Arn: FN_ARN,
          RoleArn: ROLE,
          Input: JSON.stringify({ job: "report", schedule: "<aws.scheduler.schedule-arn>" }),
        },
      }),
    );
    expect(ScheduleArn).toBe(`arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/cron-job-once`);
    let recorded: Record<string, unknown> | undefined;
    for (let i = 0; i < 300 && !recorded; i++) {
      const out = await nimbus.logs
        .send(
          new FilterLogEventsCommand({
            logGroupName: "/aws/lambda/cron-job",
            filterPattern: "RECORDED_EVENT",
          }),
        )
        .catch(() => ({ events: [] }));
      const line = out.events?.[0]?.message;
      if (line) recorded = JSON.parse(line.slice(line.indexOf("{")));
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(recorded).toEqual({ job: "report", schedule: ScheduleArn });
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = await scheduler
        .send(new GetScheduleCommand({ Name: "cron-job-once" }))
        .then(() => false)
        .catch((e: { name: string }) => e.name === "ResourceNotFoundException");
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gone).toBe(true);
  });

  it("delivers to a queue with the schedule's scheduled time", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "scheduled" }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: "to-queue",
        ScheduleExpression: atFromNow(1500, "UTC"),
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: {
          Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:scheduled`,
          RoleArn: ROLE,
          Input: "fired at <aws.scheduler.scheduled-time>",
        },
      }),
    );
    let body: string | undefined;
    for (let i = 0; i < 30 && !body; i++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      body = out.Messages?.[0]?.Body;
    }
    expect(body).toMatch(/^fired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // ActionAfterCompletion NONE: the completed one-time schedule stays.
    const kept = await scheduler.send(new GetScheduleCommand({ Name: "to-queue" }));
    expect(kept.State).toBe("ENABLED");
  });

  it("creates, reads, updates, lists and deletes schedules and groups", async () => {
    const { ScheduleGroupArn } = await scheduler.send(
      new CreateScheduleGroupCommand({ Name: "reports", Tags: [{ Key: "team", Value: "bi" }] }),
    );
    await scheduler.send(
      new TagResourceCommand({ ResourceArn: ScheduleGroupArn, Tags: [{ Key: "env", Value: "dev" }] }),
    );
    await scheduler.send(new UntagResourceCommand({ ResourceArn: ScheduleGroupArn, TagKeys: ["team"] }));
    expect(
      (await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }))).Tags,
    ).toEqual([{ Key: "env", Value: "dev" }]);
    expect((await scheduler.send(new GetScheduleGroupCommand({ Name: "reports" }))).State).toBe("ACTIVE");
    const start = new Date("2030-01-01T00:00:00Z");
    for (const name of ["daily", "hourly", "weekly"]) {
      await scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: "reports",
          ScheduleExpression: name === "hourly" ? "rate(1 hour)" : "cron(0 9 ? * MON-FRI *)",
          ScheduleExpressionTimezone: "Europe/Paris",
          StartDate: start,
          FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
          Target: {
            Arn: FN_ARN,
            RoleArn: ROLE,
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
            DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:scheduled` },
          },
        }),
      );
    }
    const got = await scheduler.send(new GetScheduleCommand({ Name: "daily", GroupName: "reports" }));
    expect(got).toMatchObject({
      Name: "daily",
      GroupName: "reports",
      ScheduleExpression: "cron(0 9 ? * MON-FRI *)",
      ScheduleExpressionTimezone: "Europe/Paris",
      State: "ENABLED",
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
      Target: {
        Arn: FN_ARN,
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:scheduled` },
      },
    });
    expect(got.StartDate?.toISOString()).toBe(start.toISOString());
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: "daily",
        GroupName: "reports",
        ScheduleExpression: "cron(30 8 * * ? *)",
        State: "DISABLED",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: FN_ARN, RoleArn: ROLE },
      }),
    );
    const updated = await scheduler.send(new GetScheduleCommand({ Name: "daily", GroupName: "reports" }));
    expect(updated).toMatchObject({ ScheduleExpression: "cron(30 8 * * ? *)", State: "DISABLED" });
    const page1 = await scheduler.send(new ListSchedulesCommand({ GroupName: "reports", MaxResults: 2 }));
    expect(page1.Schedules?.map((s) => s.Name)).toEqual(["daily", "hourly"]);
    const page2 = await scheduler.send(
      new ListSchedulesCommand({ GroupName: "reports", NextToken: page1.NextToken }),
    );
    expect(page2.Schedules?.map((s) => s.Name)).toEqual(["weekly"]);
    const disabled = await scheduler.send(new ListSchedulesCommand({ State: "DISABLED" }));
    expect(disabled.Schedules?.map((s) => s.Name)).toEqual(["daily"]);
    const prefixed = await scheduler.send(new ListSchedulesCommand({ NamePrefix: "week" }));
    expect(prefixed.Schedules?.map((s) => s.Name)).toEqual(["weekly"]);
    const groups = await scheduler.send(new ListScheduleGroupsCommand({}));
    expect(groups.ScheduleGroups?.map((g) => g.Name)).toEqual(["default", "reports"]);
    await scheduler.send(new DeleteScheduleCommand({ Name: "hourly", GroupName: "reports" }));
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: "reports" }));
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: "weekly", GroupName: "reports" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("refuses bad input with Scheduler's errors", async () => {
    const base = {
      FlexibleTimeWindow: { Mode: "OFF" as const },
      Target: { Arn: FN_ARN, RoleArn: ROLE },
    };
    const first = await scheduler.send(
      new CreateScheduleCommand({
        Name: "dup",
        ScheduleExpression: "rate(5 minutes)",
        ClientToken: "t-1",
        ...base,
      }),
    );
    // A retry with the same ClientToken answers the schedule it made; another create conflicts.
    const retried = await scheduler.send(
      new CreateScheduleCommand({
        Name: "dup",
        ScheduleExpression: "rate(5 minutes)",
        ClientToken: "t-1",
        ...base,
      }),
    );
    expect(retried.ScheduleArn).toBe(first.ScheduleArn);
    await expect(
      scheduler.send(
        new CreateScheduleCommand({ Name: "dup", ScheduleExpression: "rate(5 minutes)", ...base }),
      ),
    ).rejects.toMatchObject({ name: "ConflictException" });
    await expect(
      scheduler.send(
        new CreateScheduleCommand({ Name: "bad", ScheduleExpression: "rate(5 minute)", ...base }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      scheduler.send(
        new CreateScheduleCommand({
          Name: "bad",
          ScheduleExpression: "cron(0 9 * * ? *)",
          ScheduleExpressionTimezone: "Mars/Olympus",
          ...base,
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      scheduler.send(
        new CreateScheduleCommand({
          Name: "bad",
          ScheduleExpression: "rate(1 hour)",
          FlexibleTimeWindow: { Mode: "FLEXIBLE" },
          Target: { Arn: FN_ARN, RoleArn: ROLE },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      scheduler.send(
        new CreateScheduleCommand({
          Name: "bad",
          ScheduleExpression: "rate(1 hour)",
          FlexibleTimeWindow: { Mode: "OFF" },
          Target: { Arn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s`, RoleArn: ROLE },
        }),
      ),
    ).rejects.toThrow(/not supported by Nimbus/);
    await expect(
      scheduler.send(
        new CreateScheduleCommand({
          Name: "orphan",
          GroupName: "nope",
          ScheduleExpression: "rate(1 hour)",
          ...base,
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      scheduler.send(
        new CreateScheduleCommand({
          Name: "bad",
          ScheduleExpression: "rate(1 hour)",
          FlexibleTimeWindow: { Mode: "OFF" },
          Target: {
            Arn: FN_ARN,
            RoleArn: ROLE,
            DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:dlq.fifo` },
          },
        }),
      ),
    ).rejects.toThrow(/FIFO queue as a dead-letter queue/);
    await expect(scheduler.send(new DeleteScheduleGroupCommand({ Name: "default" }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(scheduler.send(new GetScheduleCommand({ Name: "missing" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });
});
