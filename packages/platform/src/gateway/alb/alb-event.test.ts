import { describe, expect, it } from "vitest";
import { buildAlbEvent, mapAlbResult } from "./alb-event.js";
import { redirectLocation } from "./redirect.js";

const TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/tg/0123456789abcdef";
const result = (value: unknown) => ({
  payload: Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
  functionError: undefined,
  errorType: undefined,
});

describe("buildAlbEvent", () => {
  const input = {
    targetGroupArn: TG,
    method: "GET",
    path: "/a%20b",
    rawQuery: "q=a%20b&q=c&flag",
    headers: { host: ["lb.example"], accept: ["text/html", "application/json"] },
    body: Buffer.alloc(0),
  };

  it("keeps query values URL-encoded and the last of repeated names without multi-value", () => {
    expect(buildAlbEvent({ ...input, multiValue: false })).toEqual({
      requestContext: { elb: { targetGroupArn: TG } },
      httpMethod: "GET",
      path: "/a%20b",
      queryStringParameters: { q: "c", flag: "" },
      headers: { host: "lb.example", accept: "application/json" },
      body: "",
      isBase64Encoded: false,
    });
  });

  it("carries only the multi-value maps when multi-value headers are on", () => {
    const event = buildAlbEvent({ ...input, multiValue: true });
    expect(event.multiValueQueryStringParameters).toEqual({ q: ["a%20b", "c"], flag: [""] });
    expect(event.multiValueHeaders).toEqual(input.headers);
    expect(event).not.toHaveProperty("headers");
    expect(event).not.toHaveProperty("queryStringParameters");
  });

  it("sends text bodies as is and others base64", () => {
    const json = buildAlbEvent({
      ...input,
      headers: { "content-type": ["application/json; charset=utf-8"] },
      body: Buffer.from('{"a":1}'),
      multiValue: false,
    });
    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const binary = buildAlbEvent({
      ...input,
      headers: { "content-type": ["application/octet-stream"] },
      body: Buffer.from([0, 255]),
      multiValue: false,
    });
    expect(binary).toMatchObject({ body: "AP8=", isBase64Encoded: true });
  });
});

describe("mapAlbResult", () => {
  it("maps statusCode, statusDescription, headers and a base64 body", () => {
    const answer = mapAlbResult(
      result({
        statusCode: 201,
        statusDescription: "201 Created Here",
        headers: { "X-A": "1", "Content-Length": "99" },
        body: "AAEC",
        isBase64Encoded: true,
      }),
      false,
    );
    expect(answer).toEqual({
      status: 201,
      statusMessage: "Created Here",
      headers: { "x-a": "1" },
      body: Buffer.from([0, 1, 2]),
    });
  });

  it("reads multiValueHeaders (and ignores headers) when multi-value headers are on", () => {
    const answer = mapAlbResult(
      result({
        statusCode: 200,
        headers: { "x-single": "s" },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
      }),
      true,
    );
    expect(answer.headers).toEqual({ "set-cookie": ["a=1", "b=2"] });
    const off = mapAlbResult(result({ statusCode: 200, multiValueHeaders: { "x-m": ["1"] } }), false);
    expect(off.headers).toEqual({});
  });

  it("answers 502 Bad Gateway for a function error or an unusable answer", () => {
    const failed = mapAlbResult(
      { payload: Buffer.from("{}"), functionError: "Unhandled", errorType: "Error" },
      false,
    );
    expect(failed.status).toBe(502);
    expect(failed.body.toString()).toContain("502 Bad Gateway");
    for (const bad of [
      "not json",
      { body: "no status" },
      [1],
      { statusCode: 200, body: { a: 1 } },
      { statusCode: 99 },
    ])
      expect(mapAlbResult(result(bad), false).status).toBe(502);
    expect(mapAlbResult(result({ statusCode: 200, headers: { "x-bad": "a\nb" } }), false).status).toBe(502);
  });
});

describe("redirectLocation", () => {
  const source = { host: "lb.local", port: "8080", path: "/old/page", rawQuery: "a=1", prefix: "" };

  it("fills the placeholders and leaves out a default port", () => {
    expect(redirectLocation({ type: "redirect", statusCode: "HTTP_301" }, source)).toBe(
      "http://lb.local:8080/old/page?a=1",
    );
    expect(
      redirectLocation(
        {
          type: "redirect",
          statusCode: "HTTP_302",
          protocol: "HTTPS",
          port: "443",
          host: "new.example",
          path: "/n/#{path}",
          query: "b=2&#{query}",
        },
        source,
      ),
    ).toBe("https://new.example/n/old/page?b=2&a=1");
  });

  it("keeps the path form's prefix when the host stays the same", () => {
    expect(
      redirectLocation(
        { type: "redirect", statusCode: "HTTP_301", path: "/new" },
        { ...source, prefix: "/_nimbus/elb/lb" },
      ),
    ).toBe("http://lb.local:8080/_nimbus/elb/lb/new?a=1");
  });
});
