import { generateKeyPairSync, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  type CreateAuthorizerCommandInput,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetAuthorizerCommand,
  ResetAuthorizersCacheCommand,
} from "@aws-sdk/client-apigatewayv2";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, awsCliPath } from "../support/aws-cli.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const INVOCATION_ARN = (name: string) =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${ARN(name)}/invocations`;

// biome-ignore lint/suspicious/noExplicitAny: events and bodies are checked member by member by the assertions
type Loose = any;
const json = async (response: Response | Promise<Response>): Promise<Loose> => (await response).json();

let nimbus: TestNimbus;
let api: ApiGatewayV2Client;
let issuerServer: Server;
let issuer: string;
let jwksFetches = 0;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });

const call = (apiId: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}${path}`, { headers });

function jwt(claims: Record<string, unknown>, key = privateKey): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${enc({ alg: "RS256", typ: "JWT", kid: "test-key" })}.${enc(claims)}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), key).toString("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: issuer,
  aud: "my-api",
  sub: "user-42",
  exp: now() + 600,
  iat: now(),
  scope: "items:read",
  ...extra,
});

/** An API whose routes use the given authorizer, each routed to the echo function. */
async function apiWithAuthorizer(
  authorizer: Omit<CreateAuthorizerCommandInput, "ApiId">,
  routes: { key: string; type: "JWT" | "CUSTOM"; scopes?: string[] }[],
): Promise<{ apiId: string; authorizerId: string }> {
  const apiId = (await api.send(new CreateApiCommand({ Name: "auth", ProtocolType: "HTTP" }))).ApiId ?? "";
  const created = await api.send(new CreateAuthorizerCommand({ ApiId: apiId, ...authorizer }));
  const integration = await api.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: "AWS_PROXY",
      IntegrationUri: ARN("http-echo"),
      PayloadFormatVersion: "2.0",
    }),
  );
  for (const route of routes) {
    await api.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: route.key,
        AuthorizationType: route.type,
        AuthorizerId: created.AuthorizerId,
        ...(route.scopes ? { AuthorizationScopes: route.scopes } : {}),
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
  }
  await api.send(new CreateStageCommand({ ApiId: apiId, StageName: "$default", AutoDeploy: true }));
  return { apiId, authorizerId: created.AuthorizerId ?? "" };
}

beforeAll(async () => {
  nimbus = await startNimbus();
  api = new ApiGatewayV2Client(clientConfig(nimbus.url));
  issuerServer = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    } else if (req.url === "/keys") {
      jwksFetches++;
      res.end(
        JSON.stringify({
          keys: [{ ...publicKey.export({ format: "jwk" }), kid: "test-key", use: "sig", alg: "RS256" }],
        }),
      );
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((r) => issuerServer.listen(0, "127.0.0.1", () => r()));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  await Promise.all([
    createFixtureFunction(nimbus.lambda, "http-echo", "node/http-echo"),
    createFixtureFunction(nimbus.lambda, "auth-simple", "node/http-authorizer", { env: { MODE: "simple" } }),
    createFixtureFunction(nimbus.lambda, "auth-policy", "node/http-authorizer"),
    createFixtureFunction(nimbus.lambda, "auth-throws", "node/throws"),
  ]);
});

afterAll(async () => {
  api.destroy();
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await nimbus.stop();
});

describe("JWT authorizer", () => {
  it("verifies tokens against the issuer's JWKS and passes claims and scopes to the function", async () => {
    const { apiId, authorizerId } = await apiWithAuthorizer(
      {
        Name: "jwt",
        AuthorizerType: "JWT",
        IdentitySource: ["$request.header.Authorization"],
        JwtConfiguration: { Issuer: issuer, Audience: ["my-api"] },
      },
      [
        { key: "GET /items", type: "JWT" },
        { key: "DELETE /items", type: "JWT", scopes: ["items:delete"] },
      ],
    );
    const got = await api.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: authorizerId }));
    expect(got).toMatchObject({
      AuthorizerType: "JWT",
      JwtConfiguration: { Issuer: issuer, Audience: ["my-api"] },
    });

    const missing = await call(apiId, "/items");
    expect(missing.status).toBe(401);
    expect(await json(missing)).toEqual({ message: "Unauthorized" });

    const ok = await call(apiId, "/items", { authorization: `Bearer ${jwt(claims())}` });
    expect(ok.status).toBe(200);
    const event = await json(ok);
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({
      sub: "user-42",
      aud: "my-api",
      iss: issuer,
    });
    expect(event.requestContext.authorizer.jwt.scopes).toEqual(["items:read"]);

    for (const bad of [
      jwt(claims({ aud: "other-api" })),
      jwt(claims({ exp: now() - 10 })),
      jwt(claims({ iss: "https://elsewhere.test" })),
      jwt(claims(), stranger.privateKey),
      "not-a-jwt",
    ]) {
      expect((await call(apiId, "/items", { authorization: `Bearer ${bad}` })).status).toBe(401);
    }
    // The keys were fetched once and then kept.
    expect(jwksFetches).toBe(1);

    const unscoped = await fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}/items`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${jwt(claims())}` },
    });
    expect(unscoped.status).toBe(403);
    expect(await json(unscoped)).toEqual({ message: "Forbidden" });
    const scoped = await fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}/items`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${jwt(claims({ scope: "items:read items:delete" }))}` },
    });
    expect(scoped.status).toBe(200);
  });
});

describe("Lambda REQUEST authorizer", () => {
  it("takes simple responses, caches them per identity for the TTL and passes its context", async () => {
    const { apiId } = await apiWithAuthorizer(
      {
        Name: "simple",
        AuthorizerType: "REQUEST",
        AuthorizerUri: INVOCATION_ARN("auth-simple"),
        AuthorizerPayloadFormatVersion: "2.0",
        EnableSimpleResponses: true,
        IdentitySource: ["$request.header.x-auth"],
        AuthorizerResultTtlInSeconds: 300,
      },
      [{ key: "GET /private", type: "CUSTOM" }],
    );
    const missing = await call(apiId, "/private");
    expect(missing.status).toBe(401);
    expect(await json(missing)).toEqual({ message: "Unauthorized" });

    const first = await json(call(apiId, "/private", { "x-auth": "allow-1" }));
    expect(first.requestContext.authorizer.lambda).toMatchObject({
      user: "allow-1",
      version: "2.0",
      type: "REQUEST",
    });
    const second = await json(call(apiId, "/private", { "x-auth": "allow-1" }));
    // Served from the cache: the authorizer did not run again.
    expect(second.requestContext.authorizer.lambda.calls).toBe(first.requestContext.authorizer.lambda.calls);
    // ResetAuthorizersCache: the next call runs the authorizer again.
    await api.send(new ResetAuthorizersCacheCommand({ ApiId: apiId, StageName: "$default" }));
    const third = await json(call(apiId, "/private", { "x-auth": "allow-1" }));
    expect(third.requestContext.authorizer.lambda.calls).toBeGreaterThan(
      first.requestContext.authorizer.lambda.calls,
    );
    const other = await json(call(apiId, "/private", { "x-auth": "allow-2" }));
    expect(other.requestContext.authorizer.lambda.user).toBe("allow-2");

    const denied = await call(apiId, "/private", { "x-auth": "deny" });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toEqual({ message: "Forbidden" });
  });

  it("evaluates IAM policies (payload 1.0) against the route ARN, without caching at TTL 0", async () => {
    const { apiId } = await apiWithAuthorizer(
      {
        Name: "policy",
        AuthorizerType: "REQUEST",
        AuthorizerUri: INVOCATION_ARN("auth-policy"),
        AuthorizerPayloadFormatVersion: "1.0",
        IdentitySource: ["$request.querystring.token"],
        AuthorizerResultTtlInSeconds: 0,
      },
      [{ key: "GET /orders/{id}", type: "CUSTOM" }],
    );
    const first = await call(apiId, "/orders/7?token=allow");
    expect(first.status).toBe(200);
    const a = (await json(first)).requestContext.authorizer.lambda;
    expect(a).toMatchObject({ user: "allow", version: "1.0", type: "REQUEST" });
    const b = (await json(call(apiId, "/orders/7?token=allow"))).requestContext.authorizer.lambda;
    expect(b.calls).toBeGreaterThan(a.calls);
    expect((await call(apiId, "/orders/7?token=deny")).status).toBe(403);
    expect((await call(apiId, "/orders/7")).status).toBe(401);
  });
});

describe("a failing Lambda authorizer", () => {
  it("answers 500 Internal Server Error without calling the integration", async () => {
    const { apiId } = await apiWithAuthorizer(
      {
        Name: "broken",
        AuthorizerType: "REQUEST",
        AuthorizerUri: INVOCATION_ARN("auth-throws"),
        AuthorizerPayloadFormatVersion: "2.0",
        EnableSimpleResponses: true,
        IdentitySource: ["$request.header.x-auth"],
      },
      [{ key: "GET /guarded", type: "CUSTOM" }],
    );
    const response = await call(apiId, "/guarded", { "x-auth": "allow" });
    expect(response.status).toBe(500);
    expect(await json(response)).toEqual({ message: "Internal Server Error" });
  });
});

describe("access logs", () => {
  it("writes one line per request to the stage's log group, in its format", async () => {
    const created = await api.send(
      new CreateApiCommand({ Name: "logged", ProtocolType: "HTTP", Target: ARN("http-echo") }),
    );
    const apiId = created.ApiId ?? "";
    await api.send(
      new CreateStageCommand({
        ApiId: apiId,
        StageName: "prod",
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: "arn:aws:logs:us-east-1:000000000000:log-group:/http-api/access",
          Format:
            '{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status","stage":"$context.stage"}',
        },
      }),
    );
    const response = await call(apiId, "/prod/logged-path");
    expect(response.status).toBe(200);
    const requestId = response.headers.get("apigw-requestid");
    let lines: string[] = [];
    for (let attempt = 0; attempt < 50 && lines.length === 0; attempt++) {
      const out = await nimbus.logs
        .send(new FilterLogEventsCommand({ logGroupName: "/http-api/access" }))
        .catch(() => ({ events: [] }));
      lines = (out.events ?? []).map((e) => e.message ?? "");
      if (lines.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { requestId, routeKey: "$default", status: "200", stage: "prod" },
    ]);
    const cli = awsCliPath();
    if (cli) {
      const tail = await aws(cli, nimbus.url, ["logs", "tail", "/http-api/access", "--since", "1h"]);
      expect(tail).toContain(`"requestId":"${requestId}"`);
      expect(tail).toContain(`${apiId}_prod`);
    }
  });
});
