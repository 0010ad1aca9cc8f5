import { describe, expect, it } from "vitest";
import { buildEventV1, type EventV1Request, headerLines, isBinaryMediaType } from "./event-v1.js";

const base: EventV1Request = {
  method: "POST",
  resource: "/items/{proxy+}",
  resourceId: "x1y2z3",
  path: "/items/a/b",
  contextPath: "/prod/items/a/b",
  rawQuery: "q=first-value&q=last-value",
  headers: [
    ["Content-Type", "application/json"],
    ["Host", "abc123.execute-api.localhost"],
    ["User-Agent", "curl/8.0"],
  ],
  pathParameters: { proxy: "a/b" },
  stageVariables: {},
  body: Buffer.from('{"a":1}'),
  binaryBody: false,
  accountId: "123456789012",
  apiId: "abc123",
  stage: "prod",
  requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
  extendedRequestId: "Ab1Cd2Ef3=",
  timeEpochMs: 1583349317135,
  domainName: "abc123.execute-api.localhost",
  sourceIp: "192.0.2.1",
  protocol: "HTTP/1.1",
};

describe("buildEventV1", () => {
  it("builds the reference REST proxy event field by field", () => {
    const event = buildEventV1(base);
    expect(event).toEqual({
      resource: "/items/{proxy+}",
      path: "/items/a/b",
      httpMethod: "POST",
      headers: {
        "Content-Type": "application/json",
        Host: "abc123.execute-api.localhost",
        "User-Agent": "curl/8.0",
      },
      multiValueHeaders: {
        "Content-Type": ["application/json"],
        Host: ["abc123.execute-api.localhost"],
        "User-Agent": ["curl/8.0"],
      },
      queryStringParameters: { q: "last-value" },
      multiValueQueryStringParameters: { q: ["first-value", "last-value"] },
      pathParameters: { proxy: "a/b" },
      stageVariables: null,
      requestContext: {
        accountId: "123456789012",
        apiId: "abc123",
        resourceId: "x1y2z3",
        resourcePath: "/items/{proxy+}",
        httpMethod: "POST",
        path: "/prod/items/a/b",
        stage: "prod",
        protocol: "HTTP/1.1",
        requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extendedRequestId: "Ab1Cd2Ef3=",
        requestTime: "04/Mar/2020:19:15:17 +0000",
        requestTimeEpoch: 1583349317135,
        domainName: "abc123.execute-api.localhost",
        domainPrefix: "abc123",
        identity: {
          sourceIp: "192.0.2.1",
          userAgent: "curl/8.0",
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          user: null,
          userArn: null,
        },
      },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect("version" in event).toBe(false);
    expect("authorizer" in event.requestContext).toBe(false);
  });

  it("uses null for empty maps and an empty body", () => {
    const event = buildEventV1({
      ...base,
      rawQuery: "",
      headers: [],
      pathParameters: {},
      body: Buffer.alloc(0),
    });
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.headers).toBeNull();
    expect(event.multiValueHeaders).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.identity.userAgent).toBeNull();
  });

  it("keeps the last value of repeated headers in headers and all in multiValueHeaders", () => {
    const event = buildEventV1({
      ...base,
      headers: [
        ["X-Multi", "a"],
        ["x-multi", "b"],
      ],
    });
    expect(event.headers).toEqual({ "X-Multi": "b" });
    expect(event.multiValueHeaders).toEqual({ "X-Multi": ["a", "b"] });
  });

  it("URL-decodes query values", () => {
    const event = buildEventV1({ ...base, rawQuery: "name=J%C3%BCrgen+x&e=" });
    expect(event.queryStringParameters).toEqual({ name: "Jürgen x", e: "" });
  });

  it("sends binary bodies base64", () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const event = buildEventV1({ ...base, body: bytes, binaryBody: true });
    expect(event.body).toBe(bytes.toString("base64"));
    expect(event.isBase64Encoded).toBe(true);
  });

  it("adds version, stage variables, API key and authorizer when given", () => {
    const event = buildEventV1({
      ...base,
      version: "1.0",
      stageVariables: { alias: "live" },
      apiKey: { value: "k".repeat(30), id: "key1234567" },
      authorizer: { principalId: "user", integrationLatency: 3, tier: "gold" },
    });
    expect(event.version).toBe("1.0");
    expect(event.stageVariables).toEqual({ alias: "live" });
    expect(event.requestContext.identity.apiKey).toBe("k".repeat(30));
    expect(event.requestContext.identity.apiKeyId).toBe("key1234567");
    expect(event.requestContext.authorizer).toEqual({
      principalId: "user",
      integrationLatency: 3,
      tier: "gold",
    });
  });
});

describe("headerLines", () => {
  it("gives one line per value", () => {
    expect(headerLines({ a: "1", b: ["2", "3"], c: undefined })).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["b", "3"],
    ]);
  });
});

describe("isBinaryMediaType", () => {
  it("matches exact, wildcard subtype and */* patterns, ignoring parameters", () => {
    expect(isBinaryMediaType("image/png", ["image/png"])).toBe(true);
    expect(isBinaryMediaType("image/jpeg; q=1", ["image/*"])).toBe(true);
    expect(isBinaryMediaType("application/json", ["*/*"])).toBe(true);
    expect(isBinaryMediaType("application/json", ["image/*"])).toBe(false);
    expect(isBinaryMediaType(undefined, ["*/*"])).toBe(false);
    expect(isBinaryMediaType("image/png", [])).toBe(false);
  });
});
