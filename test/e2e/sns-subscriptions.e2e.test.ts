import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  NotFoundException,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ACCOUNT = "000000000000";
const arnOf = (name: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`;
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

describe("SNS subscriptions API through @aws-sdk/client-sns", () => {
  let nimbus: TestNimbus;
  let sns: SNSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sns = new SNSClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    sns.destroy();
    await nimbus.stop();
  });

  it("lists subscriptions 100 per page with NextToken, overall and by topic", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "many-subs" }));
    const arns = new Set<string>();
    for (let i = 0; i < 103; i++) {
      const out = await sns.send(
        new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: fnArn(`fn-${i}`) }),
      );
      arns.add(out.SubscriptionArn ?? "");
    }
    const first = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(first.Subscriptions).toHaveLength(100);
    const second = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn, NextToken: first.NextToken }),
    );
    expect(second.NextToken).toBeUndefined();
    const listed = [...(first.Subscriptions ?? []), ...(second.Subscriptions ?? [])].map(
      (s) => s.SubscriptionArn,
    );
    expect(new Set(listed)).toEqual(arns);
    const everywhere: string[] = [];
    let token: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsCommand({ NextToken: token }));
      expect((page.Subscriptions ?? []).length).toBeLessThanOrEqual(100);
      everywhere.push(...(page.Subscriptions ?? []).map((s) => s.SubscriptionArn ?? ""));
      token = page.NextToken;
    } while (token);
    for (const arn of arns) expect(everywhere).toContain(arn);
    await expect(sns.send(new ListSubscriptionsCommand({ NextToken: "not-a-token" }))).rejects.toThrow(
      InvalidParameterException,
    );
  });

  it("subscribes, lists, reads and changes subscription attributes, and unsubscribes", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "subs" }));
    const sub = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "lambda",
        Endpoint: fnArn("consumer"),
        Attributes: { FilterPolicy: JSON.stringify({ kind: ["a"] }) },
      }),
    );
    expect(sub.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
    const same = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "lambda",
        Endpoint: fnArn("consumer"),
        Attributes: { FilterPolicy: JSON.stringify({ kind: ["a"] }) },
      }),
    );
    expect(same.SubscriptionArn).toBe(sub.SubscriptionArn);
    const pending = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "https", Endpoint: "https://127.0.0.1:9/x" }),
    );
    expect(pending.SubscriptionArn).toBe("pending confirmation");

    const byTopic = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(byTopic.Subscriptions).toEqual(
      expect.arrayContaining([
        {
          SubscriptionArn: sub.SubscriptionArn,
          Owner: ACCOUNT,
          Protocol: "lambda",
          Endpoint: fnArn("consumer"),
          TopicArn,
        },
        {
          SubscriptionArn: "PendingConfirmation",
          Owner: ACCOUNT,
          Protocol: "https",
          Endpoint: "https://127.0.0.1:9/x",
          TopicArn,
        },
      ]),
    );
    const everywhere: string[] = [];
    let token: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsCommand({ NextToken: token }));
      everywhere.push(...(page.Subscriptions ?? []).map((s) => s.SubscriptionArn ?? ""));
      token = page.NextToken;
    } while (token);
    expect(everywhere).toContain(sub.SubscriptionArn);

    const read = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }),
    );
    expect(read.Attributes).toMatchObject({
      Protocol: "lambda",
      PendingConfirmation: "false",
      RawMessageDelivery: "false",
      FilterPolicy: JSON.stringify({ kind: ["a"] }),
      FilterPolicyScope: "MessageAttributes",
      TopicArn,
    });
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: sub.SubscriptionArn,
        AttributeName: "FilterPolicyScope",
        AttributeValue: "MessageBody",
      }),
    );
    const changed = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }),
    );
    expect(changed.Attributes?.FilterPolicyScope).toBe("MessageBody");
    await expect(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: sub.SubscriptionArn,
          AttributeName: "RawMessageDelivery",
          AttributeValue: "true",
        }),
      ),
    ).rejects.toThrow("Delivery protocol [lambda] does not support raw message delivery.");

    await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }));
    await expect(
      sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn })),
    ).rejects.toThrow(NotFoundException);
  });

  it("refuses bad subscriptions and filter policies with SNS's messages", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "strict" }));
    await expect(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "a@example.com" })),
    ).rejects.toThrow(/protocol email is not supported by Nimbus/);
    await expect(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: "pigeon", Endpoint: "x" })),
    ).rejects.toThrow(InvalidParameterException);
    await expect(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: "https://example.com" })),
    ).rejects.toThrow(InvalidParameterException);
    const subscribeWith = (policy: unknown) =>
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: "lambda",
          Endpoint: fnArn("f"),
          Attributes: { FilterPolicy: JSON.stringify(policy) },
        }),
      );
    await expect(subscribeWith({ a: [], b: ["x"] })).rejects.toThrow(
      "Invalid parameter: Attributes Reason: FilterPolicy: Empty arrays are not allowed",
    );
    await expect(
      subscribeWith({ a: ["1"], b: ["2"], c: ["3"], d: ["4"], e: ["5"], f: ["6"] }),
    ).rejects.toThrow("FilterPolicy: Filter policy can not have more than 5 keys");
    await expect(subscribeWith({ a: [{ numeric: [">", 10, "<", 5] }] })).rejects.toThrow(
      "FilterPolicy: Bottom must be less than top",
    );
    await expect(subscribeWith({ a: [{ wildcard: "x*" }] })).rejects.toThrow(
      "FilterPolicy: Unrecognized match type wildcard",
    );
    await expect(subscribeWith({ a: { b: ["x"] } })).rejects.toThrow(
      "Filter policy scope MessageAttributes does not support nested filter policy",
    );
    await expect(
      sns.send(new SubscribeCommand({ TopicArn: arnOf("gone"), Protocol: "lambda", Endpoint: fnArn("f") })),
    ).rejects.toThrow(NotFoundException);
  });
});
