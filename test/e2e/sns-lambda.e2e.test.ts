import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const FN = "sns-recorder";
const FN_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${FN}`;

describe("SNS Lambda subscriptions", () => {
  let nimbus: TestNimbus;
  let sns: SNSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sns = new SNSClient(clientConfig(nimbus.url));
    await createFixtureFunction(nimbus.lambda, FN, "node/sns-recorder");
  });

  afterAll(async () => {
    sns.destroy();
    await nimbus.stop();
  });

  /** The SNS events the function logged, waiting (bounded) until `count` have arrived. */
  async function recordedEvents(count: number): Promise<Record<string, unknown>[]> {
    let events: Record<string, unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const out = await nimbus.logs
        .send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${FN}`, filterPattern: "SNS_EVENT" }))
        .catch(() => ({ events: [] }));
      events = (out.events ?? []).map((e) =>
        JSON.parse((e.message ?? "").slice((e.message ?? "").indexOf("{"))),
      );
      if (events.length >= count) return events;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the function logged ${events.length} of ${count} SNS events`);
  }

  it("invokes the function asynchronously with the SNS event, filtered by the subscription's policy", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "to-lambda" }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "lambda",
        Endpoint: FN_ARN,
        Attributes: { FilterPolicy: JSON.stringify({ kind: [{ "anything-but": "skip" }] }) },
      }),
    );
    const skipped = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "not for you",
        MessageAttributes: { kind: { DataType: "String", StringValue: "skip" } },
      }),
    );
    const published = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "hello lambda",
        MessageAttributes: { kind: { DataType: "String", StringValue: "keep" } },
      }),
    );
    const events = await recordedEvents(1);
    const delivered = events.map((e) => (e.Records as { Sns: { MessageId: string } }[])[0]?.Sns.MessageId);
    expect(delivered).toContain(published.MessageId);
    expect(delivered).not.toContain(skipped.MessageId);
    const event = events.find(
      (e) => (e.Records as { Sns: { MessageId: string } }[])[0]?.Sns.MessageId === published.MessageId,
    );
    expect(event?.Records).toEqual([
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: SubscriptionArn,
        Sns: {
          Type: "Notification",
          MessageId: published.MessageId,
          TopicArn,
          Subject: null,
          Message: "hello lambda",
          Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          SignatureVersion: "1",
          Signature: expect.any(String),
          SigningCertUrl: `${nimbus.url}/_nimbus/sns/SimpleNotificationService-nimbus.pem`,
          UnsubscribeUrl: expect.stringContaining("Action=Unsubscribe"),
          MessageAttributes: { kind: { Type: "String", Value: "keep" } },
        },
      },
    ]);
  });

  it("sends the lambda entry of a MessageStructure=json message", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "structured" }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: FN_ARN }));
    const published = await sns.send(
      new PublishCommand({
        TopicArn,
        MessageStructure: "json",
        Subject: "per protocol",
        Message: JSON.stringify({ default: "for everyone", lambda: "for functions" }),
      }),
    );
    for (let n = 2; ; n++) {
      const events = await recordedEvents(n);
      const sns = events
        .map((e) => (e.Records as { Sns: Record<string, unknown> }[])[0]?.Sns)
        .find((s) => s?.MessageId === published.MessageId);
      if (!sns) continue;
      expect(sns.Message).toBe("for functions");
      expect(sns.Subject).toBe("per protocol");
      return;
    }
  });
});
