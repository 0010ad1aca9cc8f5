import { describe, expect, it } from "vitest";
import { mapProxyResultV1 } from "./response-v1.js";

const ok = (value: unknown) => ({
  payload: Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
  functionError: undefined,
  errorType: undefined,
});
const rest = { binary: [] as string[] };

describe("mapProxyResultV1", () => {
  it("maps statusCode, headers and body", () => {
    const { response, problem } = mapProxyResultV1(
      ok({ statusCode: 201, headers: { "X-Id": "7", "Content-Type": "text/plain" }, body: "made" }),
      rest,
    );
    expect(problem).toBeUndefined();
    expect(response.status).toBe(201);
    expect(response.headers).toEqual({ "X-Id": ["7"], "Content-Type": ["text/plain"] });
    expect(response.body.toString()).toBe("made");
  });

  it("defaults Content-Type to application/json and an absent body to empty", () => {
    const { response } = mapProxyResultV1(ok({ statusCode: 204 }), rest);
    expect(response.headers).toEqual({ "Content-Type": ["application/json"] });
    expect(response.body.length).toBe(0);
  });

  it("lets multiValueHeaders win over headers for the same name", () => {
    const { response } = mapProxyResultV1(
      ok({
        statusCode: 200,
        headers: { "set-cookie": "x=0", "X-Single": 5 },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
        body: "",
      }),
      rest,
    );
    expect(response.headers["Set-Cookie"]).toEqual(["a=1", "b=2"]);
    expect(response.headers["set-cookie"]).toBeUndefined();
    expect(response.headers["X-Single"]).toEqual(["5"]);
  });

  it.each([
    [
      "a function error",
      { payload: Buffer.from("{}"), functionError: "Unhandled" as const, errorType: "Error" },
    ],
    ["a non-JSON answer", ok("not json")],
    ["a missing statusCode", ok({ body: "x" })],
    ["a non-numeric statusCode", ok({ statusCode: "abc" })],
    ["an object body", ok({ statusCode: 200, body: { a: 1 } })],
    ["a plain value", ok(42)],
    ["a header list in headers", ok({ statusCode: 200, headers: { a: ["1"] } })],
    ["an invalid header name", ok({ statusCode: 200, headers: { "bad name": "1" } })],
  ])("answers 502 Internal server error for %s", (_name, result) => {
    const mapped = mapProxyResultV1(result, rest);
    expect(mapped.response.status).toBe(502);
    expect(JSON.parse(mapped.response.body.toString())).toEqual({ message: "Internal server error" });
    expect(mapped.problem).toBeDefined();
  });

  it("uses the given 502 message (HTTP APIs)", () => {
    const mapped = mapProxyResultV1(ok("x"), {
      binary: "always",
      internalErrorMessage: "Internal Server Error",
    });
    expect(JSON.parse(mapped.response.body.toString())).toEqual({ message: "Internal Server Error" });
  });

  it("decodes base64 bodies only when Accept or Content-Type is a binary media type (REST)", () => {
    const bytes = Buffer.from([137, 80, 78, 71]);
    const result = ok({
      statusCode: 200,
      headers: { "Content-Type": "image/png" },
      body: bytes.toString("base64"),
      isBase64Encoded: true,
    });
    expect(mapProxyResultV1(result, { binary: ["image/png"] }).response.body).toEqual(bytes);
    expect(
      mapProxyResultV1(result, {
        binary: ["application/octet-stream"],
        accept: "application/octet-stream, */*",
      }).response.body,
    ).toEqual(bytes);
    expect(mapProxyResultV1(result, { binary: [] }).response.body.toString()).toBe(bytes.toString("base64"));
    expect(mapProxyResultV1(result, { binary: "always" }).response.body).toEqual(bytes);
  });

  it("drops framing headers set by the function", () => {
    const { response } = mapProxyResultV1(
      ok({ statusCode: 200, headers: { "Content-Length": "99" }, body: "x" }),
      rest,
    );
    expect(response.headers["Content-Length"]).toBeUndefined();
  });
});
