import { request as httpRequest } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import {
  APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  CreateRequestValidatorCommand,
  CreateRestApiCommand,
  DeleteRestApiCommand,
  GetIntegrationCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
  NotFoundException,
  PutIntegrationCommand,
  UpdateIntegrationCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { lambdaUri, proxyMethod, resourcePath, rootId, stageUrl } from "../support/rest-api.js";

let nimbus: TestNimbus;
let client: APIGatewayClient;
let apiId: string;
let base: string;
let itemsId: string;

beforeAll(async () => {
  nimbus = await startNimbus();
  client = new APIGatewayClient(clientConfig(nimbus.url));
  await createFixtureFunction(nimbus.lambda, "rest-proxy", "node/rest-proxy");
  const api = await client.send(
    new CreateRestApiCommand({ name: "proxy-api", binaryMediaTypes: ["application/octet-stream"] }),
  );
  apiId = api.id ?? "";
  const root = await rootId(client, apiId);
  itemsId = await resourcePath(client, apiId, root, "/items");
  const itemId = await resourcePath(client, apiId, itemsId, "/{id}");
  const special = await resourcePath(client, apiId, itemsId, "/special");
  const greedy = await resourcePath(client, apiId, root, "/{proxy+}");
  await proxyMethod(client, apiId, itemId, "ANY", "rest-proxy");
  await proxyMethod(client, apiId, special, "GET", "rest-proxy");
  await proxyMethod(client, apiId, greedy, "ANY", "rest-proxy", { timeoutInMillis: 500 });
  await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/iam"), "GET", "rest-proxy", {
    iam: true,
  });
  await client.send(
    new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod", variables: { color: "blue" } }),
  );
  base = stageUrl(nimbus.url, apiId, "prod");
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await nimbus?.stop();
});

describe("REST API management", () => {
  it("lists the API and its resources with embedded methods", async () => {
    const apis = await client.send(new GetRestApisCommand({}));
    expect(apis.items?.map((a) => a.name)).toContain("proxy-api");
    const resources = await client.send(new GetResourcesCommand({ restApiId: apiId, embed: ["methods"] }));
    const paths = resources.items?.map((r) => r.path).sort();
    expect(paths).toEqual(["/", "/iam", "/items", "/items/special", "/items/{id}", "/{proxy+}"]);
    const item = resources.items?.find((r) => r.path === "/items/{id}");
    expect(item?.resourceMethods?.ANY?.methodIntegration?.type).toBe("AWS_PROXY");
    const method = await client.send(
      new GetMethodCommand({ restApiId: apiId, resourceId: item?.id ?? "", httpMethod: "ANY" }),
    );
    expect(method.methodIntegration?.uri).toBe(lambdaUri("rest-proxy"));
    const stage = await client.send(new GetStageCommand({ restApiId: apiId, stageName: "prod" }));
    expect(stage.variables).toEqual({ color: "blue" });
  });

  it("updates an integration with patch operations and refuses paths it does not apply", async () => {
    const resources = await client.send(new GetResourcesCommand({ restApiId: apiId }));
    const special = resources.items?.find((r) => r.path === "/items/special")?.id ?? "";
    const ref = { restApiId: apiId, resourceId: special, httpMethod: "GET" };
    await client.send(
      new UpdateIntegrationCommand({
        ...ref,
        patchOperations: [{ op: "replace", path: "/timeoutInMillis", value: "5000" }],
      }),
    );
    expect((await client.send(new GetIntegrationCommand(ref))).timeoutInMillis).toBe(5000);
    const refused = client.send(
      new UpdateIntegrationCommand({
        ...ref,
        patchOperations: [{ op: "replace", path: "/tlsConfig/insecureSkipVerification", value: "true" }],
      }),
    );
    await expect(refused).rejects.toThrow(/tlsConfig/);
    const tooLong = client.send(
      new UpdateIntegrationCommand({
        ...ref,
        patchOperations: [{ op: "replace", path: "/timeoutInMillis", value: "30000" }],
      }),
    );
    await expect(tooLong).rejects.toBeInstanceOf(BadRequestException);
  });

  it("refuses a request validator that would validate bodies (no models)", async () => {
    const refused = client.send(
      new CreateRequestValidatorCommand({ restApiId: apiId, name: "body", validateRequestBody: true }),
    );
    await expect(refused).rejects.toBeInstanceOf(BadRequestException);
    await expect(refused).rejects.toThrow(/request body validation/);
  });

  it("answers NotFoundException and BadRequestException with AWS's names", async () => {
    await expect(
      client.send(new GetStageCommand({ restApiId: apiId, stageName: "nope" })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(client.send(new DeleteRestApiCommand({ restApiId: "abcdefghij" }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const unsupported = client.send(
      new PutIntegrationCommand({
        restApiId: apiId,
        resourceId: itemsId,
        httpMethod: "GET",
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
      }),
    );
    await expect(unsupported).rejects.toBeInstanceOf(BadRequestException);
    await expect(unsupported).rejects.toThrow(/AWS service integrations other than Lambda/);
    await client.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [] }));
    const badPatch = client.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: "prod",
        patchOperations: [{ op: "replace", path: "/*/*/caching/enabled", value: "true" }],
      }),
    );
    await expect(badPatch).rejects.toBeInstanceOf(BadRequestException);
    await expect(badPatch).rejects.toThrow(/caching/);
  });
});

describe("Lambda proxy integration (payload 1.0)", () => {
  it("sends the 1.0 event field by field", async () => {
    const res = await fetch(`${base}/items/42?q=first&q=last&x=a%20b`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "rest-test/1.0", "x-custom": "c1" },
      body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-stage-variable")).toBe("blue");
    const { event } = (await res.json()) as {
      event: Record<string, unknown> & { requestContext: Record<string, unknown> };
    };
    expect(event.resource).toBe("/items/{id}");
    expect(event.path).toBe("/items/42");
    expect(event.httpMethod).toBe("POST");
    expect(event.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "rest-test/1.0",
      "x-custom": "c1",
    });
    expect(event.multiValueHeaders).toMatchObject({ "x-custom": ["c1"] });
    expect(event.queryStringParameters).toEqual({ q: "last", x: "a b" });
    expect(event.multiValueQueryStringParameters).toEqual({ q: ["first", "last"], x: ["a b"] });
    expect(event.pathParameters).toEqual({ id: "42" });
    expect(event.stageVariables).toEqual({ color: "blue" });
    expect(event.body).toBe('{"a":1}');
    expect(event.isBase64Encoded).toBe(false);
    const ctx = event.requestContext;
    expect(ctx).toMatchObject({
      accountId: "000000000000",
      apiId,
      resourcePath: "/items/{id}",
      httpMethod: "POST",
      path: "/prod/items/42",
      stage: "prod",
      protocol: "HTTP/1.1",
    });
    expect(ctx.resourceId).toMatch(/^[a-z0-9]{10}$/);
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof ctx.extendedRequestId).toBe("string");
    expect(ctx.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof ctx.requestTimeEpoch).toBe("number");
    expect(ctx.domainName).toBe(`${apiId}.execute-api.localhost:${new URL(nimbus.url).port}`);
    expect(ctx.domainPrefix).toBe(apiId);
    expect(ctx.identity).toMatchObject({
      sourceIp: "127.0.0.1",
      userAgent: "rest-test/1.0",
      apiKey: null,
      apiKeyId: null,
      user: null,
    });
    expect("authorizer" in ctx).toBe(false);
  });

  it("uses null for absent query, path parameters and body", async () => {
    const res = await fetch(`${base}/items/special`);
    const { event } = (await res.json()) as { event: Record<string, unknown> };
    expect(event.resource).toBe("/items/special");
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBeNull();
  });

  it("matches a greedy {proxy+} when nothing more specific fits", async () => {
    const res = await fetch(`${base}/a/b/c`);
    const { event } = (await res.json()) as { event: Record<string, unknown> };
    expect(event.resource).toBe("/{proxy+}");
    expect(event.pathParameters).toEqual({ proxy: "a/b/c" });
  });

  it("answers by Host as well as by path prefix", async () => {
    const port = new URL(nimbus.url).port;
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/prod/items/7",
          headers: { host: `${apiId}.execute-api.localhost:${port}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(reply.status).toBe(200);
    const { event } = JSON.parse(reply.body) as {
      event: { path: string; requestContext: { domainName: string } };
    };
    expect(event.path).toBe("/items/7");
    expect(event.requestContext.domainName).toBe(`${apiId}.execute-api.localhost:${port}`);
  });

  it("maps statusCode, headers and multiValueHeaders", async () => {
    const res = await fetch(`${base}/items/cookies`);
    expect(res.status).toBe(201);
    expect(res.headers.get("x-single")).toBe("one");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.text()).toBe("cookies");
  });

  it("round-trips binary bodies with a binary media type", async () => {
    const bytes = Buffer.from([0, 1, 2, 200, 255, 10]);
    const res = await fetch(`${base}/items/binary`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", accept: "application/octet-stream" },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it("answers 502 for a function error and for a malformed response", async () => {
    for (const path of ["throw", "malformed"]) {
      const res = await fetch(`${base}/items/${path}`);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ message: "Internal server error" });
    }
  });

  it("answers 504 when the integration times out", async () => {
    const res = await fetch(`${base}/x/slow`);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ message: "Endpoint request timed out" });
  });

  it("answers 403 Missing Authentication Token for no method and Forbidden for no stage", async () => {
    const missing = await fetch(`${base}/items`);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ message: "Missing Authentication Token" });
    const noStage = await fetch(stageUrl(nimbus.url, apiId, "nostage"));
    expect(noStage.status).toBe(403);
    expect(await noStage.json()).toEqual({ message: "Forbidden" });
  });
});

describe("AWS_IAM authorization", () => {
  const signed = async (service: string) => {
    const url = new URL(`${base}/iam`);
    const signer = new SignatureV4({
      service,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDREST", secretAccessKey: "secret" },
      sha256: Sha256,
    });
    const request = await signer.sign({
      method: "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host },
    });
    return fetch(url, { headers: request.headers });
  };

  it("answers 403 Missing Authentication Token to an unsigned request", async () => {
    const res = await fetch(`${base}/iam`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: "Missing Authentication Token" });
  });

  it("lets a request signed for execute-api through and names the caller in identity", async () => {
    const res = await signed("execute-api");
    expect(res.status).toBe(200);
    const { event } = (await res.json()) as {
      event: { requestContext: { identity: Record<string, unknown> } };
    };
    expect(event.requestContext.identity).toMatchObject({
      accessKey: "AKIDREST",
      caller: "AKIDREST",
      user: "AKIDREST",
      userArn: "arn:aws:iam::000000000000:user/AKIDREST",
      accountId: "000000000000",
    });
  });

  it("refuses a request signed for another service", async () => {
    const res = await signed("lambda");
    expect(res.status).toBe(403);
  });
});
