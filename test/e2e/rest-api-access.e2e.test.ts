import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetAuthorizersCommand,
  GetUsageCommand,
  PutGatewayResponseCommand,
  UpdateAuthorizerCommand,
  UpdateStageCommand,
  UpdateUsagePlanCommand,
} from "@aws-sdk/client-api-gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { lambdaUri, proxyMethod, resourcePath, rootId, stageUrl } from "../support/rest-api.js";

let nimbus: TestNimbus;
let client: APIGatewayClient;
let apiId: string;
let base: string;
let quotaKey: { id: string; value: string };
let burstKey: { id: string; value: string };
let quotaPlanId: string;

async function apiKey(name: string, enabled = true) {
  const key = await client.send(new CreateApiKeyCommand({ name, enabled }));
  return { id: key.id ?? "", value: key.value ?? "" };
}

beforeAll(async () => {
  nimbus = await startNimbus();
  client = new APIGatewayClient(clientConfig(nimbus.url));
  await createFixtureFunction(nimbus.lambda, "rest-proxy", "node/rest-proxy");
  await createFixtureFunction(nimbus.lambda, "rest-authorizer", "node/rest-authorizer");
  const api = await client.send(new CreateRestApiCommand({ name: "access" }));
  apiId = api.id ?? "";
  const root = await rootId(client, apiId);
  const token = await client.send(
    new CreateAuthorizerCommand({
      restApiId: apiId,
      name: "token-auth",
      type: "TOKEN",
      authorizerUri: lambdaUri("rest-authorizer"),
      identitySource: "method.request.header.Authorization",
      identityValidationExpression: "[a-z]+",
      authorizerResultTtlInSeconds: 300,
    }),
  );
  const request = await client.send(
    new CreateAuthorizerCommand({
      restApiId: apiId,
      name: "request-auth",
      type: "REQUEST",
      authorizerUri: lambdaUri("rest-authorizer"),
      identitySource: "method.request.querystring.token",
      authorizerResultTtlInSeconds: 0,
    }),
  );
  await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/keyed"), "GET", "rest-proxy", {
    apiKeyRequired: true,
  });
  await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/open"), "GET", "rest-proxy");
  await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/token"), "GET", "rest-proxy", {
    authorizerId: token.id ?? "",
  });
  await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/request"), "GET", "rest-proxy", {
    authorizerId: request.id ?? "",
  });
  await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "v1" }));
  base = stageUrl(nimbus.url, apiId, "v1");

  quotaKey = await apiKey("quota-key");
  burstKey = await apiKey("burst-key");
  const quotaPlan = await client.send(
    new CreateUsagePlanCommand({
      name: "small-quota",
      apiStages: [{ apiId, stage: "v1" }],
      quota: { limit: 3, period: "DAY" },
    }),
  );
  quotaPlanId = quotaPlan.id ?? "";
  await client.send(
    new CreateUsagePlanKeyCommand({ usagePlanId: quotaPlanId, keyId: quotaKey.id, keyType: "API_KEY" }),
  );
  const burstPlan = await client.send(
    new CreateUsagePlanCommand({
      name: "tiny-burst",
      apiStages: [{ apiId, stage: "v1" }],
      throttle: { burstLimit: 2, rateLimit: 0.001 },
    }),
  );
  await client.send(
    new CreateUsagePlanKeyCommand({
      usagePlanId: burstPlan.id ?? "",
      keyId: burstKey.id,
      keyType: "API_KEY",
    }),
  );
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await nimbus?.stop();
});

describe("API keys and usage plans", () => {
  it("answers 403 Forbidden without a key, with an unknown key and with a disabled one", async () => {
    const disabled = await apiKey("disabled-key", false);
    await client.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: quotaPlanId, keyId: disabled.id, keyType: "API_KEY" }),
    );
    const unplanned = await apiKey("no-plan-key");
    for (const headers of [
      {},
      { "x-api-key": "x".repeat(30) },
      { "x-api-key": disabled.value },
      { "x-api-key": unplanned.value },
    ]) {
      const res = await fetch(`${base}/keyed`, { headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: "Forbidden" });
    }
  });

  it("passes the key into the event and answers 429 Limit Exceeded when the quota is used up", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/keyed`, { headers: { "x-api-key": quotaKey.value } });
      statuses.push(res.status);
      const { event } = (await res.json()) as {
        event: { requestContext: { identity: Record<string, string> } };
      };
      expect(event.requestContext.identity.apiKey).toBe(quotaKey.value);
      expect(event.requestContext.identity.apiKeyId).toBe(quotaKey.id);
    }
    expect(statuses).toEqual([200, 200, 200]);
    const over = await fetch(`${base}/keyed`, { headers: { "x-api-key": quotaKey.value } });
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ message: "Limit Exceeded" });
    const today = new Date().toISOString().slice(0, 10);
    const usage = await client.send(
      new GetUsageCommand({ usagePlanId: quotaPlanId, keyId: quotaKey.id, startDate: today, endDate: today }),
    );
    expect(usage.items?.[quotaKey.id]).toEqual([[3, 0]]);
    // Raising the quota lets the key through again.
    const raised = await client.send(
      new UpdateUsagePlanCommand({
        usagePlanId: quotaPlanId,
        patchOperations: [{ op: "replace", path: "/quota/limit", value: "4" }],
      }),
    );
    expect(raised.quota).toEqual({ limit: 4, offset: 0, period: "DAY" });
    expect((await fetch(`${base}/keyed`, { headers: { "x-api-key": quotaKey.value } })).status).toBe(200);
    expect((await fetch(`${base}/keyed`, { headers: { "x-api-key": quotaKey.value } })).status).toBe(429);
  });

  it("answers 429 Too Many Requests past the plan's burst", async () => {
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => fetch(`${base}/keyed`, { headers: { "x-api-key": burstKey.value } })),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    const throttled = replies.find((r) => r.status === 429);
    expect(await throttled?.json()).toEqual({ message: "Too Many Requests" });
  });
});

describe("API keys from an authorizer (apiKeySource AUTHORIZER)", () => {
  it("takes the key from usageIdentifierKey, and answers 403 when the authorizer names none", async () => {
    const api = await client.send(
      new CreateRestApiCommand({ name: "key-from-authorizer", apiKeySource: "AUTHORIZER" }),
    );
    const id = api.id ?? "";
    const authorizer = await client.send(
      new CreateAuthorizerCommand({
        restApiId: id,
        name: "keys",
        type: "REQUEST",
        authorizerUri: lambdaUri("rest-authorizer"),
        identitySource: "method.request.querystring.token",
        authorizerResultTtlInSeconds: 0,
      }),
    );
    const resource = await resourcePath(client, id, await rootId(client, id), "/r");
    await proxyMethod(client, id, resource, "GET", "rest-proxy", {
      apiKeyRequired: true,
      authorizerId: authorizer.id ?? "",
    });
    await client.send(new CreateDeploymentCommand({ restApiId: id, stageName: "v1" }));
    const key = await apiKey("authorizer-key");
    const plan = await client.send(
      new CreateUsagePlanCommand({ name: "authorizer-plan", apiStages: [{ apiId: id, stage: "v1" }] }),
    );
    await client.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: plan.id ?? "", keyId: key.id, keyType: "API_KEY" }),
    );
    const url = `${stageUrl(nimbus.url, id, "v1")}/r`;
    const ok = await fetch(`${url}?token=allow&key=${encodeURIComponent(key.value)}`);
    expect(ok.status).toBe(200);
    const { event } = (await ok.json()) as {
      event: { requestContext: { identity: Record<string, string> } };
    };
    expect(event.requestContext.identity.apiKeyId).toBe(key.id);
    // The header does not count when the authorizer is the key source.
    const none = await fetch(`${url}?token=allow`, { headers: { "x-api-key": key.value } });
    expect(none.status).toBe(403);
    expect(await none.json()).toEqual({ message: "Forbidden" });
  });
});

describe("usage plan per-method throttling", () => {
  it("throttles one method of the stage for the plan's keys", async () => {
    const key = await apiKey("method-key");
    const plan = await client.send(
      new CreateUsagePlanCommand({
        name: "per-method",
        apiStages: [{ apiId, stage: "v1", throttle: { "/keyed/GET": { burstLimit: 1, rateLimit: 0.001 } } }],
      }),
    );
    expect(plan.apiStages?.[0]?.throttle).toEqual({ "/keyed/GET": { burstLimit: 1, rateLimit: 0.001 } });
    await client.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: plan.id ?? "", keyId: key.id, keyType: "API_KEY" }),
    );
    const first = await fetch(`${base}/keyed`, { headers: { "x-api-key": key.value } });
    const second = await fetch(`${base}/keyed`, { headers: { "x-api-key": key.value } });
    expect([first.status, second.status]).toEqual([200, 429]);
    expect(await second.json()).toEqual({ message: "Too Many Requests" });
  });
});

describe("method throttling", () => {
  it("throttles a method past its burst after UpdateStage sets it", async () => {
    await client.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: "v1",
        patchOperations: [
          { op: "replace", path: "/~1open/GET/throttling/burstLimit", value: "3" },
          { op: "replace", path: "/~1open/GET/throttling/rateLimit", value: "0.001" },
        ],
      }),
    );
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => fetch(`${base}/open`)))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });
});

describe("stage-wide method throttling", () => {
  it("applies */* settings to each method of the stage", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: "stage-throttle" }));
    const id = api.id ?? "";
    const root = await rootId(client, id);
    await proxyMethod(client, id, await resourcePath(client, id, root, "/a"), "GET", "rest-proxy");
    await proxyMethod(client, id, await resourcePath(client, id, root, "/b"), "GET", "rest-proxy");
    await client.send(new CreateDeploymentCommand({ restApiId: id, stageName: "s" }));
    await client.send(
      new UpdateStageCommand({
        restApiId: id,
        stageName: "s",
        patchOperations: [
          { op: "replace", path: "/*/*/throttling/burstLimit", value: "2" },
          { op: "replace", path: "/*/*/throttling/rateLimit", value: "0.001" },
        ],
      }),
    );
    const url = stageUrl(nimbus.url, id, "s");
    const a = await Promise.all(Array.from({ length: 4 }, () => fetch(`${url}/a`)));
    // Each method has its own bucket: /b still has its burst after /a spent its own.
    const b = await Promise.all(Array.from({ length: 2 }, () => fetch(`${url}/b`)));
    expect(a.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    expect(b.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe("Lambda authorizers", () => {
  const call = (path: string, token?: string) =>
    fetch(`${base}${path}`, token === undefined ? {} : { headers: { Authorization: token } });

  it("TOKEN: 401 without a token or when it fails identityValidationExpression", async () => {
    for (const res of [await call("/token"), await call("/token", "NOT-LOWER-1")]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: "Unauthorized" });
    }
  });

  it("TOKEN: allows, puts principal and context into the event, and caches the policy", async () => {
    const first = await call("/token", "allow");
    expect(first.status).toBe(200);
    const { event } = (await first.json()) as {
      event: { requestContext: { authorizer: Record<string, unknown> } };
    };
    expect(event.requestContext.authorizer).toMatchObject({
      principalId: "user-allow",
      tier: "gold",
      admin: "true",
      type: "TOKEN",
    });
    expect(typeof event.requestContext.authorizer.integrationLatency).toBe("number");
    const second = await call("/token", "allow");
    const again = (await second.json()) as {
      event: { requestContext: { authorizer: Record<string, unknown> } };
    };
    // Served from the cache: the authorizer was not called again.
    expect(again.event.requestContext.authorizer.calls).toBe(event.requestContext.authorizer.calls);
  });

  it("TOKEN: 403 on an explicit Deny and when the policy does not allow this method", async () => {
    const denied = await call("/token", "deny");
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      Message: "User is not authorized to access this resource with an explicit deny",
    });
    const other = await call("/token", "other");
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ Message: "User is not authorized to access this resource" });
    const unauthorized = await call("/token", "unauthorized");
    expect(unauthorized.status).toBe(401);
  });

  it("REQUEST: reads the query identity source, calls the function each time without caching", async () => {
    const missing = await fetch(`${base}/request`);
    expect(missing.status).toBe(401);
    const a = await fetch(`${base}/request?token=allow`);
    const b = await fetch(`${base}/request?token=allow`);
    expect(a.status).toBe(200);
    const ca = (
      (await a.json()) as { event: { requestContext: { authorizer: { calls: string; type: string } } } }
    ).event.requestContext.authorizer;
    const cb = ((await b.json()) as { event: { requestContext: { authorizer: { calls: string } } } }).event
      .requestContext.authorizer;
    expect(ca.type).toBe("REQUEST");
    expect(Number(cb.calls)).toBeGreaterThan(Number(ca.calls));
    const denied = await fetch(`${base}/request?token=deny`);
    expect(denied.status).toBe(403);
  });
});

describe("gateway responses", () => {
  it("customizes API Gateway's own answers after the next deployment", async () => {
    await client.send(
      new PutGatewayResponseCommand({
        restApiId: apiId,
        responseType: "UNAUTHORIZED",
        statusCode: "401",
        responseParameters: {
          "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
          "gatewayresponse.header.X-Stage": "context.stage",
        },
        responseTemplates: {
          "application/json":
            '{"error": $context.error.messageString, "type": "$context.error.responseType"}',
        },
      }),
    );
    await client.send(
      new PutGatewayResponseCommand({
        restApiId: apiId,
        responseType: "DEFAULT_4XX",
        responseParameters: {
          "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
        },
      }),
    );
    // Not deployed yet: the stage still answers the default.
    const before = await fetch(`${base}/token`);
    expect(before.headers.get("access-control-allow-origin")).toBeNull();
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "v1" }));
    const unauthorized = await fetch(`${base}/token`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe("*");
    expect(unauthorized.headers.get("x-stage")).toBe("v1");
    expect(await unauthorized.json()).toEqual({ error: "Unauthorized", type: "UNAUTHORIZED" });
    // DEFAULT_4XX covers the other 4xx answers, keeping their status and body.
    const missing = await fetch(`${base}/nothing-here`);
    expect(missing.status).toBe(403);
    expect(missing.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(await missing.json()).toEqual({ message: "Missing Authentication Token" });
  });
});

describe("UpdateAuthorizer", () => {
  it("applies patch operations and refuses invalid settings", async () => {
    const listed = await client.send(new GetAuthorizersCommand({ restApiId: apiId }));
    const token = listed.items?.find((a) => a.name === "token-auth");
    const updated = await client.send(
      new UpdateAuthorizerCommand({
        restApiId: apiId,
        authorizerId: token?.id ?? "",
        patchOperations: [
          { op: "replace", path: "/authorizerResultTtlInSeconds", value: "60" },
          { op: "replace", path: "/identityValidationExpression", value: "[a-z]{3,}" },
        ],
      }),
    );
    expect(updated.authorizerResultTtlInSeconds).toBe(60);
    expect(updated.identityValidationExpression).toBe("[a-z]{3,}");
    const refused = client.send(
      new UpdateAuthorizerCommand({
        restApiId: apiId,
        authorizerId: token?.id ?? "",
        patchOperations: [{ op: "replace", path: "/authorizerResultTtlInSeconds", value: "7200" }],
      }),
    );
    await expect(refused).rejects.toThrow(/between 0 and 3600/);
  });
});
