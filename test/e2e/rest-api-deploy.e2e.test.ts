import {
  APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  GetAuthorizersCommand,
  GetResourcesCommand,
  GetStageCommand,
  ImportRestApiCommand,
  PutRestApiCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { lambdaUri, proxyMethod, resourcePath, rootId, stageUrl } from "../support/rest-api.js";

let nimbus: TestNimbus;
let client: APIGatewayClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  client = new APIGatewayClient(clientConfig(nimbus.url));
  await createFixtureFunction(nimbus.lambda, "rest-proxy", "node/rest-proxy");
  await createFixtureFunction(nimbus.lambda, "rest-custom", "node/rest-custom");
  await createFixtureFunction(nimbus.lambda, "rest-authorizer", "node/rest-authorizer");
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await nimbus?.stop();
});

describe("canary deployments", () => {
  it("splits traffic between the stage's deployment and the canary, with canary stage variables", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: "canary" }));
    const apiId = api.id ?? "";
    const root = await rootId(client, apiId);
    const hello = await resourcePath(client, apiId, root, "/hello");
    await proxyMethod(client, apiId, hello, "GET", "rest-proxy");
    await client.send(
      new CreateDeploymentCommand({ restApiId: apiId, stageName: "live", variables: { color: "blue" } }),
    );
    const canary = await client.send(
      new CreateDeploymentCommand({
        restApiId: apiId,
        stageName: "live",
        canarySettings: { percentTraffic: 50, stageVariableOverrides: { color: "green" } },
      }),
    );
    const stage = await client.send(new GetStageCommand({ restApiId: apiId, stageName: "live" }));
    expect(stage.canarySettings).toMatchObject({
      percentTraffic: 50,
      deploymentId: canary.id,
      stageVariableOverrides: { color: "green" },
    });
    expect(stage.deploymentId).not.toBe(canary.id);

    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${stageUrl(nimbus.url, apiId, "live")}/hello`);
      expect(res.status).toBe(200);
      const color = res.headers.get("x-stage-variable") ?? "";
      counts[color] = (counts[color] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["blue", "green"]);
    expect(counts.blue).toBeGreaterThan(20);
    expect(counts.green).toBeGreaterThan(20);

    // Promote: the stage serves the canary's deployment, and the canary goes away.
    await client.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: "live",
        patchOperations: [
          { op: "replace", path: "/deploymentId", value: canary.id ?? "" },
          { op: "remove", path: "/canarySettings" },
          { op: "replace", path: "/variables/color", value: "green" },
        ],
      }),
    );
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${stageUrl(nimbus.url, apiId, "live")}/hello`);
      expect(res.headers.get("x-stage-variable")).toBe("green");
    }
  }, 120_000);

  it("keeps serving the old deployment until a new one is made", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: "snapshots" }));
    const apiId = api.id ?? "";
    const root = await rootId(client, apiId);
    await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/one"), "GET", "rest-proxy");
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "s" }));
    await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/two"), "GET", "rest-proxy");
    expect((await fetch(`${stageUrl(nimbus.url, apiId, "s")}/two`)).status).toBe(403);
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "s" }));
    expect((await fetch(`${stageUrl(nimbus.url, apiId, "s")}/two`)).status).toBe(200);
  });
});

describe("access logs", () => {
  it("writes one line per request in the stage's format to its log group", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: "logged" }));
    const apiId = api.id ?? "";
    const root = await rootId(client, apiId);
    await proxyMethod(
      client,
      apiId,
      await resourcePath(client, apiId, root, "/items/{id}"),
      "GET",
      "rest-proxy",
    );
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod" }));
    const stage = await client.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: "prod",
        patchOperations: [
          {
            op: "replace",
            path: "/accessLogSettings/destinationArn",
            value: "arn:aws:logs:us-east-1:000000000000:log-group:/rest-api/access",
          },
          {
            op: "replace",
            path: "/accessLogSettings/format",
            value:
              '{"requestId":"$context.requestId","method":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","error":"$context.error.message"}',
          },
        ],
      }),
    );
    expect(stage.accessLogSettings?.destinationArn).toContain("/rest-api/access");
    const ok = await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/items/3`);
    expect(ok.status).toBe(200);
    const missing = await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/nothing`);
    expect(missing.status).toBe(403);
    let lines: string[] = [];
    for (let attempt = 0; attempt < 50 && lines.length < 2; attempt++) {
      const out = await nimbus.logs
        .send(new FilterLogEventsCommand({ logGroupName: "/rest-api/access" }))
        .catch(() => ({ events: [] }));
      lines = (out.events ?? []).map((e) => e.message ?? "");
      if (lines.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, string>);
    expect(parsed.map(({ requestId: _r, ...rest }) => rest)).toEqual([
      { method: "GET", resourcePath: "/items/{id}", status: "200", error: "-" },
      { method: "GET", resourcePath: "-", status: "403", error: "Missing Authentication Token" },
    ]);
    expect(parsed[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

const PETSTORE_OPENAPI3 = `
openapi: 3.0.1
info:
  title: petstore
  version: "1.0"
x-amazon-apigateway-binary-media-types: ["image/png"]
x-amazon-apigateway-request-validators:
  params:
    validateRequestParameters: true
    validateRequestBody: false
paths:
  /pets:
    get:
      operationId: listPets
      x-amazon-apigateway-request-validator: params
      parameters:
        - { name: type, in: query, required: true, schema: { type: string } }
      responses:
        "200": { description: ok }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '[{"id": 1, "type": "$input.params(''type'')"}]'
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
        - { name: petId, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: ok }
        "404": { description: missing }
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: ${lambdaUri("rest-custom")}
        passthroughBehavior: when_no_templates
        requestTemplates:
          application/json: '{"id": "$input.params(''petId'')"}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '$input.json(''$.item'')'
          "Not Found.*":
            statusCode: "404"
            responseTemplates:
              application/json: '{"message": "no such pet"}'
  /owner/{proxy+}:
    x-amazon-apigateway-any-method:
      security:
        - owner-auth: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: ${lambdaUri("rest-proxy")}
  /admin:
    get:
      x-amazon-apigateway-auth:
        type: AWS_IAM
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: ${lambdaUri("rest-proxy")}
components:
  securitySchemes:
    owner-auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: ${lambdaUri("rest-authorizer")}
        authorizerResultTtlInSeconds: 0
`;

describe("OpenAPI import", () => {
  it("imports an OpenAPI 3 petstore (YAML) and serves it", async () => {
    const api = await client.send(new ImportRestApiCommand({ body: Buffer.from(PETSTORE_OPENAPI3) }));
    const apiId = api.id ?? "";
    expect(api.name).toBe("petstore");
    expect(api.binaryMediaTypes).toEqual(["image/png"]);
    const resources = await client.send(new GetResourcesCommand({ restApiId: apiId, embed: ["methods"] }));
    expect(resources.items?.map((r) => r.path).sort()).toEqual([
      "/",
      "/admin",
      "/owner",
      "/owner/{proxy+}",
      "/pets",
      "/pets/{petId}",
    ]);
    expect(resources.items?.find((r) => r.path === "/admin")?.resourceMethods?.GET?.authorizationType).toBe(
      "AWS_IAM",
    );
    const pets = resources.items?.find((r) => r.path === "/pets");
    expect(pets?.resourceMethods?.GET?.operationName).toBe("listPets");
    const authorizers = await client.send(new GetAuthorizersCommand({ restApiId: apiId }));
    expect(authorizers.items?.map((a) => [a.name, a.type, a.identitySource])).toEqual([
      ["owner-auth", "TOKEN", "method.request.header.Authorization"],
    ]);
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod" }));
    const base = stageUrl(nimbus.url, apiId, "prod");

    const list = await fetch(`${base}/pets?type=cat`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([{ id: 1, type: "cat" }]);
    const invalid = await fetch(`${base}/pets`);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ message: "Missing required request parameters: [type]" });
    const pet = await fetch(`${base}/pets/5`, { headers: { "content-type": "application/json" } });
    expect(await pet.json()).toEqual({ id: "5", name: "item-5" });
    const missing = await fetch(`${base}/pets/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "no such pet" });
    // when_no_templates: a content type without a template is refused.
    const unsupported = await fetch(`${base}/pets/5`, { headers: { "content-type": "text/plain" } });
    expect(unsupported.status).toBe(415);
    expect((await fetch(`${base}/owner/a/b`)).status).toBe(401);
    expect((await fetch(`${base}/admin`)).status).toBe(403);
    const owner = await fetch(`${base}/owner/a/b`, { method: "DELETE", headers: { Authorization: "allow" } });
    expect(owner.status).toBe(200);
    const { event } = (await owner.json()) as {
      event: { pathParameters: Record<string, string>; httpMethod: string };
    };
    expect(event.pathParameters).toEqual({ proxy: "a/b" });
    expect(event.httpMethod).toBe("DELETE");
  });

  it("imports a Swagger 2 definition (JSON) with an x-api-key requirement, and overwrites with PutRestApi", async () => {
    const swagger = {
      swagger: "2.0",
      info: { title: "keyed", version: "1" },
      securityDefinitions: { api_key: { type: "apiKey", name: "x-api-key", in: "header" } },
      "x-amazon-apigateway-gateway-responses": {
        INVALID_API_KEY: {
          statusCode: 401,
          responseParameters: { "gatewayresponse.header.WWW-Authenticate": "'ApiKey'" },
          responseTemplates: { "application/json": '{"message": "an API key is needed"}' },
        },
      },
      paths: {
        "/secret": {
          get: {
            security: [{ api_key: [] }],
            responses: { "200": { description: "ok" } },
            "x-amazon-apigateway-integration": {
              type: "aws_proxy",
              httpMethod: "POST",
              uri: lambdaUri("rest-proxy"),
            },
          },
        },
      },
    };
    const api = await client.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(swagger)) }));
    const apiId = api.id ?? "";
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod" }));
    const res = await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/secret`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("ApiKey");
    expect(await res.json()).toEqual({ message: "an API key is needed" });

    const replaced = { ...swagger, paths: { "/public": { get: swagger.paths["/secret"].get } } };
    replaced.paths["/public"].get = { ...swagger.paths["/secret"].get, security: [] };
    await client.send(
      new PutRestApiCommand({
        restApiId: apiId,
        mode: "overwrite",
        body: Buffer.from(JSON.stringify(replaced)),
      }),
    );
    const resources = await client.send(new GetResourcesCommand({ restApiId: apiId }));
    expect(resources.items?.map((r) => r.path).sort()).toEqual(["/", "/public"]);
  });

  it("refuses definitions it cannot apply, naming what", async () => {
    const bad = (doc: unknown) =>
      client.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(doc)) }));
    await expect(bad({ info: { title: "x" }, paths: {} })).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      bad({
        openapi: "3.0.1",
        info: { title: "x" },
        paths: {},
        "x-amazon-apigateway-policy": {},
      }),
    ).rejects.toThrow(/x-amazon-apigateway-policy/);
    await expect(
      bad({
        openapi: "3.0.1",
        info: { title: "x" },
        paths: {
          "/a": {
            get: {
              "x-amazon-apigateway-integration": {
                type: "aws",
                httpMethod: "POST",
                uri: "arn:aws:apigateway:us-east-1:sqs:path/q",
              },
            },
          },
        },
      }),
    ).rejects.toThrow(/AWS service integrations other than Lambda/);
  });
});

describe("restart", () => {
  it("serves the same APIs, deployments and stages after a restart", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: "durable" }));
    const apiId = api.id ?? "";
    const root = await rootId(client, apiId);
    await proxyMethod(client, apiId, await resourcePath(client, apiId, root, "/kept"), "GET", "rest-proxy");
    await client.send(
      new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod", variables: { color: "teal" } }),
    );
    client.destroy();
    await nimbus.stop(false);
    nimbus = await startNimbus({ dataDir: nimbus.dataDir });
    client = new APIGatewayClient(clientConfig(nimbus.url));
    const res = await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/kept`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-stage-variable")).toBe("teal");
    expect(
      (await client.send(new GetStageCommand({ restApiId: apiId, stageName: "prod" }))).variables,
    ).toEqual({ color: "teal" });
  }, 60_000);
});
