import { describe, expect, it } from "vitest";
import { bucketAttributes, notificationXml } from "./s3.js";

describe("S3 bucket properties", () => {
  it("maps CloudFormation's NotificationConfiguration to S3's XML", () => {
    const xml = notificationXml({
      QueueConfigurations: [
        {
          Event: "s3:ObjectCreated:*",
          Queue: "arn:aws:sqs:us-east-1:000000000000:q",
          Filter: { S3Key: { Rules: [{ Name: "prefix", Value: "in/<x>&" }] } },
        },
      ],
      LambdaConfigurations: [
        { Event: "s3:ObjectRemoved:*", Function: "arn:aws:lambda:us-east-1:000000000000:function:f" },
      ],
      TopicConfigurations: [],
    });
    expect(xml).toContain(
      "<QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectCreated:*</Event>" +
        "<Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/&#60;x&#62;&#38;</Value></FilterRule></S3Key></Filter></QueueConfiguration>",
    );
    expect(xml).toContain(
      "<CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectRemoved:*</Event></CloudFunctionConfiguration>",
    );
  });

  it("sends an empty configuration when there is none (clears the bucket's notifications)", () => {
    expect(notificationXml(undefined)).toMatch(
      /<NotificationConfiguration [^>]*><\/NotificationConfiguration>$/,
    );
  });

  it("passes EventBridge on only when enabled", () => {
    expect(notificationXml({ EventBridgeConfiguration: { EventBridgeEnabled: true } })).toContain(
      "<EventBridgeConfiguration>",
    );
    expect(notificationXml({ EventBridgeConfiguration: { EventBridgeEnabled: "false" } })).not.toContain(
      "EventBridge",
    );
  });

  it("refuses an entry without its destination", () => {
    expect(() => notificationXml({ QueueConfigurations: [{ Event: "s3:ObjectCreated:*" }] })).toThrow(
      expect.objectContaining({ code: "ERR_STACK_SERVICE_PROPERTY_INVALID" }),
    );
  });

  it("answers the documented attribute forms", () => {
    expect(bucketAttributes("b", "us-east-1")).toEqual({
      Arn: "arn:aws:s3:::b",
      DomainName: "b.s3.amazonaws.com",
      RegionalDomainName: "b.s3.us-east-1.amazonaws.com",
      DualStackDomainName: "b.s3.dualstack.us-east-1.amazonaws.com",
      WebsiteURL: "http://b.s3-website-us-east-1.amazonaws.com",
    });
    expect(bucketAttributes("b", "eu-central-1").WebsiteURL).toBe(
      "http://b.s3-website.eu-central-1.amazonaws.com",
    );
  });
});
