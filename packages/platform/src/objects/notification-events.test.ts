import { describe, expect, it } from "vitest";
import type { NotificationRule } from "./notification-config.js";
import { notificationsFor, s3UrlEncode } from "./notification-events.js";

const rule: NotificationRule = {
  id: "cfg",
  kind: "queue",
  arn: "arn:aws:sqs:us-east-1:000000000000:q",
  events: ["s3:ObjectCreated:*"],
  prefix: "photos/",
  suffix: undefined,
};
const context = {
  requestId: "REQ",
  hostId: "HOST",
  sourceIp: "10.0.0.1",
  principalId: "AWS:test",
  region: "us-east-1",
  time: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
};

describe("S3 event records", () => {
  it("encodes keys as S3 does", () => {
    expect(s3UrlEncode("photos/my file(1).jpg")).toBe("photos/my+file%281%29.jpg");
    expect(s3UrlEncode("a+b")).toBe("a%2Bb");
  });

  it("builds the record shape for matching rules only", () => {
    const messages = notificationsFor(
      "bkt",
      [rule],
      "ObjectCreated:Put",
      { key: "photos/a b.jpg", sizeBytes: 3, etag: "abc", sequencer: "00000000000000000A" },
      context,
    );
    expect(messages).toHaveLength(1);
    const body = JSON.parse(messages[0]?.body ?? "{}");
    expect(body.Records[0]).toEqual({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: "2025-01-02T03:04:05.006Z",
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "AWS:test" },
      requestParameters: { sourceIPAddress: "10.0.0.1" },
      responseElements: { "x-amz-request-id": "REQ", "x-amz-id-2": "HOST" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "cfg",
        bucket: { name: "bkt", ownerIdentity: { principalId: "AWS:test" }, arn: "arn:aws:s3:::bkt" },
        object: { key: "photos/a+b.jpg", size: 3, eTag: "abc", sequencer: "00000000000000000A" },
      },
    });
    expect(
      notificationsFor("bkt", [rule], "ObjectCreated:Put", { key: "x", sequencer: "1" }, context),
    ).toEqual([]);
  });
});
