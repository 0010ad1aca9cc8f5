import type { NewOutboxMessage } from "../storage/sqlite/sqlite-object-index.js";
import { type NotificationRule, ruleMatches } from "./notification-config.js";

/** Who caused an event and through which request (the record's identity and response fields). */
export interface EventContext {
  requestId: string;
  hostId: string;
  sourceIp: string | undefined;
  principalId: string;
  region: string;
  /** Epoch ms of the write. */
  time: number;
}

/** The object an event is about; size and eTag are absent on removals. */
export interface EventObject {
  key: string;
  sizeBytes?: number;
  /** Unquoted ETag. */
  etag?: string;
  /** Hex, increasing per write (S3 orders events per key by it). */
  sequencer: string;
}

/** S3's URL encoding of keys in event records and `encoding-type=url` listings: spaces as `+`. */
export function s3UrlEncode(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, "/")
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The outbox messages one event causes: one message per matching rule, its body the S3 event
 * document (`{"Records":[...]}`, events.md section 7) for every kind of destination.
 */
export function notificationsFor(
  bucket: string,
  rules: readonly NotificationRule[],
  eventName: string,
  object: EventObject,
  context: EventContext,
): NewOutboxMessage[] {
  const out: NewOutboxMessage[] = [];
  for (const rule of rules) {
    if (!ruleMatches(rule, eventName, object.key)) continue;
    const record = {
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: context.region,
      eventTime: new Date(context.time).toISOString(),
      eventName,
      userIdentity: { principalId: context.principalId },
      requestParameters: { sourceIPAddress: context.sourceIp ?? "127.0.0.1" },
      responseElements: { "x-amz-request-id": context.requestId, "x-amz-id-2": context.hostId },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: rule.id,
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: context.principalId },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key: s3UrlEncode(object.key),
          ...(object.sizeBytes !== undefined ? { size: object.sizeBytes } : {}),
          ...(object.etag !== undefined ? { eTag: object.etag } : {}),
          sequencer: object.sequencer,
        },
      },
    };
    out.push({ targetArn: rule.arn, body: JSON.stringify({ Records: [record] }) });
  }
  return out;
}

/** The s3:TestEvent S3 sends to queue and topic destinations when a configuration is set. */
export function testEvent(bucket: string, context: EventContext): string {
  return JSON.stringify({
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: new Date(context.time).toISOString(),
    Bucket: bucket,
    RequestId: context.requestId,
    HostId: context.hostId,
  });
}
