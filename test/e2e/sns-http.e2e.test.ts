import { verify, X509Certificate } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A small HTTP endpoint on 127.0.0.1 that records every POST; `fail` decides 500s. */
class Endpoint {
  readonly received: Received[] = [];
  fail: (r: Received) => boolean = () => false;
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const r = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
        this.received.push(r);
        res.writeHead(this.fail(r) ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits (bounded) until a request matching `pick` arrives. */
  async next(pick: (r: Received) => boolean, what: string): Promise<Received> {
    for (let i = 0; i < 300; i++) {
      const found = this.received.find(pick);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${what} arrived; got ${JSON.stringify(this.received.map((r) => r.body))}`);
  }

  all(pick: (r: Received) => boolean): Received[] {
    return this.received.filter(pick);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const json = (r: Received) => JSON.parse(r.body) as Record<string, unknown>;

describe("SNS HTTP subscriptions", () => {
  let nimbus: TestNimbus;
  let sns: SNSClient;
  const endpoint = new Endpoint();

  beforeAll(async () => {
    await endpoint.start();
    nimbus = await startNimbus();
    sns = new SNSClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    sns.destroy();
    await nimbus.stop();
    await endpoint.close();
  });

  it("posts a SubscriptionConfirmation, confirms through the SubscribeURL, then delivers notifications", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "web-hooks" }));
    const sub = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "http",
        Endpoint: `${endpoint.url}/a`,
        ReturnSubscriptionArn: true,
      }),
    );
    const pendingAttrs = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }),
    );
    expect(pendingAttrs.Attributes?.PendingConfirmation).toBe("true");

    const confirmation = await endpoint.next(
      (r) => r.path === "/a" && r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation",
      "SubscriptionConfirmation",
    );
    expect(confirmation.headers["x-amz-sns-topic-arn"]).toBe(TopicArn);
    expect(confirmation.headers["content-type"]).toBe("text/plain; charset=UTF-8");
    const doc = json(confirmation);
    expect(doc).toMatchObject({ Type: "SubscriptionConfirmation", TopicArn, SignatureVersion: "1" });
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining([
        "MessageId",
        "Token",
        "Message",
        "SubscribeURL",
        "Timestamp",
        "Signature",
        "SigningCertURL",
      ]),
    );
    const visit = await fetch(String(doc.SubscribeURL));
    const xml = await visit.text();
    expect(visit.status).toBe(200);
    expect(xml).toContain(`<SubscriptionArn>${sub.SubscriptionArn}</SubscriptionArn>`);
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(listed.Subscriptions?.[0]?.SubscriptionArn).toBe(sub.SubscriptionArn);

    const published = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "order 17 paid",
        Subject: "Payment",
        MessageAttributes: { kind: { DataType: "String", StringValue: "payment" } },
      }),
    );
    const note = await endpoint.next(
      (r) => r.headers["x-amz-sns-message-id"] === published.MessageId,
      "notification",
    );
    expect(note.headers["x-amz-sns-message-type"]).toBe("Notification");
    expect(note.headers["x-amz-sns-subscription-arn"]).toBe(sub.SubscriptionArn);
    expect(note.headers["x-amz-sns-rawdelivery"]).toBe("false");
    expect(json(note)).toMatchObject({
      Type: "Notification",
      MessageId: published.MessageId,
      TopicArn,
      Subject: "Payment",
      Message: "order 17 paid",
      MessageAttributes: { kind: { Type: "String", Value: "payment" } },
    });
    expect(String(json(note).UnsubscribeURL)).toContain(encodeURIComponent(sub.SubscriptionArn ?? ""));
    // The signature verifies, as SNS validators check it, with the certificate this server serves.
    const envelope = json(note);
    const cert = new X509Certificate(await (await fetch(String(envelope.SigningCertURL))).text());
    const canonical = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
      .map((k) => `${k}\n${String(envelope[k])}\n`)
      .join("");
    const signature = Buffer.from(String(envelope.Signature), "base64");
    expect(verify("sha1", Buffer.from(canonical), cert.publicKey, signature)).toBe(true);

    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: sub.SubscriptionArn,
        AttributeName: "RawMessageDelivery",
        AttributeValue: "true",
      }),
    );
    const raw = await sns.send(new PublishCommand({ TopicArn, Message: "raw body" }));
    const rawNote = await endpoint.next(
      (r) => r.headers["x-amz-sns-message-id"] === raw.MessageId,
      "raw notification",
    );
    expect(rawNote.body).toBe("raw body");
    expect(rawNote.headers["x-amz-sns-rawdelivery"]).toBe("true");

    // The UnsubscribeURL works as a plain GET, as SNS's does.
    const unsubscribe = await fetch(String(json(note).UnsubscribeURL));
    expect(unsubscribe.status).toBe(200);
    const after = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(after.Subscriptions).toEqual([]);

    // SNS tells the endpoint, and the UnsubscribeConfirmation's SubscribeURL restores it.
    const goodbye = await endpoint.next(
      (r) => r.path === "/a" && r.headers["x-amz-sns-message-type"] === "UnsubscribeConfirmation",
      "UnsubscribeConfirmation",
    );
    expect(json(goodbye)).toMatchObject({ Type: "UnsubscribeConfirmation", TopicArn });
    expect(String(json(goodbye).Message)).toContain(
      `You have chosen to deactivate subscription ${sub.SubscriptionArn}`,
    );
    expect((await fetch(String(json(goodbye).SubscribeURL))).status).toBe(200);
    const restored = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(restored.Subscriptions?.map((s) => s.SubscriptionArn)).toEqual([sub.SubscriptionArn]);
    const back = await sns.send(new PublishCommand({ TopicArn, Message: "welcome back" }));
    await endpoint.next(
      (r) => r.headers["x-amz-sns-message-id"] === back.MessageId,
      "delivery after restore",
    );
  });

  it("confirms with ConfirmSubscription and retries failed deliveries by the delivery policy", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "flaky-hooks" }));
    const policy = { healthyRetryPolicy: { numRetries: 2, minDelayTarget: 1, maxDelayTarget: 1 } };
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "http",
        Endpoint: `${endpoint.url}/b`,
        Attributes: { DeliveryPolicy: JSON.stringify(policy) },
      }),
    );
    const confirmation = await endpoint.next(
      (r) => r.path === "/b" && r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation",
      "SubscriptionConfirmation",
    );
    const token = String(json(confirmation).Token);
    await expect(sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: "0000" }))).rejects.toThrow(
      InvalidParameterException,
    );
    const confirmed = await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: token }));
    expect(confirmed.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:`));

    let failures = 0;
    endpoint.fail = (r) => r.path === "/b" && r.body.includes("flaky") && failures++ < 1;
    const published = await sns.send(new PublishCommand({ TopicArn, Message: "flaky" }));
    const isIt = (r: Received) => r.headers["x-amz-sns-message-id"] === published.MessageId;
    await endpoint.next(isIt, "first attempt");
    // Bounded wait for the retry (1 s by the policy; generous for a loaded CI machine).
    for (let i = 0; i < 600 && endpoint.all(isIt).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    const attempts = endpoint.all(isIt);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.body).toBe(attempts[0]?.body);
  });
});

describe("SNS HTTP subscription links with authentication on", () => {
  let nimbus: TestNimbus;
  let sns: SNSClient;
  const endpoint = new Endpoint();

  beforeAll(async () => {
    await endpoint.start();
    nimbus = await startNimbus({
      config: { auth: { enabled: true, credentials: [{ accessKeyId: "test", secretAccessKey: "test" }] } },
    });
    sns = new SNSClient(clientConfig(nimbus.url));
  });

  afterAll(async () => {
    sns.destroy();
    await nimbus.stop();
    await endpoint.close();
  });

  it("confirms through the unsigned SubscribeURL, refuses other unsigned calls and honours AuthenticateOnUnsubscribe", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "guarded" }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: `${endpoint.url}/open` }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "http", Endpoint: `${endpoint.url}/guarded` }));
    const confirmation = (path: string) =>
      endpoint.next(
        (r) => r.path === path && r.headers["x-amz-sns-message-type"] === "SubscriptionConfirmation",
        `confirmation on ${path}`,
      );
    const open = json(await confirmation("/open"));
    const guarded = json(await confirmation("/guarded"));

    const visit = await fetch(String(open.SubscribeURL));
    expect(visit.status).toBe(200);
    const openArn = /<SubscriptionArn>([^<]+)</.exec(await visit.text())?.[1];
    const guardedArn = (
      await sns.send(
        new ConfirmSubscriptionCommand({
          TopicArn,
          Token: String(guarded.Token),
          AuthenticateOnUnsubscribe: "true",
        }),
      )
    ).SubscriptionArn;

    const unsignedList = await fetch(`${nimbus.url}/?Action=ListTopics&Version=2010-03-31`);
    expect(unsignedList.status).toBe(403);

    const unsubscribeUrl = (arn: string) =>
      `${nimbus.url}/?Action=Unsubscribe&Version=2010-03-31&SubscriptionArn=${encodeURIComponent(arn)}`;
    const refused = await fetch(unsubscribeUrl(guardedArn ?? ""));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("<Code>AuthorizationError</Code>");
    expect((await fetch(unsubscribeUrl(openArn ?? ""))).status).toBe(200);

    const left = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(left.Subscriptions?.map((s) => s.SubscriptionArn)).toEqual([guardedArn]);
  });
});
