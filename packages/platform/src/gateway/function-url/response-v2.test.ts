import { describe, expect, it } from "vitest";
import { mapFunctionResult } from "./response-v2.js";

const ok = (value: unknown) =>
  mapFunctionResult({
    payload: Buffer.from(JSON.stringify(value)),
    functionError: undefined,
    errorType: undefined,
  });

describe("mapFunctionResult: plain return values", () => {
  it("sends a returned string as the body text of a 200 application/json answer", () => {
    const { response, problem } = ok("hello");
    expect(problem).toBeUndefined();
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ "content-type": "application/json" });
    expect(response.body.toString()).toBe("hello");
  });

  it("sends an object without statusCode as compact JSON", () => {
    const { response } = mapFunctionResult({
      payload: Buffer.from('{ "hello": "world" }'),
      functionError: undefined,
      errorType: undefined,
    });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('{"hello":"world"}');
  });

  it.each([
    [["hello", 3, true], '["hello",3,true]'],
    [3, "3"],
    [3.1, "3.1"],
    [true, "true"],
    [null, "null"],
  ])("sends %j as %s", (value, body) => {
    const { response } = ok(value);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.body.toString()).toBe(body);
  });
});

describe("mapFunctionResult: structured responses", () => {
  it("uses statusCode, headers (lower-cased) and body as given", () => {
    const { response } = ok({
      statusCode: 201,
      headers: { "Content-Type": "text/plain", "My-Custom-Header": "Custom Value" },
      body: "created",
    });
    expect(response.status).toBe(201);
    expect(response.headers).toEqual({ "content-type": "text/plain", "my-custom-header": "Custom Value" });
    expect(response.body.toString()).toBe("created");
  });

  it("defaults content-type to application/json", () => {
    const { response } = ok({ statusCode: 200, body: "body123" });
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.body.toString()).toBe("body123");
  });

  it("accepts a numeric string statusCode", () => {
    expect(ok({ statusCode: "418", body: "i'm a teapot" }).response.status).toBe(418);
  });

  it("turns each cookie into its own Set-Cookie line, after a set-cookie header", () => {
    const { response } = ok({
      statusCode: 200,
      headers: { "Set-Cookie": "first=0" },
      cookies: ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"],
    });
    expect(response.cookies).toEqual([
      "first=0",
      "a=1; Path=/",
      "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
    ]);
    expect(response.headers["set-cookie"]).toBeUndefined();
  });

  it("decodes a base64 body when isBase64Encoded is true", () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const { response } = ok({
      statusCode: 200,
      headers: { "content-type": "application/octet-stream" },
      body: bytes.toString("base64"),
      isBase64Encoded: true,
    });
    expect(response.body.equals(bytes)).toBe(true);
  });

  it("sends an empty body when none is given", () => {
    expect(ok({ statusCode: 204 }).response.body.length).toBe(0);
  });

  it("serializes a body that is not a string", () => {
    expect(ok({ statusCode: 200, body: { a: 1 } }).response.body.toString()).toBe('{"a":1}');
  });

  it("stringifies number and boolean header values and skips null ones", () => {
    const { response } = ok({ statusCode: 200, headers: { "x-n": 5, "x-b": false, "x-null": null } });
    expect(response.headers).toMatchObject({ "x-n": "5", "x-b": "false" });
    expect(response.headers["x-null"]).toBeUndefined();
  });

  it("ignores framing headers the server sets itself", () => {
    const { response } = ok({
      statusCode: 200,
      headers: { "Content-Length": "999", "Transfer-Encoding": "chunked", Connection: "close" },
      body: "x",
    });
    expect(Object.keys(response.headers)).toEqual(["content-type"]);
  });
});

describe("mapFunctionResult: 502 Internal Server Error", () => {
  it("answers a function error with 502 and names the error type for the log", () => {
    const { response, problem } = mapFunctionResult({
      payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}'),
      functionError: "Unhandled",
      errorType: "Error",
    });
    expect(response.status).toBe(502);
    expect(response.body.toString()).toBe("Internal Server Error");
    expect(problem).toContain("Error");
  });

  it.each([
    ["a statusCode that is not a status", { statusCode: "abc" }],
    ["a statusCode out of range", { statusCode: 42 }],
    ["a null statusCode", { statusCode: null }],
    ["headers that are not an object", { statusCode: 200, headers: ["x"] }],
    ["a header value that is an object", { statusCode: 200, headers: { x: { y: 1 } } }],
    ["a header that cannot be sent", { statusCode: 200, headers: { "bad name": "v" } }],
    ["a header value with a line break", { statusCode: 200, headers: { x: "a\r\nb: c" } }],
    ["cookies that are not strings", { statusCode: 200, cookies: [1] }],
  ])("answers 502 for %s", (_what, value) => {
    const { response, problem } = ok(value);
    expect(response.status).toBe(502);
    expect(problem).toBeDefined();
  });

  it("answers 502 when the payload is not JSON", () => {
    const { response } = mapFunctionResult({
      payload: Buffer.from("not json"),
      functionError: undefined,
      errorType: undefined,
    });
    expect(response.status).toBe(502);
  });
});
