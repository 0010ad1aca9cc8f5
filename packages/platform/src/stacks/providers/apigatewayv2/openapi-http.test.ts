import { describe, expect, it } from "vitest";
import { httpApiPlan } from "./openapi-http.js";

const FN = "arn:aws:lambda:us-east-1:000000000000:function:f";
const lambda = { type: "aws_proxy", httpMethod: "POST", uri: FN, payloadFormatVersion: "2.0" };

describe("httpApiPlan", () => {
  it("turns paths, integrations, authorizers, security and CORS into the v2 calls", () => {
    const plan = httpApiPlan({
      openapi: "3.0.1",
      info: { title: "shop", version: "1", description: "d" },
      "x-amazon-apigateway-cors": { allowOrigins: ["*"], maxAge: 60 },
      security: [{ jwt: ["read"] }],
      components: {
        securitySchemes: {
          jwt: {
            type: "oauth2",
            "x-amazon-apigateway-authorizer": {
              type: "jwt",
              identitySource: "$request.header.Authorization",
              jwtConfiguration: { issuer: "https://issuer", audience: ["app"] },
            },
          },
          lambda: {
            type: "apiKey",
            name: "Authorization",
            in: "header",
            "x-amazon-apigateway-authorizer": {
              type: "request",
              identitySource: "$request.header.Authorization, $request.querystring.q",
              authorizerUri: FN,
              authorizerPayloadFormatVersion: "2.0",
              enableSimpleResponses: true,
            },
          },
        },
        "x-amazon-apigateway-integrations": { shared: lambda },
      },
      paths: {
        "/items/{id}": {
          parameters: [{ name: "id", in: "path" }],
          get: { operationId: "getItem", "x-amazon-apigateway-integration": lambda },
          delete: {
            security: [{ lambda: [] }],
            "x-amazon-apigateway-integration": {
              $ref: "#/components/x-amazon-apigateway-integrations/shared",
            },
          },
        },
        "/open": {
          post: { security: [], "x-amazon-apigateway-integration": { type: "http_proxy", uri: "http://x" } },
        },
        "/$default": { "x-amazon-apigateway-any-method": { "x-amazon-apigateway-integration": lambda } },
      },
    });
    expect(plan).toMatchObject({
      name: "shop",
      version: "1",
      description: "d",
      cors: { allowOrigins: ["*"], maxAge: 60 },
    });
    expect(plan.authorizers.map((a) => a.body)).toEqual([
      {
        name: "jwt",
        authorizerType: "JWT",
        identitySource: ["$request.header.Authorization"],
        jwtConfiguration: { issuer: "https://issuer", audience: ["app"] },
      },
      {
        name: "lambda",
        authorizerType: "REQUEST",
        identitySource: ["$request.header.Authorization", "$request.querystring.q"],
        authorizerUri: FN,
        authorizerPayloadFormatVersion: "2.0",
        enableSimpleResponses: true,
      },
    ]);
    // One integration per distinct definition.
    expect(plan.integrations.map((i) => i.body)).toEqual([
      { integrationType: "AWS_PROXY", integrationUri: FN, payloadFormatVersion: "2.0" },
      {
        integrationType: "HTTP_PROXY",
        integrationUri: "http://x",
        integrationMethod: "ANY",
        payloadFormatVersion: "1.0",
      },
    ]);
    const routes = plan.routes.map(({ integrationKey: _k, ...r }) => r);
    expect(routes).toEqual([
      {
        routeKey: "GET /items/{id}",
        operationName: "getItem",
        authorizationType: "JWT",
        authorizerName: "jwt",
        authorizationScopes: ["read"],
      },
      { routeKey: "DELETE /items/{id}", authorizationType: "CUSTOM", authorizerName: "lambda" },
      { routeKey: "POST /open", authorizationType: "NONE" },
      {
        routeKey: "$default",
        authorizationType: "JWT",
        authorizerName: "jwt",
        authorizationScopes: ["read"],
      },
    ]);
    expect(plan.routes[0]?.integrationKey).toBe(plan.routes[1]?.integrationKey);
    expect(plan.warnings).toEqual([]);
  });

  it("refuses what it cannot apply, naming it", () => {
    const base = { openapi: "3.0.1", info: { title: "t" } };
    expect(() => httpApiPlan({ swagger: "2.0", paths: {} })).toThrow(/OpenAPI 3/);
    expect(() => httpApiPlan({ ...base, paths: {}, "x-amazon-apigateway-policy": {} })).toThrow(
      /x-amazon-apigateway-policy/,
    );
    expect(() =>
      httpApiPlan({
        ...base,
        paths: { "/a": { get: { "x-amazon-apigateway-integration": { ...lambda, credentials: "r" } } } },
      }),
    ).toThrow(/credentials/);
    expect(() =>
      httpApiPlan({
        ...base,
        paths: { "/a": { get: { "x-amazon-apigateway-integration": { type: "aws", uri: FN } } } },
      }),
    ).toThrow(/aws_proxy and http_proxy/);
    expect(() =>
      httpApiPlan({
        ...base,
        paths: { "/a": { get: { "x-amazon-apigateway-integration": { type: "aws_proxy", uri: FN } } } },
      }),
    ).toThrow(/payloadFormatVersion/);
    expect(() => httpApiPlan({ ...base, paths: { "/a": { get: { security: [{ nope: [] }] } } } })).toThrow(
      /nope/,
    );
  });

  it("warns about a security scheme without an authorizer", () => {
    const plan = httpApiPlan({
      openapi: "3.0.1",
      info: { title: "t" },
      components: { securitySchemes: { key: { type: "apiKey", name: "x-api-key", in: "header" } } },
      paths: { "/a": { get: { security: [{ key: [] }] } } },
    });
    expect(plan.routes).toEqual([{ routeKey: "GET /a", authorizationType: "NONE" }]);
    expect(plan.warnings).toEqual([
      "GET /a: security scheme key has no x-amazon-apigateway-authorizer; the route has none",
    ]);
  });
});
