import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ProviderContext,
  ProvisionResult,
  ResolvedProperties,
  ResourceProvider,
} from "../../packages/platform/src/stacks/model.js";
import { apiGatewayProviders } from "../../packages/platform/src/stacks/providers/apigateway/index.js";
import { apiGatewayV2Providers } from "../../packages/platform/src/stacks/providers/apigatewayv2/index.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { lambdaUri, stageUrl } from "../support/rest-api.js";
import { providerContext } from "../support/stacks.js";

let nimbus: TestNimbus;
let ctx: ProviderContext & { notes: string[] };
const providers = new Map<string, ResourceProvider>(
  [...apiGatewayProviders(), ...apiGatewayV2Providers()].map((p) => [p.type, p]),
);

/** A resource as the engine keeps it between calls. */
interface Applied {
  type: string;
  logicalId: string;
  properties: ResolvedProperties;
  result: ProvisionResult;
}

function provider(type: string): ResourceProvider {
  const found = providers.get(type);
  if (!found) throw new Error(`no provider for ${type}`);
  return found;
}

async function create(type: string, logicalId: string, properties: ResolvedProperties): Promise<Applied> {
  const result = await provider(type).create(ctx, logicalId, properties);
  return { type, logicalId, properties, result };
}

async function update(applied: Applied, properties: ResolvedProperties): Promise<Applied> {
  const current = {
    physicalId: applied.result.physicalId,
    properties: applied.properties,
    attributes: applied.result.attributes,
  };
  const result = await provider(applied.type).update(ctx, applied.logicalId, current, properties);
  return { ...applied, properties, result };
}

async function remove(applied: Applied): Promise<void> {
  await provider(applied.type).delete(ctx, applied.logicalId, {
    physicalId: applied.result.physicalId,
    properties: applied.properties,
    attributes: applied.result.attributes,
  });
}

const HTTP_FN = "arn:aws:lambda:us-east-1:000000000000:function:http-echo";
const PLAIN_FN = "arn:aws:lambda:us-east-1:000000000000:function:url-plain";

function swagger(paths: string[]): Record<string, unknown> {
  return {
    swagger: "2.0",
    info: { title: "from-swagger", version: "1.0" },
    paths: Object.fromEntries(
      paths.map((path) => [
        path,
        {
          get: {
            "x-amazon-apigateway-integration": {
              type: "aws_proxy",
              httpMethod: "POST",
              uri: lambdaUri("rest-proxy"),
            },
          },
        },
      ]),
    ),
  };
}

function openApi3(paths: string[]): Record<string, unknown> {
  return {
    openapi: "3.0.1",
    info: { title: "from-openapi", version: "2024-01-01" },
    paths: Object.fromEntries(
      paths.map((path) => [
        path,
        {
          get: {
            operationId: `get${path.replaceAll("/", "-")}`,
            "x-amazon-apigateway-integration": {
              type: "aws_proxy",
              httpMethod: "POST",
              uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${HTTP_FN}/invocations`,
              payloadFormatVersion: "2.0",
            },
          },
        },
      ]),
    ),
  };
}

beforeAll(async () => {
  nimbus = await startNimbus();
  ctx = providerContext(nimbus.server);
  await createFixtureFunction(nimbus.lambda, "rest-proxy", "node/rest-proxy");
  await createFixtureFunction(nimbus.lambda, "http-echo", "node/http-echo");
  await createFixtureFunction(nimbus.lambda, "rest-authorizer", "node/rest-authorizer");
  await createFixtureFunction(nimbus.lambda, "url-plain", "node/url-plain");
}, 60_000);

afterAll(async () => {
  await nimbus?.stop();
});

describe("REST APIs (AWS::ApiGateway::*)", () => {
  it("serves a RestApi from a Swagger Body through a Deployment and a Stage; a new Body and deployment change the routes; delete removes it", async () => {
    let api = await create("AWS::ApiGateway::RestApi", "Api", {
      Name: "body-api",
      Body: swagger(["/hello"]),
      BinaryMediaTypes: ["image/png"],
      Tags: [{ Key: "team", Value: "blue" }],
    });
    const apiId = api.result.physicalId;
    expect(api.result.attributes.RestApiId).toBe(apiId);
    expect(api.result.attributes.RootResourceId).toMatch(/^[a-z0-9]+$/);
    const got = await ctx.api.rest<Record<string, unknown>>("apigateway", "GET", `/restapis/${apiId}`);
    // The template's Name wins over info.title; its binary media types are kept with the body.
    expect(got).toMatchObject({ name: "body-api", binaryMediaTypes: ["image/png"], tags: { team: "blue" } });

    let deployment = await create("AWS::ApiGateway::Deployment", "Deployment", {
      RestApiId: apiId,
      Description: "first",
    });
    const stage = await create("AWS::ApiGateway::Stage", "Stage", {
      RestApiId: apiId,
      StageName: "prod",
      DeploymentId: deployment.result.physicalId,
      Variables: { color: "green" },
      MethodSettings: [
        { ResourcePath: "/*", HttpMethod: "*", ThrottlingBurstLimit: 50, ThrottlingRateLimit: 100 },
      ],
    });
    expect(stage.result.physicalId).toBe("prod");
    const hello = await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/hello`);
    expect(hello.status).toBe(200);
    expect(hello.headers.get("x-stage-variable")).toBe("green");
    const stageDoc = await ctx.api.rest<Record<string, unknown>>(
      "apigateway",
      "GET",
      `/restapis/${apiId}/stages/prod`,
    );
    expect(stageDoc.methodSettings).toMatchObject({
      "*/*": { throttlingBurstLimit: 50, throttlingRateLimit: 100 },
    });

    // A new definition reaches traffic with the next deployment (as on AWS).
    api = await update(api, {
      Name: "body-api",
      Body: swagger(["/bye"]),
      BinaryMediaTypes: ["image/png"],
      Tags: [{ Key: "team", Value: "blue" }],
    });
    expect(api.result.physicalId).toBe(apiId);
    const oldDeployment = deployment.result.physicalId;
    deployment = await update(deployment, { RestApiId: apiId, Description: "second" });
    expect(deployment.result.physicalId).not.toBe(oldDeployment);
    // The old deployment is still served by the stage: kept, and noted.
    expect(ctx.notes.some((n) => n.includes(`kept deployment ${oldDeployment}`))).toBe(true);
    await update(stage, {
      ...stage.properties,
      DeploymentId: deployment.result.physicalId,
      Variables: { color: "red" },
    });
    expect((await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/bye`)).status).toBe(200);
    const gone = await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/hello`);
    expect(gone.status).toBe(403);
    expect((await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/bye`)).headers.get("x-stage-variable")).toBe(
      "red",
    );

    await remove(stage);
    await remove(deployment);
    await remove(api);
    await expect(ctx.api.rest("apigateway", "GET", `/restapis/${apiId}`)).rejects.toMatchObject({
      status: 404,
    });
    expect((await fetch(`${stageUrl(nimbus.url, apiId, "prod")}/bye`)).status).toBe(404);
    // Deleting what is already gone is not an error.
    await remove(api);
    await remove(stage);
  });

  it("builds resources and methods piecewise; a Deployment with StageName makes the stage; the Method update applies", async () => {
    const api = await create("AWS::ApiGateway::RestApi", "Api", { Name: "pieces" });
    const apiId = api.result.physicalId;
    const items = await create("AWS::ApiGateway::Resource", "Items", {
      RestApiId: apiId,
      ParentId: api.result.attributes.RootResourceId,
      PathPart: "items",
    });
    const item = await create("AWS::ApiGateway::Resource", "Item", {
      RestApiId: apiId,
      ParentId: items.result.physicalId,
      PathPart: "{id}",
    });
    const methodProps = {
      RestApiId: apiId,
      ResourceId: item.result.physicalId,
      HttpMethod: "GET",
      AuthorizationType: "NONE",
      RequestParameters: { "method.request.path.id": true },
      Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST", Uri: lambdaUri("rest-proxy") },
    };
    const method = await create("AWS::ApiGateway::Method", "GetItem", methodProps);
    const mock = await create("AWS::ApiGateway::Method", "PostItems", {
      RestApiId: apiId,
      ResourceId: items.result.physicalId,
      HttpMethod: "POST",
      AuthorizationType: "NONE",
      Integration: {
        Type: "MOCK",
        RequestTemplates: { "application/json": '{"statusCode": 201}' },
        IntegrationResponses: [
          { StatusCode: "201", ResponseTemplates: { "application/json": '{"made": true}' } },
        ],
      },
      MethodResponses: [{ StatusCode: "201" }],
    });
    const deployment = await create("AWS::ApiGateway::Deployment", "Deployment", {
      RestApiId: apiId,
      StageName: "v1",
      StageDescription: { Variables: { color: "blue" }, ThrottlingBurstLimit: 10, ThrottlingRateLimit: 20 },
    });
    const res = await fetch(`${stageUrl(nimbus.url, apiId, "v1")}/items/42`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-stage-variable")).toBe("blue");
    const body = (await res.json()) as { event: { pathParameters: Record<string, string> } };
    expect(body.event.pathParameters).toEqual({ id: "42" });
    const made = await fetch(`${stageUrl(nimbus.url, apiId, "v1")}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(made.status).toBe(201);
    expect(await made.json()).toEqual({ made: true });

    // Update: the method now needs an API key (after the next deployment).
    await update(method, { ...methodProps, ApiKeyRequired: true });
    const got = await ctx.api.rest<Record<string, unknown>>(
      "apigateway",
      "GET",
      `/restapis/${apiId}/resources/${item.result.physicalId}/methods/GET`,
    );
    expect(got).toMatchObject({ apiKeyRequired: true, methodIntegration: { type: "AWS_PROXY" } });

    await remove(deployment);
    // The stage the deployment made goes with it.
    await expect(ctx.api.rest("apigateway", "GET", `/restapis/${apiId}/stages/v1`)).rejects.toMatchObject({
      status: 404,
    });
    for (const r of [mock, method, item, items, api]) await remove(r);
  });

  it("enforces an API key of a usage plan (with its quota)", async () => {
    const api = await create("AWS::ApiGateway::RestApi", "Api", { Name: "keyed", Body: swagger(["/hello"]) });
    const apiId = api.result.physicalId;
    const resources = await ctx.api.rest<{ item: { id: string; path: string }[] }>(
      "apigateway",
      "GET",
      `/restapis/${apiId}/resources`,
    );
    const helloId = resources.item.find((r) => r.path === "/hello")?.id ?? "";
    // The imported method, put again with an API key required (as a template's Method would).
    await create("AWS::ApiGateway::Method", "Hello", {
      RestApiId: apiId,
      ResourceId: helloId,
      HttpMethod: "GET",
      AuthorizationType: "NONE",
      ApiKeyRequired: true,
      Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST", Uri: lambdaUri("rest-proxy") },
    });
    const deployment = await create("AWS::ApiGateway::Deployment", "Deployment", {
      RestApiId: apiId,
      StageName: "live",
    });
    const key = await create("AWS::ApiGateway::ApiKey", "Key", {
      Enabled: true,
      Value: "abcdefghijklmnopqrstuvwxyz012345",
    });
    expect(key.result.attributes.APIKeyId).toBe(key.result.physicalId);
    const plan = await create("AWS::ApiGateway::UsagePlan", "Plan", {
      UsagePlanName: "gold",
      ApiStages: [{ ApiId: apiId, Stage: "live" }],
      Quota: { Limit: 2, Period: "DAY" },
      Throttle: { BurstLimit: 100, RateLimit: 100 },
    });
    const planKey = await create("AWS::ApiGateway::UsagePlanKey", "PlanKey", {
      KeyId: key.result.physicalId,
      KeyType: "API_KEY",
      UsagePlanId: plan.result.physicalId,
    });
    expect(planKey.result.physicalId).toBe(`${key.result.physicalId}:${plan.result.physicalId}`);

    const url = `${stageUrl(nimbus.url, apiId, "live")}/hello`;
    expect((await fetch(url)).status).toBe(403);
    const headers = { "x-api-key": "abcdefghijklmnopqrstuvwxyz012345" };
    expect((await fetch(url, { headers })).status).toBe(200);
    expect((await fetch(url, { headers })).status).toBe(200);
    const over = await fetch(url, { headers });
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ message: "Limit Exceeded" });

    // Raising the quota in place applies at once; disabling the key refuses it.
    await update(plan, { ...plan.properties, Quota: { Limit: 5, Period: "DAY" } });
    expect((await fetch(url, { headers })).status).toBe(200);
    await update(key, { ...key.properties, Enabled: false });
    expect((await fetch(url, { headers })).status).toBe(403);

    for (const r of [planKey, plan, key, deployment, api]) await remove(r);
  });

  it("reads the definition from BodyS3Location (YAML) and takes info.title as the name", async () => {
    await ctx.api.s3("PUT", "/defs");
    const yaml = [
      "swagger: '2.0'",
      "info: {title: from-s3, version: '1'}",
      "paths:",
      "  /s3:",
      "    get:",
      "      x-amazon-apigateway-integration:",
      "        type: aws_proxy",
      "        httpMethod: POST",
      `        uri: ${lambdaUri("rest-proxy")}`,
    ].join("\n");
    await ctx.api.s3("PUT", "/defs/apis/rest.yaml", yaml);
    const api = await create("AWS::ApiGateway::RestApi", "S3Api", {
      BodyS3Location: { Bucket: "defs", Key: "apis/rest.yaml" },
      // As SAM writes an EndpointConfiguration: the import parameter beside the property.
      EndpointConfiguration: { Types: ["REGIONAL"] },
      Parameters: { endpointConfigurationTypes: "REGIONAL", ignore: "documentation" },
    });
    const apiId = api.result.physicalId;
    expect(await ctx.api.rest("apigateway", "GET", `/restapis/${apiId}`)).toMatchObject({
      name: "from-s3",
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    const deployment = await create("AWS::ApiGateway::Deployment", "D", {
      RestApiId: apiId,
      StageName: "Stage",
    });
    expect((await fetch(`${stageUrl(nimbus.url, apiId, "Stage")}/s3`)).status).toBe(200);
    await remove(deployment);
    await remove(api);
  });

  it("applies a Lambda TOKEN authorizer, a request validator and a gateway response", async () => {
    const api = await create("AWS::ApiGateway::RestApi", "Api", { Name: "guarded" });
    const apiId = api.result.physicalId;
    const authorizer = await create("AWS::ApiGateway::Authorizer", "Auth", {
      RestApiId: apiId,
      Name: "token",
      Type: "TOKEN",
      AuthorizerUri: lambdaUri("rest-authorizer"),
      IdentitySource: "method.request.header.Authorization",
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(authorizer.result.attributes.AuthorizerId).toBe(authorizer.result.physicalId);
    const validator = await create("AWS::ApiGateway::RequestValidator", "Validator", {
      RestApiId: apiId,
      ValidateRequestParameters: true,
    });
    const resource = await create("AWS::ApiGateway::Resource", "R", {
      RestApiId: apiId,
      ParentId: api.result.attributes.RootResourceId,
      PathPart: "secret",
    });
    await create("AWS::ApiGateway::Method", "M", {
      RestApiId: apiId,
      ResourceId: resource.result.physicalId,
      HttpMethod: "GET",
      AuthorizationType: "CUSTOM",
      AuthorizerId: authorizer.result.physicalId,
      RequestValidatorId: validator.result.physicalId,
      RequestParameters: { "method.request.querystring.q": true },
      Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST", Uri: lambdaUri("rest-proxy") },
    });
    const response = await create("AWS::ApiGateway::GatewayResponse", "Unauthorized", {
      RestApiId: apiId,
      ResponseType: "UNAUTHORIZED",
      StatusCode: "401",
      ResponseParameters: { "gatewayresponse.header.x-why": "'no token'" },
      ResponseTemplates: { "application/json": '{"why": "$context.error.messageString"}' },
    });
    await create("AWS::ApiGateway::Deployment", "D", { RestApiId: apiId, StageName: "prod" });
    const url = `${stageUrl(nimbus.url, apiId, "prod")}/secret`;
    const unauthorized = await fetch(`${url}?q=1`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("x-why")).toBe("no token");
    expect((await fetch(url, { headers: { Authorization: "allow" } })).status).toBe(400);
    expect((await fetch(`${url}?q=1`, { headers: { Authorization: "allow" } })).status).toBe(200);
    expect((await fetch(`${url}?q=1`, { headers: { Authorization: "deny" } })).status).toBe(403);

    // Authorizer update in place; the gateway response goes on delete.
    await update(authorizer, { ...authorizer.properties, AuthorizerResultTtlInSeconds: 60 });
    expect(
      await ctx.api.rest(
        "apigateway",
        "GET",
        `/restapis/${apiId}/authorizers/${authorizer.result.physicalId}`,
      ),
    ).toMatchObject({ authorizerResultTtlInSeconds: 60 });
    await remove(response);
    await expect(
      ctx.api.rest("apigateway", "GET", `/restapis/${apiId}/gatewayresponses/UNAUTHORIZED`),
    ).rejects.toMatchObject({ status: 404 });
    await remove(api);
  });

  it("refuses a member Nimbus does not apply instead of dropping it", async () => {
    const api = await create("AWS::ApiGateway::RestApi", "Api", { Name: "refuse" });
    await expect(
      create("AWS::ApiGateway::Method", "M", {
        RestApiId: api.result.physicalId,
        ResourceId: api.result.attributes.RootResourceId,
        HttpMethod: "GET",
        Integration: { Type: "HTTP_PROXY", Uri: "http://example.com", ConnectionType: "VPC_LINK" },
      }),
    ).rejects.toMatchObject({ code: "ERR_STACK_APIGW_UNSUPPORTED" });
    // An integration the API refuses: the method put before it goes again.
    await expect(
      create("AWS::ApiGateway::Method", "M", {
        RestApiId: api.result.physicalId,
        ResourceId: api.result.attributes.RootResourceId,
        HttpMethod: "GET",
        Integration: {
          Type: "AWS",
          IntegrationHttpMethod: "POST",
          Uri: "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
        },
      }),
    ).rejects.toMatchObject({ awsName: "BadRequestException" });
    await expect(
      ctx.api.rest(
        "apigateway",
        "GET",
        `/restapis/${api.result.physicalId}/resources/${String(api.result.attributes.RootResourceId)}/methods/GET`,
      ),
    ).rejects.toMatchObject({ status: 404 });
    await remove(api);
  });
});

describe("HTTP APIs (AWS::ApiGatewayV2::*)", () => {
  it("serves an HTTP API from an OpenAPI 3 Body on a $default stage; a new Body changes the routes; delete removes it", async () => {
    let api = await create("AWS::ApiGatewayV2::Api", "HttpApi", {
      Body: openApi3(["/hello", "/keep"]),
      Tags: { team: "blue" },
    });
    const apiId = api.result.physicalId;
    expect(api.result.attributes.ApiId).toBe(apiId);
    expect(String(api.result.attributes.ApiEndpoint)).toContain(apiId);
    const got = await ctx.api.rest<Record<string, unknown>>("apigateway", "GET", `/v2/apis/${apiId}`);
    expect(got).toMatchObject({
      name: "from-openapi",
      version: "2024-01-01",
      protocolType: "HTTP",
      tags: { team: "blue" },
    });
    const stage = await create("AWS::ApiGatewayV2::Stage", "Stage", {
      ApiId: apiId,
      StageName: "$default",
      AutoDeploy: true,
      RouteSettings: { "GET /keep": { ThrottlingBurstLimit: 3, ThrottlingRateLimit: 3 } },
    });
    const base = `${nimbus.url}/_nimbus/execute-api/${apiId}`;
    const hello = await fetch(`${base}/hello`);
    expect(hello.status).toBe(200);
    expect(((await hello.json()) as { routeKey: string }).routeKey).toBe("GET /hello");

    api = await update(api, { Name: "renamed", Body: openApi3(["/bye", "/keep"]), Tags: { team: "red" } });
    // The stage's settings for a route the new definition still has survive the reimport.
    expect(await ctx.api.rest("apigateway", "GET", `/v2/apis/${apiId}/stages/$default`)).toMatchObject({
      routeSettings: { "GET /keep": { throttlingBurstLimit: 3, throttlingRateLimit: 3 } },
    });
    expect((await fetch(`${base}/bye`)).status).toBe(200);
    expect((await fetch(`${base}/hello`)).status).toBe(404);
    expect(await ctx.api.rest("apigateway", "GET", `/v2/apis/${apiId}`)).toMatchObject({
      name: "renamed",
      tags: { team: "red" },
    });

    await remove(stage);
    await remove(api);
    await expect(ctx.api.rest("apigateway", "GET", `/v2/apis/${apiId}`)).rejects.toMatchObject({
      status: 404,
    });
    expect((await fetch(`${base}/bye`)).status).toBe(404);
    await remove(api);
  });

  it("imports a SAM-shaped body: $default path, root tags, JWT authorizer with scopes", async () => {
    const body = {
      openapi: "3.0.1",
      info: { version: "1.0", title: "sam-stack" },
      tags: [{ name: "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM" }],
      components: {
        securitySchemes: {
          Jwt: {
            type: "oauth2",
            "x-amazon-apigateway-authorizer": {
              type: "jwt",
              identitySource: "$request.header.Authorization",
              jwtConfiguration: { issuer: "https://issuer.example.com", audience: ["app"] },
            },
          },
        },
      },
      paths: {
        "/private": {
          get: {
            security: [{ Jwt: ["read"] }],
            responses: {},
            "x-amazon-apigateway-integration": {
              type: "aws_proxy",
              httpMethod: "POST",
              uri: HTTP_FN,
              payloadFormatVersion: "2.0",
            },
          },
        },
        $default: {
          "x-amazon-apigateway-any-method": {
            isDefaultRoute: true,
            responses: {},
            "x-amazon-apigateway-integration": {
              type: "aws_proxy",
              httpMethod: "POST",
              uri: HTTP_FN,
              payloadFormatVersion: "2.0",
            },
          },
        },
      },
    };
    const api = await create("AWS::ApiGatewayV2::Api", "ServerlessHttpApi", {
      Body: body,
      FailOnWarnings: true,
    });
    const apiId = api.result.physicalId;
    expect(await ctx.api.rest("apigateway", "GET", `/v2/apis/${apiId}`)).toMatchObject({
      name: "sam-stack",
      tags: { "httpapi:createdBy": "SAM" },
    });
    const routes = await ctx.api.rest<{
      items: { routeKey: string; authorizationType: string; authorizationScopes?: string[] }[];
    }>("apigateway", "GET", `/v2/apis/${apiId}/routes`);
    expect(routes.items.map((r) => [r.routeKey, r.authorizationType, r.authorizationScopes]).sort()).toEqual([
      ["$default", "NONE", undefined],
      ["GET /private", "JWT", ["read"]],
    ]);
    const stage = await create("AWS::ApiGatewayV2::Stage", "Stage", {
      ApiId: apiId,
      StageName: "$default",
      AutoDeploy: true,
    });
    const base = `${nimbus.url}/_nimbus/execute-api/${apiId}`;
    expect((await fetch(`${base}/anything/else`)).status).toBe(200);
    expect((await fetch(`${base}/private`)).status).toBe(401);
    await remove(stage);
    await remove(api);
  });

  it("reads an HTTP API definition from BodyS3Location, checking its Etag", async () => {
    await ctx.api.s3("PUT", "/http-defs");
    const put = await ctx.api.s3("PUT", "/http-defs/api.json", JSON.stringify(openApi3(["/s3"])));
    const etag = put.headers.etag ?? "";
    expect(etag).not.toBe("");
    const api = await create("AWS::ApiGatewayV2::Api", "S3Http", {
      BodyS3Location: { Bucket: "http-defs", Key: "api.json", Etag: etag },
    });
    const routes = await ctx.api.rest<{ items: { routeKey: string }[] }>(
      "apigateway",
      "GET",
      `/v2/apis/${api.result.physicalId}/routes`,
    );
    expect(routes.items.map((r) => r.routeKey)).toEqual(["GET /s3"]);
    await remove(api);
    await expect(
      create("AWS::ApiGatewayV2::Api", "S3Http", {
        BodyS3Location: { Bucket: "http-defs", Key: "api.json", Etag: '"not-the-etag"' },
      }),
    ).rejects.toMatchObject({ awsName: "PreconditionFailed" });
  });

  it("quick-creates an API from Target and moves it to a new target on update", async () => {
    const api = await create("AWS::ApiGatewayV2::Api", "Quick", {
      Name: "quick",
      ProtocolType: "HTTP",
      Target: PLAIN_FN,
    });
    const apiId = api.result.physicalId;
    const base = `${nimbus.url}/_nimbus/execute-api/${apiId}`;
    const first = await fetch(`${base}/x`);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("hello");
    await update(api, { Name: "quick", ProtocolType: "HTTP", Target: HTTP_FN });
    const second = await fetch(`${base}/teapot`);
    expect(second.status).toBe(418);
    await expect(update(api, { Name: "quick", ProtocolType: "HTTP" })).rejects.toMatchObject({
      code: "ERR_STACK_APIGW_UPDATE_UNSUPPORTED",
    });
    await remove(api);
  });

  it("builds an HTTP API piecewise: Integration, Route, named Stage and Deployment", async () => {
    const api = await create("AWS::ApiGatewayV2::Api", "HttpApi", {
      Name: "pieces",
      ProtocolType: "HTTP",
      CorsConfiguration: { AllowOrigins: ["https://example.com"], AllowMethods: ["GET"] },
    });
    const apiId = api.result.physicalId;
    const integration = await create("AWS::ApiGatewayV2::Integration", "Integration", {
      ApiId: apiId,
      IntegrationType: "AWS_PROXY",
      IntegrationUri: HTTP_FN,
      PayloadFormatVersion: "2.0",
    });
    const route = await create("AWS::ApiGatewayV2::Route", "Route", {
      ApiId: apiId,
      RouteKey: "GET /things/{id}",
      Target: `integrations/${integration.result.physicalId}`,
    });
    const stage = await create("AWS::ApiGatewayV2::Stage", "Stage", {
      ApiId: apiId,
      StageName: "beta",
      StageVariables: { mode: "test" },
    });
    let deployment = await create("AWS::ApiGatewayV2::Deployment", "Deployment", {
      ApiId: apiId,
      StageName: "beta",
    });
    const res = await fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}/beta/things/7`);
    expect(res.status).toBe(200);
    const event = (await res.json()) as {
      pathParameters: Record<string, string>;
      stageVariables: Record<string, string>;
    };
    expect(event.pathParameters).toEqual({ id: "7" });
    expect(event.stageVariables).toEqual({ mode: "test" });

    // The route moves to a new key; the next deployment serves it.
    await update(route, { ...route.properties, RouteKey: "GET /items/{id}" });
    deployment = await update(deployment, { ApiId: apiId, StageName: "beta", Description: "two" });
    expect((await fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}/beta/items/7`)).status).toBe(200);
    expect((await fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}/beta/things/7`)).status).toBe(404);

    // Stage update: variables replaced, route settings and tags applied, then removed again.
    const stage2 = await update(stage, {
      ApiId: apiId,
      StageName: "beta",
      StageVariables: { mode: "live" },
      RouteSettings: { "GET /items/{id}": { ThrottlingBurstLimit: 5, ThrottlingRateLimit: 10 } },
      Tags: { env: "beta" },
    });
    const stageArn = encodeURIComponent(`arn:aws:apigateway:us-east-1::/apis/${apiId}/stages/beta`);
    expect(await ctx.api.rest("apigateway", "GET", `/v2/apis/${apiId}/stages/beta`)).toMatchObject({
      stageVariables: { mode: "live" },
      routeSettings: { "GET /items/{id}": { throttlingBurstLimit: 5, throttlingRateLimit: 10 } },
    });
    expect(await ctx.api.rest("apigateway", "GET", `/v2/tags/${stageArn}`)).toEqual({
      tags: { env: "beta" },
    });
    const again = (await (await fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}/beta/items/7`)).json()) as {
      stageVariables: Record<string, string>;
    };
    expect(again.stageVariables).toEqual({ mode: "live" });
    await update(stage2, { ApiId: apiId, StageName: "beta" });
    const bare = await ctx.api.rest<Record<string, unknown>>(
      "apigateway",
      "GET",
      `/v2/apis/${apiId}/stages/beta`,
    );
    expect(bare.routeSettings ?? {}).toEqual({});
    expect(await ctx.api.rest("apigateway", "GET", `/v2/tags/${stageArn}`)).toEqual({ tags: {} });

    for (const r of [deployment, stage, route, integration, api]) await remove(r);
  });
});

const samTemplate = (greeting: string, path: string) => `
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => ({ statusCode: 200, body: "${greeting} " + (event.rawPath ?? event.path) });
      Events:
        Http:
          Type: HttpApi
          Properties: { Path: "${path}", Method: get }
        Rest:
          Type: Api
          Properties: { Path: "${path}", Method: get, RestApiId: !Ref Api }
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      Variables: { color: blue }
      MethodSettings: [{ ResourcePath: "/*", HttpMethod: "*", ThrottlingBurstLimit: 100, ThrottlingRateLimit: 100 }]
Outputs:
  HttpApiId: { Value: !Ref ServerlessHttpApi }
  RestApiId: { Value: !Ref Api }
`;

describe("through the stack engine (SAM Api and HttpApi events)", () => {
  it("deploys, updates the paths (new REST deployment, reimported HTTP API) and deletes", async () => {
    const cfn = new CloudFormationClient(clientConfig(nimbus.url));
    const waiter = { client: cfn, maxWaitTime: 120, minDelay: 1, maxDelay: 1 };
    const capabilities = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"] as const;
    try {
      await cfn.send(
        new CreateStackCommand({
          StackName: "apis",
          TemplateBody: samTemplate("hi", "/one"),
          Capabilities: [...capabilities],
        }),
      );
      await waitUntilStackCreateComplete(waiter, { StackName: "apis" });
      const outputs = async () => {
        const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "apis" }))).Stacks?.[0];
        return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, String(o.OutputValue)]));
      };
      const { HttpApiId, RestApiId } = await outputs();
      const http = `${nimbus.url}/_nimbus/execute-api/${HttpApiId}`;
      const rest = `${nimbus.url}/_nimbus/execute-api/${RestApiId}/live`;
      expect(await (await fetch(`${http}/one`)).text()).toBe("hi /one");
      expect(await (await fetch(`${rest}/one`)).text()).toBe("hi /one");

      await cfn.send(
        new UpdateStackCommand({
          StackName: "apis",
          TemplateBody: samTemplate("hey", "/two"),
          Capabilities: [...capabilities],
        }),
      );
      await waitUntilStackUpdateComplete(waiter, { StackName: "apis" });
      expect(await outputs()).toEqual({ HttpApiId, RestApiId });
      expect(await (await fetch(`${http}/two`)).text()).toBe("hey /two");
      expect((await fetch(`${http}/one`)).status).toBe(404);
      expect(await (await fetch(`${rest}/two`)).text()).toBe("hey /two");
      expect((await fetch(`${rest}/one`)).status).toBe(403);
      // The old REST deployment went with its logical id; the stage serves the new one.
      const deployments = await ctx.api.rest<{ item: unknown[] }>(
        "apigateway",
        "GET",
        `/restapis/${RestApiId}/deployments`,
      );
      expect(deployments.item).toHaveLength(1);

      await cfn.send(new DeleteStackCommand({ StackName: "apis" }));
      await waitUntilStackDeleteComplete(waiter, { StackName: "apis" });
      expect((await fetch(`${http}/two`)).status).toBe(404);
      await expect(ctx.api.rest("apigateway", "GET", `/restapis/${RestApiId}`)).rejects.toMatchObject({
        status: 404,
      });
    } finally {
      cfn.destroy();
    }
  }, 120_000);
});
