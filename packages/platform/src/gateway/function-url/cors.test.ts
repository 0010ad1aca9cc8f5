import { describe, expect, it } from "vitest";
import type { FunctionUrlCors } from "../../functions/index.js";
import { preflightResponse, withCorsHeaders } from "./cors.js";
import type { GatewayResponse } from "./response-v2.js";

const CORS: FunctionUrlCors = {
  allowOrigins: ["https://app.example.com"],
  allowMethods: ["GET", "POST"],
  allowHeaders: ["content-type", "x-custom"],
  exposeHeaders: ["x-request-id"],
  maxAgeSec: 300,
};

const preflight = (cors: FunctionUrlCors | undefined, headers: Record<string, string>, method = "OPTIONS") =>
  preflightResponse(cors, method, headers);

const answer = (headers: Record<string, string> = {}): GatewayResponse => ({
  status: 200,
  headers: { "content-type": "text/plain", ...headers },
  cookies: [],
  body: Buffer.from("ok"),
});

describe("preflightResponse", () => {
  it("answers an allowed preflight from the configuration", () => {
    const response = preflight(CORS, {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    });
    expect(response?.status).toBe(200);
    expect(response?.headers).toEqual({
      "access-control-allow-origin": "https://app.example.com",
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "content-type,x-custom",
      "access-control-max-age": "300",
      vary: "Origin",
    });
    expect(response?.body.length).toBe(0);
  });

  it("answers without Access-Control headers when the origin is not allowed", () => {
    const response = preflight(CORS, {
      origin: "https://evil.example.com",
      "access-control-request-method": "GET",
    });
    expect(response?.status).toBe(200);
    expect(response?.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers without Access-Control headers when the method is not allowed", () => {
    const response = preflight(CORS, {
      origin: "https://app.example.com",
      "access-control-request-method": "DELETE",
    });
    expect(response?.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("allows every origin with '*', and echoes the origin when credentials are allowed", () => {
    const anyOrigin = { allowOrigins: ["*"], allowMethods: ["*"] };
    const request = { origin: "https://x.test", "access-control-request-method": "PUT" };
    expect(preflight(anyOrigin, request)?.headers).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "*",
    });
    const withCredentials = preflight({ ...anyOrigin, allowCredentials: true }, request);
    expect(withCredentials?.headers).toMatchObject({
      "access-control-allow-origin": "https://x.test",
      "access-control-allow-methods": "PUT",
      "access-control-allow-credentials": "true",
    });
  });

  it("leaves requests that are not preflights to the function", () => {
    expect(preflight(CORS, { origin: "https://app.example.com" })).toBeUndefined();
    expect(preflight(CORS, { "access-control-request-method": "GET" })).toBeUndefined();
    expect(
      preflight(CORS, { origin: "https://app.example.com", "access-control-request-method": "GET" }, "GET"),
    ).toBeUndefined();
  });

  it("leaves preflights to the function when the URL has no Cors", () => {
    expect(
      preflight(undefined, { origin: "https://app.example.com", "access-control-request-method": "GET" }),
    ).toBeUndefined();
  });
});

describe("withCorsHeaders", () => {
  it("adds the allowed origin, exposed headers and Vary for a matching origin", () => {
    const response = withCorsHeaders(CORS, "https://app.example.com", answer());
    expect(response.headers).toEqual({
      "content-type": "text/plain",
      "access-control-allow-origin": "https://app.example.com",
      "access-control-expose-headers": "x-request-id",
      vary: "Origin",
    });
  });

  it("matches origins without regard to case", () => {
    const response = withCorsHeaders(CORS, "HTTPS://APP.EXAMPLE.COM", answer());
    expect(response.headers["access-control-allow-origin"]).toBe("HTTPS://APP.EXAMPLE.COM");
  });

  it("replaces Access-Control headers the function set", () => {
    const response = withCorsHeaders(
      CORS,
      "https://app.example.com",
      answer({ "access-control-allow-origin": "*", "access-control-max-age": "1", vary: "Accept" }),
    );
    expect(response.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(response.headers["access-control-max-age"]).toBeUndefined();
    expect(response.headers.vary).toBe("Accept, Origin");
  });

  it("leaves the answer alone for another origin, no origin or no Cors", () => {
    const original = answer({ "access-control-allow-origin": "*" });
    expect(withCorsHeaders(CORS, "https://evil.example.com", original)).toBe(original);
    expect(withCorsHeaders(CORS, undefined, original)).toBe(original);
    expect(withCorsHeaders(undefined, "https://app.example.com", original)).toBe(original);
  });

  it("adds Allow-Credentials when credentials are allowed", () => {
    const response = withCorsHeaders(
      { allowOrigins: ["*"], allowCredentials: true },
      "https://x.test",
      answer(),
    );
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "https://x.test",
      "access-control-allow-credentials": "true",
    });
  });
});
