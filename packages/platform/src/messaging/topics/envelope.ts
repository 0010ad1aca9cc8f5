import { envelopeAttributes, type MessageAttributeValue } from "./message-attributes.js";

/**
 * The documents SNS delivers: the JSON envelope for SQS and HTTP/S (`Type: Notification`), the
 * `SubscriptionConfirmation` posted to HTTP/S endpoints, and the event a Lambda function receives.
 *
 * Signatures are real: RSA over SNS's canonical string (`MessageSigner`), verifiable with the
 * certificate this server serves at `SigningCertURL` (its own, not Amazon's).
 */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  /** The message for this delivery (the per-protocol entry of a MessageStructure=json message). */
  message: string;
  subject?: string;
  attributes: Record<string, MessageAttributeValue>;
  /** Epoch ms of the Publish. */
  timestamp: number;
  sequenceNumber?: string;
  /** The topic's SignatureVersion: "1" signs with SHA1, "2" with SHA256. */
  signatureVersion?: string;
}

/** What envelopes need from the server: where its URLs point, and its signer. */
export interface EnvelopeContext {
  /** The origin the publishing client reached. */
  origin: string;
  /** Signs a canonical string (base64) for a SignatureVersion. */
  sign: (canonical: string, signatureVersion: string) => string;
}

/** Path of the signing certificate on this server (SNS names its certificates this way). */
export const SIGNING_CERT_PATH = "/_nimbus/sns/SimpleNotificationService-nimbus.pem";

export const SIGNATURE_VERSION = "1";

export function signingCertUrl(origin: string): string {
  return `${origin}${SIGNING_CERT_PATH}`;
}

export function unsubscribeUrl(origin: string, subscriptionArn: string): string {
  return `${origin}/?Action=Unsubscribe&Version=2010-03-31&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
}

export function subscribeUrl(origin: string, topicArn: string, token: string): string {
  return (
    `${origin}/?Action=ConfirmSubscription&Version=2010-03-31` +
    `&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`
  );
}

/** SNS's canonical string: the signed fields in byte order, each `name\nvalue\n`. */
export function canonicalString(fields: Record<string, string | undefined>): string {
  let out = "";
  for (const name of Object.keys(fields).sort()) {
    const value = fields[name];
    if (value !== undefined) out += `${name}\n${value}\n`;
  }
  return out;
}

export function isoTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The `Type: Notification` envelope delivered to SQS and HTTP/S subscribers. */
export function notificationEnvelope(
  m: PublishedMessage,
  subscriptionArn: string,
  ctx: EnvelopeContext,
): string {
  const timestamp = isoTimestamp(m.timestamp);
  const version = m.signatureVersion ?? SIGNATURE_VERSION;
  const signed = {
    Message: m.message,
    MessageId: m.messageId,
    Subject: m.subject,
    Timestamp: timestamp,
    TopicArn: m.topicArn,
    Type: "Notification",
  };
  const attributes = envelopeAttributes(m.attributes);
  return JSON.stringify({
    Type: "Notification",
    MessageId: m.messageId,
    SequenceNumber: m.sequenceNumber,
    TopicArn: m.topicArn,
    Subject: m.subject,
    Message: m.message,
    Timestamp: timestamp,
    SignatureVersion: version,
    Signature: ctx.sign(canonicalString(signed), version),
    SigningCertURL: signingCertUrl(ctx.origin),
    UnsubscribeURL: unsubscribeUrl(ctx.origin, subscriptionArn),
    MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
  });
}

/** The event of one SNS delivery to Lambda (events.md section 6): one record, `...Url` casing. */
export function lambdaEvent(m: PublishedMessage, subscriptionArn: string, ctx: EnvelopeContext): string {
  const timestamp = isoTimestamp(m.timestamp);
  const version = m.signatureVersion ?? SIGNATURE_VERSION;
  const signed = {
    Message: m.message,
    MessageId: m.messageId,
    Subject: m.subject,
    Timestamp: timestamp,
    TopicArn: m.topicArn,
    Type: "Notification",
  };
  return JSON.stringify({
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: "Notification",
          MessageId: m.messageId,
          TopicArn: m.topicArn,
          Subject: m.subject ?? null,
          Message: m.message,
          Timestamp: timestamp,
          SignatureVersion: version,
          Signature: ctx.sign(canonicalString(signed), version),
          SigningCertUrl: signingCertUrl(ctx.origin),
          UnsubscribeUrl: unsubscribeUrl(ctx.origin, subscriptionArn),
          MessageAttributes: envelopeAttributes(m.attributes),
        },
      },
    ],
  });
}

/**
 * The `SubscriptionConfirmation` posted to a new HTTP/S subscription's endpoint, or the
 * `UnsubscribeConfirmation` posted after an Unsubscribe (`unsubscribedArn`), whose SubscribeURL
 * restores the subscription.
 */
export function confirmationEnvelope(
  input: {
    messageId: string;
    topicArn: string;
    token: string;
    timestamp: number;
    signatureVersion?: string;
    unsubscribedArn?: string;
  },
  ctx: EnvelopeContext,
): string {
  const timestamp = isoTimestamp(input.timestamp);
  const version = input.signatureVersion ?? SIGNATURE_VERSION;
  const type = input.unsubscribedArn === undefined ? "SubscriptionConfirmation" : "UnsubscribeConfirmation";
  const message =
    input.unsubscribedArn === undefined
      ? `You have chosen to subscribe to the topic ${input.topicArn}.\n` +
        "To confirm the subscription, visit the SubscribeURL included in this message."
      : `You have chosen to deactivate subscription ${input.unsubscribedArn}.\n` +
        "To cancel this operation and restore the subscription, visit the SubscribeURL included in this message.";
  const url = subscribeUrl(ctx.origin, input.topicArn, input.token);
  const signed = {
    Message: message,
    MessageId: input.messageId,
    SubscribeURL: url,
    Timestamp: timestamp,
    Token: input.token,
    TopicArn: input.topicArn,
    Type: type,
  };
  return JSON.stringify({
    Type: type,
    MessageId: input.messageId,
    Token: input.token,
    TopicArn: input.topicArn,
    Message: message,
    SubscribeURL: url,
    Timestamp: timestamp,
    SignatureVersion: version,
    Signature: ctx.sign(canonicalString(signed), version),
    SigningCertURL: signingCertUrl(ctx.origin),
  });
}
