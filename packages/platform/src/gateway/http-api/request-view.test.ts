import { describe, expect, it } from "vitest";
import type { AwsRequest } from "../../aws/http-types.js";
import { formatAccessLog, logGroupName } from "./access-log.js";
import { messageAnswer } from "./integrate.js";
import {
  eventV1,
  eventV2,
  identityValue,
  newApigwRequestId,
  type RequestView,
  routeArn,
} from "./request-view.js";

const TIME = Date.UTC(2020, 2, 12, 19, 3, 58, 390);

function view(overrides: Partial<RequestView> = {}, req: Partial<AwsRequest> = {}): RequestView {
  const rawQuery = req.rawQuery ?? "a=1&a=2&b=x%20y";
  return {
    req: {
      requestId: "11111111-2222-3333-4444-555555555555",
      method: "POST",
      rawPath: "/_nimbus/execute-api/abcdefghij/prod/items/42",
      query: new URLSearchParams(rawQuery),
      rawQuery,
      headers: {
        host: "127.0.0.1:4566",
        "content-type": "application/json",
        "user-agent": "agent/1",
        cookie: "s=1; t=2",
        "x-multi": "v1, v2",
      },
      body: Buffer.from('{"a":1}'),
      hostname: "127.0.0.1",
      origin: "http://127.0.0.1:4566",
      sourceIp: "192.0.2.1",
      caller: {
        accessKeyId: undefined,
        signingService: undefined,
        region: "us-east-1",
        accountId: "000000000000",
      },
      ...req,
    },
    apiId: "abcdefghij",
    accountId: "123456789012",
    region: "us-east-1",
    stageName: "prod",
    stageVariables: { k: "v" },
    fullPath: "/prod/items/42",
    routePath: "/items/42",
    routeKey: "POST /items/{id}",
    pathParameters: { id: "42" },
    apigwRequestId: "JKJaXmPLvHcESHA=",
    timeEpochMs: TIME,
    domainName: "abcdefghij.execute-api.localhost",
    sourceIp: "192.0.2.1",
    ...overrides,
  };
}

describe("payload 2.0 event of an HTTP API route", () => {
  it("fills every member as events.md section 2 shows it", () => {
    const event = eventV2(view(), { jwt: { claims: { sub: "u" }, scopes: ["s1"] } });
    expect(event).toEqual({
      version: "2.0",
      routeKey: "POST /items/{id}",
      rawPath: "/prod/items/42",
      rawQueryString: "a=1&a=2&b=x%20y",
      cookies: ["s=1", "t=2"],
      headers: {
        host: "127.0.0.1:4566",
        "content-type": "application/json",
        "user-agent": "agent/1",
        "x-multi": "v1, v2",
        "x-forwarded-for": "192.0.2.1",
        "x-forwarded-proto": "http",
        "x-forwarded-port": "4566",
      },
      queryStringParameters: { a: "1,2", b: "x y" },
      pathParameters: { id: "42" },
      stageVariables: { k: "v" },
      requestContext: {
        accountId: "123456789012",
        apiId: "abcdefghij",
        authorizer: { jwt: { claims: { sub: "u" }, scopes: ["s1"] } },
        domainName: "abcdefghij.execute-api.localhost",
        domainPrefix: "abcdefghij",
        http: {
          method: "POST",
          path: "/prod/items/42",
          protocol: "HTTP/1.1",
          sourceIp: "192.0.2.1",
          userAgent: "agent/1",
        },
        requestId: "JKJaXmPLvHcESHA=",
        routeKey: "POST /items/{id}",
        stage: "prod",
        time: "12/Mar/2020:19:03:58 +0000",
        timeEpoch: TIME,
      },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
  });

  it("leaves out empty path parameters and stage variables, and sends binary bodies base64", () => {
    const event = eventV2(
      view(
        { pathParameters: {}, stageVariables: {} },
        { headers: { "content-type": "image/png" }, body: Buffer.from([0, 255]) },
      ),
      undefined,
    );
    expect("pathParameters" in event).toBe(false);
    expect("stageVariables" in event).toBe(false);
    expect("authorizer" in event.requestContext).toBe(false);
    expect(event.body).toBe("AP8=");
    expect(event.isBase64Encoded).toBe(true);
  });
});

describe("payload 1.0 event of an HTTP API route", () => {
  it("carries version 1.0, the route's resource and multi-value maps", () => {
    const event = eventV1(view(), { lambda: { user: "u" } });
    expect(event).toMatchObject({
      version: "1.0",
      resource: "/items/{id}",
      path: "/prod/items/42",
      httpMethod: "POST",
      queryStringParameters: { a: "2", b: "x y" },
      multiValueQueryStringParameters: { a: ["1", "2"], b: ["x y"] },
      pathParameters: { id: "42" },
      stageVariables: { k: "v" },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect(event.requestContext).toMatchObject({
      resourceId: "POST /items/{id}",
      resourcePath: "/items/{id}",
      stage: "prod",
      requestId: "JKJaXmPLvHcESHA=",
      authorizer: { lambda: { user: "u" } },
      identity: { sourceIp: "192.0.2.1", userAgent: "agent/1" },
    });
    expect(event.headers?.["content-type"]).toBe("application/json");
  });
});

describe("identity sources and access logs", () => {
  it("reads headers (any case), query strings, context and stage variables", () => {
    const v = view();
    expect(identityValue("$request.header.User-Agent", v)).toBe("agent/1");
    expect(identityValue("$request.querystring.a", v)).toBe("1,2");
    expect(identityValue("$request.querystring.none", v)).toBeUndefined();
    expect(identityValue("$context.stage", v)).toBe("prod");
    expect(identityValue("$stageVariables.k", v)).toBe("v");
    expect(routeArn(v)).toBe("arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/POST/items/42");
  });

  it("formats $context variables, writing - for those without a value", () => {
    const line = formatAccessLog(
      '{"id":"$context.requestId","route":"$context.routeKey","status":"$context.status","ip":"$context.identity.sourceIp","err":"$context.integrationErrorMessage","x":"$context.unknownThing"}',
      view(),
      { answer: messageAnswer(502, "Internal Server Error", "boom"), responseLatencyMs: 3 },
    );
    expect(JSON.parse(line)).toEqual({
      id: "JKJaXmPLvHcESHA=",
      route: "POST /items/{id}",
      status: "502",
      ip: "192.0.2.1",
      err: "boom",
      x: "-",
    });
    expect(logGroupName("arn:aws:logs:us-east-1:000000000000:log-group:/my/logs:*")).toBe("/my/logs");
  });
});

describe("newApigwRequestId", () => {
  it("makes 11-byte base64 ids in API Gateway's form, a new one each time", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newApigwRequestId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9+/]{15}=$/);
      expect(Buffer.from(id, "base64")).toHaveLength(11);
    }
  });
});
