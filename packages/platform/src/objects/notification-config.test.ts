import { describe, expect, it } from "vitest";
import {
  notificationConfigurationXml,
  parseNotificationConfiguration,
  ruleMatches,
} from "./notification-config.js";
import { toXml } from "./xml.js";

const xml = `<?xml version="1.0"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <QueueConfiguration><Id>q1</Id><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue>
    <Event>s3:ObjectCreated:*</Event>
    <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>images/</Value></FilterRule>
      <FilterRule><Name>suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></QueueConfiguration>
  <CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction>
    <Event>s3:ObjectRemoved:Delete</Event></CloudFunctionConfiguration>
</NotificationConfiguration>`;

describe("notification configuration", () => {
  it("parses destinations, events and filters", () => {
    const rules = parseNotificationConfiguration(xml, () => "generated");
    expect(rules).toEqual([
      {
        id: "q1",
        kind: "queue",
        arn: "arn:aws:sqs:us-east-1:000000000000:q",
        events: ["s3:ObjectCreated:*"],
        prefix: "images/",
        suffix: ".jpg",
      },
      {
        id: "generated",
        kind: "lambda",
        arn: "arn:aws:lambda:us-east-1:000000000000:function:f",
        events: ["s3:ObjectRemoved:Delete"],
        prefix: undefined,
        suffix: undefined,
      },
    ]);
    expect(toXml(notificationConfigurationXml(rules))).toContain(
      "<FilterRule><Name>Prefix</Name><Value>images/</Value></FilterRule>",
    );
  });

  it("matches event names with wildcards and key filters", () => {
    const [queue, fn] = parseNotificationConfiguration(xml, () => "g");
    if (!queue || !fn) throw new Error("parse");
    expect(ruleMatches(queue, "ObjectCreated:Put", "images/a.jpg")).toBe(true);
    expect(ruleMatches(queue, "ObjectCreated:CompleteMultipartUpload", "images/b.jpg")).toBe(true);
    expect(ruleMatches(queue, "ObjectCreated:Put", "docs/a.jpg")).toBe(false);
    expect(ruleMatches(queue, "ObjectCreated:Put", "images/a.png")).toBe(false);
    expect(ruleMatches(queue, "ObjectRemoved:Delete", "images/a.jpg")).toBe(false);
    expect(ruleMatches(fn, "ObjectRemoved:Delete", "x")).toBe(true);
  });

  it("refuses unknown events, bad ARNs, bad filter names and EventBridge by name", () => {
    const bad = (inner: string) => `<NotificationConfiguration>${inner}</NotificationConfiguration>`;
    expect(() =>
      parseNotificationConfiguration(
        bad(
          "<QueueConfiguration><Queue>arn:aws:sqs:r:1:q</Queue><Event>s3:Replication:*</Event></QueueConfiguration>",
        ),
        () => "x",
      ),
    ).toThrow(expect.objectContaining({ awsName: "InvalidArgument" }));
    expect(() =>
      parseNotificationConfiguration(
        bad(
          "<TopicConfiguration><Topic>arn:aws:sqs:r:1:q</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration>",
        ),
        () => "x",
      ),
    ).toThrow(expect.objectContaining({ awsName: "InvalidArgument" }));
    expect(() =>
      parseNotificationConfiguration(
        bad(
          "<QueueConfiguration><Queue>arn:aws:sqs:r:1:q</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>middle</Name><Value>x</Value></FilterRule></S3Key></Filter></QueueConfiguration>",
        ),
        () => "x",
      ),
    ).toThrow(expect.objectContaining({ awsName: "InvalidArgument" }));
    expect(() => parseNotificationConfiguration(bad("<EventBridgeConfiguration/>"), () => "x")).toThrow(
      expect.objectContaining({ awsName: "NotImplemented" }),
    );
    expect(() => parseNotificationConfiguration("<NotificationConfiguration>", () => "x")).toThrow(
      expect.objectContaining({ awsName: "MalformedXML" }),
    );
  });
});
