import { describe, expect, it } from "vitest";
import {
  buildFunctionUrlEvent,
  type FunctionUrlRequest,
  isTextContentType,
  requestTime,
} from "./event-v2.js";

const URL_ID = "abcdefghijklmnopqrstuvwxyz012345";
const TIME = Date.UTC(2020, 2, 12, 19, 3, 58, 390);

function request(overrides: Partial<FunctionUrlRequest> = {}): FunctionUrlRequest {
  return {
    requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    method: "GET",
    rawPath: "/",
    rawQuery: "",
    headers: { host: `${URL_ID}.lambda-url.us-east-1.localhost:4566`, "user-agent": "curl/8.0" },
    body: Buffer.alloc(0),
    urlId: URL_ID,
    domainName: `${URL_ID}.lambda-url.us-east-1.localhost`,
    sourceIp: "192.0.2.1",
    protocol: "HTTP/1.1",
    timeEpochMs: TIME,
    accountId: "anonymous",
    iam: undefined,
    ...overrides,
  };
}

describe("buildFunctionUrlEvent", () => {
  it("fills the fixed payload 2.0 members", () => {
    const event = buildFunctionUrlEvent(request());
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("$default");
    expect(event.requestContext.routeKey).toBe("$default");
    expect(event.requestContext.stage).toBe("$default");
  });

  it("names the URL in apiId, domainPrefix and domainName", () => {
    const { requestContext } = buildFunctionUrlEvent(request());
    expect(requestContext.apiId).toBe(URL_ID);
    expect(requestContext.domainPrefix).toBe(URL_ID);
    expect(requestContext.domainName).toBe(`${URL_ID}.lambda-url.us-east-1.localhost`);
  });

  it("reports the request id, time and epoch milliseconds", () => {
    const { requestContext } = buildFunctionUrlEvent(request());
    expect(requestContext.requestId).toBe("c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    expect(requestContext.time).toBe("12/Mar/2020:19:03:58 +0000");
    expect(requestContext.timeEpoch).toBe(TIME);
  });

  it("describes the HTTP request in requestContext.http", () => {
    const { requestContext } = buildFunctionUrlEvent(
      request({ method: "POST", rawPath: "/items/a%20b", protocol: "HTTP/1.1" }),
    );
    expect(requestContext.http).toEqual({
      method: "POST",
      path: "/items/a%20b",
      protocol: "HTTP/1.1",
      sourceIp: "192.0.2.1",
      userAgent: "curl/8.0",
    });
  });

  it("keeps the raw path and the raw query string without '?'", () => {
    const event = buildFunctionUrlEvent(request({ rawPath: "/my/path", rawQuery: "a=1&a=2&b=x%20y" }));
    expect(event.rawPath).toBe("/my/path");
    expect(event.rawQueryString).toBe("a=1&a=2&b=x%20y");
  });

  it("decodes query parameters and joins repeated keys with commas", () => {
    const event = buildFunctionUrlEvent(request({ rawQuery: "a=1&a=2&b=x%20y&empty=" }));
    expect(event.queryStringParameters).toEqual({ a: "1,2", b: "x y", empty: "" });
  });

  it("omits queryStringParameters, cookies and body when there are none", () => {
    const event = buildFunctionUrlEvent(request());
    expect("queryStringParameters" in event).toBe(false);
    expect("cookies" in event).toBe(false);
    expect("body" in event).toBe(false);
    expect(event.isBase64Encoded).toBe(false);
  });

  it("lower-cases header names and joins list values with commas", () => {
    const event = buildFunctionUrlEvent(
      request({ headers: { "X-Custom": "v1", "x-multi": ["a", "b"], host: "h" } }),
    );
    expect(event.headers["x-custom"]).toBe("v1");
    expect(event.headers["x-multi"]).toBe("a,b");
    expect(event.headers.host).toBe("h");
  });

  it("moves cookies out of the headers into the cookies list", () => {
    const event = buildFunctionUrlEvent(request({ headers: { cookie: "s=1; t=2;;  u=3" } }));
    expect(event.cookies).toEqual(["s=1", "t=2", "u=3"]);
    expect(event.headers.cookie).toBeUndefined();
  });

  it("drops connection headers and adds the forwarding headers AWS adds", () => {
    const event = buildFunctionUrlEvent(
      request({
        headers: { connection: "keep-alive", host: `${URL_ID}.lambda-url.us-east-1.localhost:4566` },
      }),
    );
    expect(event.headers.connection).toBeUndefined();
    expect(event.headers["x-forwarded-for"]).toBe("192.0.2.1");
    expect(event.headers["x-forwarded-proto"]).toBe("http");
    expect(event.headers["x-forwarded-port"]).toBe("4566");
  });

  it("keeps forwarding headers the client sent", () => {
    const event = buildFunctionUrlEvent(request({ headers: { "x-forwarded-proto": "https" } }));
    expect(event.headers["x-forwarded-proto"]).toBe("https");
    expect(event.headers["x-forwarded-port"]).toBe("80");
  });

  it("passes a text body as text", () => {
    const event = buildFunctionUrlEvent(
      request({
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: Buffer.from('{"a":"é"}'),
      }),
    );
    expect(event.body).toBe('{"a":"é"}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it("passes a binary body base64-encoded", () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const event = buildFunctionUrlEvent(
      request({ method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes }),
    );
    expect(event.body).toBe(bytes.toString("base64"));
    expect(event.isBase64Encoded).toBe(true);
  });

  it("base64-encodes a body without a content type, and text that is not UTF-8", () => {
    const untyped = buildFunctionUrlEvent(request({ method: "POST", body: Buffer.from("plain") }));
    expect(untyped).toMatchObject({ body: Buffer.from("plain").toString("base64"), isBase64Encoded: true });
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    const broken = buildFunctionUrlEvent(
      request({ method: "POST", headers: { "content-type": "text/plain" }, body: latin1 }),
    );
    expect(broken).toMatchObject({ body: latin1.toString("base64"), isBase64Encoded: true });
  });

  it("reports anonymous callers without an authorizer", () => {
    const { requestContext } = buildFunctionUrlEvent(request());
    expect(requestContext.accountId).toBe("anonymous");
    expect("authorizer" in requestContext).toBe(false);
  });

  it("reports an AWS_IAM caller in authorizer.iam", () => {
    const iam = {
      accessKey: "AKIDEXAMPLE",
      accountId: "000000000000",
      callerId: "AKIDEXAMPLE",
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: "arn:aws:iam::000000000000:user/AKIDEXAMPLE",
      userId: "AKIDEXAMPLE",
    };
    const { requestContext } = buildFunctionUrlEvent(request({ accountId: "000000000000", iam }));
    expect(requestContext.accountId).toBe("000000000000");
    expect(requestContext.authorizer).toEqual({ iam });
  });

  it("reports an empty user agent when the client sent none", () => {
    const { requestContext } = buildFunctionUrlEvent(request({ headers: {} }));
    expect(requestContext.http.userAgent).toBe("");
  });
});

describe("isTextContentType", () => {
  it.each([
    ["text/plain", true],
    ["text/html; charset=utf-8", true],
    ["application/json", true],
    ["Application/JSON", true],
    ["application/ld+json", true],
    ["application/xml", true],
    ["application/atom+xml", true],
    ["application/javascript", true],
    ["application/octet-stream", false],
    ["application/x-www-form-urlencoded", false],
    ["multipart/form-data; boundary=x", false],
    ["image/png", false],
    [undefined, false],
  ])("treats %s as text: %s", (type, text) => {
    expect(isTextContentType(type)).toBe(text);
  });
});

describe("requestTime", () => {
  it("pads day and time fields", () => {
    expect(requestTime(Date.UTC(2021, 8, 7, 2, 5, 9))).toBe("07/Sep/2021:02:05:09 +0000");
  });
});
