import { verify, X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { MANAGED_RETRY_POLICY } from "./delivery.js";
import { DEFAULT_HTTP_RETRY_POLICY, retryDelaySeconds } from "./delivery-policy.js";
import {
  canonicalString,
  confirmationEnvelope,
  lambdaEvent,
  notificationEnvelope,
  type PublishedMessage,
} from "./envelope.js";
import { MessageSigner } from "./message-signer.js";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders";
const SUB = `${TOPIC}:6f1c1a52-4a0e-4c32-9a49-3c3f0e0f6d11`;
const store = new SqliteMetadataStore(":memory:");
let signer: MessageSigner;
const urls = {
  origin: "http://127.0.0.1:4566",
  sign: (canonical: string, version: string) => signer.sign(canonical, version),
};
beforeAll(async () => {
  signer = await MessageSigner.load(store, new ManualClock());
});
afterAll(() => store.close());
const message: PublishedMessage = {
  messageId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
  topicArn: TOPIC,
  message: "Hello from SNS!",
  attributes: {
    Test: { dataType: "String", stringValue: "TestString" },
    Bin: { dataType: "Binary", binaryValue: "AQID" },
  },
  timestamp: Date.UTC(2019, 0, 2, 12, 45, 7),
};

describe("SNS envelopes", () => {
  it("builds the Notification envelope in SNS's field order, Subject omitted when unset", () => {
    const env = JSON.parse(notificationEnvelope(message, SUB, urls));
    expect(Object.keys(env)).toEqual([
      "Type",
      "MessageId",
      "TopicArn",
      "Message",
      "Timestamp",
      "SignatureVersion",
      "Signature",
      "SigningCertURL",
      "UnsubscribeURL",
      "MessageAttributes",
    ]);
    expect(env).toMatchObject({
      Type: "Notification",
      Message: "Hello from SNS!",
      Timestamp: "2019-01-02T12:45:07.000Z",
      SignatureVersion: "1",
      SigningCertURL: "http://127.0.0.1:4566/_nimbus/sns/SimpleNotificationService-nimbus.pem",
      MessageAttributes: {
        Test: { Type: "String", Value: "TestString" },
        Bin: { Type: "Binary", Value: "AQID" },
      },
    });
    expect(env.UnsubscribeURL).toBe(
      `http://127.0.0.1:4566/?Action=Unsubscribe&Version=2010-03-31&SubscriptionArn=${encodeURIComponent(SUB)}`,
    );
    const withSubject = JSON.parse(
      notificationEnvelope({ ...message, subject: "Hi", attributes: {} }, SUB, urls),
    );
    expect(withSubject.Subject).toBe("Hi");
    expect(withSubject.MessageAttributes).toBeUndefined();
  });

  it("signs SNS's canonical string with RSA, verifiable with the served certificate", () => {
    const env = JSON.parse(notificationEnvelope({ ...message, subject: "S" }, SUB, urls));
    const canonical =
      `Message\nHello from SNS!\nMessageId\n${message.messageId}\nSubject\nS\n` +
      `Timestamp\n2019-01-02T12:45:07.000Z\nTopicArn\n${TOPIC}\nType\nNotification\n`;
    expect(
      canonicalString({
        Type: "Notification",
        TopicArn: TOPIC,
        Timestamp: env.Timestamp,
        Subject: "S",
        MessageId: message.messageId,
        Message: "Hello from SNS!",
      }),
    ).toBe(canonical);
    const cert = new X509Certificate(signer.certificatePem);
    expect(cert.subject).toBe("CN=sns.nimbus.local");
    expect(cert.verify(cert.publicKey)).toBe(true);
    const signature = Buffer.from(env.Signature, "base64");
    expect(verify("sha1", Buffer.from(canonical), cert.publicKey, signature)).toBe(true);
    expect(verify("sha1", Buffer.from(`${canonical}x`), cert.publicKey, signature)).toBe(false);
    const v2 = JSON.parse(
      notificationEnvelope({ ...message, subject: "S", signatureVersion: "2" }, SUB, urls),
    );
    expect(v2.SignatureVersion).toBe("2");
    expect(
      verify("sha256", Buffer.from(canonical), cert.publicKey, Buffer.from(v2.Signature, "base64")),
    ).toBe(true);
  });

  it("keeps one signing key per store", async () => {
    const again = await MessageSigner.load(store, new ManualClock());
    expect(again.certificatePem).toBe(signer.certificatePem);
  });

  it("builds the Lambda event with Url casing and a null Subject", () => {
    const event = JSON.parse(lambdaEvent(message, SUB, urls));
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    expect(record).toMatchObject({ EventSource: "aws:sns", EventVersion: "1.0", EventSubscriptionArn: SUB });
    expect(record.Sns).toMatchObject({
      Type: "Notification",
      Subject: null,
      Message: "Hello from SNS!",
      MessageAttributes: { Test: { Type: "String", Value: "TestString" } },
    });
    expect(record.Sns.SigningCertUrl).toContain("/_nimbus/sns/SimpleNotificationService-nimbus.pem");
    expect(record.Sns.UnsubscribeUrl).toContain("Action=Unsubscribe");
    expect(record.Sns.SigningCertURL).toBeUndefined();
  });

  it("builds the SubscriptionConfirmation with a SubscribeURL back to this server", () => {
    const env = JSON.parse(
      confirmationEnvelope(
        { messageId: "m-1", topicArn: TOPIC, token: "abc123", timestamp: message.timestamp },
        urls,
      ),
    );
    expect(env).toMatchObject({ Type: "SubscriptionConfirmation", Token: "abc123", TopicArn: TOPIC });
    expect(env.SubscribeURL).toBe(
      `http://127.0.0.1:4566/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=${encodeURIComponent(TOPIC)}&Token=abc123`,
    );
    expect(env.Message).toContain(`You have chosen to subscribe to the topic ${TOPIC}.`);
  });
});

describe("delivery retry policies", () => {
  it("retries HTTP/S three times 20 seconds apart by default", () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(DEFAULT_HTTP_RETRY_POLICY, n))).toEqual([
      20,
      20,
      20,
      undefined,
    ]);
  });

  it("runs SNS's phases: immediate, minimum, backoff, maximum", () => {
    const policy = {
      numRetries: 10,
      numNoDelayRetries: 2,
      numMinDelayRetries: 1,
      numMaxDelayRetries: 2,
      minDelayTarget: 1,
      maxDelayTarget: 9,
      backoffFunction: "linear" as const,
    };
    expect(Array.from({ length: 11 }, (_, i) => retryDelaySeconds(policy, i + 1))).toEqual([
      0,
      0,
      1,
      1,
      3,
      5,
      7,
      9,
      9,
      9,
      undefined,
    ]);
  });

  it("gives SQS and Lambda subscribers SNS's managed policy (3 immediate retries, then up to 20 s)", () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(MANAGED_RETRY_POLICY, n))).toEqual([0, 0, 0, 1, 1]);
    expect(retryDelaySeconds(MANAGED_RETRY_POLICY, 50_000)).toBe(20);
    expect(retryDelaySeconds(MANAGED_RETRY_POLICY, 100_016)).toBeUndefined();
  });
});
