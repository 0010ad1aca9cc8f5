import { describe, expect, it } from "vitest";
import { generateEvent, SAMPLE_SOURCES, type SampleOptions } from "./sample-events.js";

const base: SampleOptions = {
  region: "eu-west-1",
  accountId: "123456789012",
  now: new Date("2026-03-04T19:15:17.135Z"),
};

describe("sample events", () => {
  it("API Gateway proxy (payload 1.0): stage in requestContext.path only, last query value, nulls when empty", () => {
    const e = generateEvent("apigateway", "aws-proxy", {
      ...base,
      method: "post",
      path: "/items/7?q=a&q=b",
      body: "{}",
    });
    expect(e).toMatchObject({
      path: "/items/7",
      httpMethod: "POST",
      queryStringParameters: { q: "b" },
      multiValueQueryStringParameters: { q: ["a", "b"] },
      stageVariables: null,
      body: "{}",
      isBase64Encoded: false,
      requestContext: {
        path: "/prod/items/7",
        stage: "prod",
        accountId: "123456789012",
        requestTime: "04/Mar/2026:19:15:17 +0000",
        requestTimeEpoch: 1772651717135,
      },
    });
    expect((e.headers as Record<string, string>).Host).toBe("abc123defg.execute-api.eu-west-1.amazonaws.com");
    const empty = generateEvent("apigateway", "aws-proxy", base);
    expect(empty.queryStringParameters).toBeNull();
    expect(empty.body).toBeNull();
  });

  it("HTTP API (payload 2.0): lowercase headers, joined query values, empty parts omitted", () => {
    const e = generateEvent("apigateway", "http-api", { ...base, path: "/hello?a=1&a=2" });
    expect(e).toMatchObject({
      version: "2.0",
      routeKey: "GET /hello",
      rawPath: "/hello",
      rawQueryString: "a=1&a=2",
      queryStringParameters: { a: "1,2" },
      requestContext: {
        http: { method: "GET", path: "/hello" },
        stage: "$default",
        timeEpoch: 1772651717135,
      },
    });
    expect(Object.keys(e.headers as object).every((h) => h === h.toLowerCase())).toBe(true);
    expect("body" in e).toBe(false);
    expect("pathParameters" in e).toBe(false);
    const staged = generateEvent("apigateway", "http-api", { ...base, stage: "dev" });
    expect(staged.rawPath).toBe("/dev/hello");
  });

  it("SQS: string attributes, md5 of the body, the queue's ARN", () => {
    const e = generateEvent("sqs", "receive-message", { ...base, body: "Test message.", queue: "orders" });
    const [r] = e.Records as Record<string, unknown>[];
    expect(r).toMatchObject({
      body: "Test message.",
      md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:orders",
      awsRegion: "eu-west-1",
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1772651717135" },
    });
  });

  it("SNS: one record, Subject null when not set, Lambda's Url casing", () => {
    const e = generateEvent("sns", "notification", { ...base, topic: "alerts", message: "hi" });
    const records = e.Records as { Sns: Record<string, unknown>; EventSource: string }[];
    expect(records).toHaveLength(1);
    expect(records[0]?.EventSource).toBe("aws:sns");
    expect(records[0]?.Sns).toMatchObject({
      Type: "Notification",
      Message: "hi",
      Subject: null,
      TopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
    });
    expect(records[0]?.Sns).toHaveProperty("SigningCertUrl");
    expect(records[0]?.Sns).toHaveProperty("UnsubscribeUrl");
  });

  it("S3: key URL-encoded with + for spaces; deletes carry no size or eTag", () => {
    const put = generateEvent("s3", "put", { ...base, bucket: "photos", key: "a b/c.jpg", size: 5 });
    const [p] = put.Records as {
      eventName: string;
      s3: { object: Record<string, unknown>; bucket: unknown };
    }[];
    expect(p?.eventName).toBe("ObjectCreated:Put");
    expect(p?.s3.object).toMatchObject({ key: "a+b/c.jpg", size: 5 });
    expect(p?.s3.bucket).toMatchObject({ name: "photos", arn: "arn:aws:s3:::photos" });
    const del = generateEvent("s3", "delete", { ...base, key: "x" });
    const [d] = del.Records as { eventName: string; s3: { object: Record<string, unknown> } }[];
    expect(d?.eventName).toBe("ObjectRemoved:Delete");
    expect(d?.s3.object).not.toHaveProperty("size");
    expect(d?.s3.object).not.toHaveProperty("eTag");
  });

  it("EventBridge and scheduled events: second-precision time, detail object", () => {
    const e = generateEvent("eventbridge", "event", {
      ...base,
      source: "shop",
      detailType: "Paid",
      detail: '{"n":1}',
    });
    expect(e).toMatchObject({
      version: "0",
      source: "shop",
      "detail-type": "Paid",
      detail: { n: 1 },
      time: "2026-03-04T19:15:17Z",
      resources: [],
    });
    const s = generateEvent("schedule", "event", { ...base, rule: "hourly" });
    expect(s).toMatchObject({
      "detail-type": "Scheduled Event",
      source: "aws.events",
      resources: ["arn:aws:events:eu-west-1:123456789012:rule/hourly"],
      detail: {},
    });
  });

  it("ALB: query values not decoded, lowercase headers", () => {
    const e = generateEvent("alb", "request", { ...base, path: "/lambda?q=a%20b" });
    expect(e).toMatchObject({
      path: "/lambda",
      queryStringParameters: { q: "a%20b" },
      body: "",
      isBase64Encoded: false,
    });
  });

  it("every listed source and type generates", () => {
    for (const [source, spec] of Object.entries(SAMPLE_SOURCES)) {
      for (const type of Object.keys(spec.types))
        expect(generateEvent(source, type, base)).toBeTypeOf("object");
    }
  });
});
