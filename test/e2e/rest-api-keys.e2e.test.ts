import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateApiKeyCommand,
} from "@aws-sdk/client-api-gateway";
import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { rootId, stageUrl } from "../support/rest-api.js";
import { strictClient, waiter } from "../support/stacks.js";

/** An OpenAPI body whose GET /ping answers `{"stage": ...}` from a MOCK integration and needs an API key. */
const MOCK_BODY = `
        openapi: "3.0.1"
        info: { title: keyed, version: "1.0" }
        components:
          securitySchemes:
            api_key: { type: apiKey, name: x-api-key, in: header }
        paths:
          /ping:
            get:
              security: [{ api_key: [] }]
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
                      application/json: '{"stage": "$context.stage"}'`;

/** A plain CloudFormation template: one API, two stages, a key with StageKeys in a usage plan. */
const keyTemplate = (stage: "Prod" | "Beta") => `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: cfn-keyed
      Body:${MOCK_BODY}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: { RestApiId: !Ref Api }
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties: { RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: prod }
  Beta:
    Type: AWS::ApiGateway::Stage
    Properties: { RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: beta }
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties:
      Enabled: true
      StageKeys: [{ RestApiId: !Ref Api, StageName: !Ref ${stage} }]
Outputs:
  ApiId: { Value: !Ref Api }
  KeyId: { Value: !Ref Key }
`;

/** SAM's Auth.UsagePlan (PER_API): the plan, key and plan key SAM generates, deployed strictly. */
const SAM_TEMPLATE = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: { Limit: 100, Period: DAY }
      DefinitionBody:${MOCK_BODY}
`;

describe("REST API keys: stageKeys", () => {
  let nimbus: TestNimbus;
  let client: APIGatewayClient;
  let strict: CloudFormationClient;
  let apiId: string;

  beforeAll(async () => {
    nimbus = await startNimbus();
    client = new APIGatewayClient(clientConfig(nimbus.url));
    strict = strictClient(nimbus.url);
    const api = await client.send(new CreateRestApiCommand({ name: "stage-keys" }));
    apiId = api.id ?? "";
    const root = await rootId(client, apiId);
    await client.send(
      new PutMethodCommand({
        restApiId: apiId,
        resourceId: root,
        httpMethod: "GET",
        authorizationType: "NONE",
      }),
    );
    await client.send(
      new PutIntegrationCommand({
        restApiId: apiId,
        resourceId: root,
        httpMethod: "GET",
        type: "MOCK",
        requestTemplates: { "application/json": '{"statusCode": 200}' },
      }),
    );
    await client.send(
      new PutMethodResponseCommand({
        restApiId: apiId,
        resourceId: root,
        httpMethod: "GET",
        statusCode: "200",
      }),
    );
    await client.send(
      new PutIntegrationResponseCommand({
        restApiId: apiId,
        resourceId: root,
        httpMethod: "GET",
        statusCode: "200",
      }),
    );
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod" }));
    await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "beta" }));
  });
  afterAll(async () => {
    client.destroy();
    strict.destroy();
    await nimbus.stop();
  });

  it("creates a key with stageKeys and answers them as <restApiId>/<stageName>", async () => {
    const created = await client.send(
      new CreateApiKeyCommand({
        name: "staged",
        enabled: true,
        stageKeys: [{ restApiId: apiId, stageName: "prod" }],
      }),
    );
    expect(created.stageKeys).toEqual([`${apiId}/prod`]);
    const got = await client.send(new GetApiKeyCommand({ apiKey: created.id ?? "" }));
    expect(got.stageKeys).toEqual([`${apiId}/prod`]);
    const listed = await client.send(new GetApiKeysCommand({ nameQuery: "staged" }));
    expect(listed.items?.map((k) => k.stageKeys)).toEqual([[`${apiId}/prod`]]);
  });

  it("adds and removes stage keys with UpdateApiKey on /stages", async () => {
    const key = await client.send(new CreateApiKeyCommand({ name: "patched" }));
    const id = key.id ?? "";
    expect(key.stageKeys ?? []).toEqual([]);
    const added = await client.send(
      new UpdateApiKeyCommand({
        apiKey: id,
        patchOperations: [
          { op: "add", path: "/stages", value: `${apiId}/prod` },
          { op: "add", path: "/stages", value: `${apiId}/beta` },
        ],
      }),
    );
    expect(added.stageKeys).toEqual([`${apiId}/prod`, `${apiId}/beta`]);
    const removed = await client.send(
      new UpdateApiKeyCommand({
        apiKey: id,
        patchOperations: [{ op: "remove", path: "/stages", value: `${apiId}/prod` }],
      }),
    );
    expect(removed.stageKeys).toEqual([`${apiId}/beta`]);
    expect((await client.send(new GetApiKeyCommand({ apiKey: id }))).stageKeys).toEqual([`${apiId}/beta`]);
  });

  it("refuses stage keys naming no stage", async () => {
    await expect(
      client.send(
        new CreateApiKeyCommand({ name: "bad", stageKeys: [{ restApiId: apiId, stageName: "missing" }] }),
      ),
    ).rejects.toMatchObject({ name: "BadRequestException", message: "Invalid stage identifier specified" });
    await expect(
      client.send(
        new CreateApiKeyCommand({ name: "bad", stageKeys: [{ restApiId: "nosuchapi0", stageName: "prod" }] }),
      ),
    ).rejects.toMatchObject({ name: "BadRequestException" });
    expect((await client.send(new GetApiKeysCommand({ nameQuery: "bad" }))).items ?? []).toEqual([]);
    const key = await client.send(new CreateApiKeyCommand({ name: "later" }));
    await expect(
      client.send(
        new UpdateApiKeyCommand({
          apiKey: key.id ?? "",
          patchOperations: [{ op: "add", path: "/stages", value: `${apiId}/missing` }],
        }),
      ),
    ).rejects.toMatchObject({ name: "BadRequestException", message: "Invalid stage identifier specified" });
  });

  it("applies AWS::ApiGateway::ApiKey StageKeys on create and update, in strict mode", async () => {
    await strict.send(new CreateStackCommand({ StackName: "cfn-keys", TemplateBody: keyTemplate("Prod") }));
    await waitUntilStackCreateComplete(waiter(strict), { StackName: "cfn-keys" });
    const resources =
      (await strict.send(new DescribeStackResourcesCommand({ StackName: "cfn-keys" }))).StackResources ?? [];
    const physical = (id: string) =>
      resources.find((r) => r.LogicalResourceId === id)?.PhysicalResourceId ?? "";
    const cfnApi = physical("Api");
    const keyId = physical("Key");
    expect((await client.send(new GetApiKeyCommand({ apiKey: keyId }))).stageKeys).toEqual([
      `${cfnApi}/prod`,
    ]);

    await strict.send(new UpdateStackCommand({ StackName: "cfn-keys", TemplateBody: keyTemplate("Beta") }));
    await waitUntilStackUpdateComplete(waiter(strict), { StackName: "cfn-keys" });
    const after = await client.send(new GetApiKeyCommand({ apiKey: keyId }));
    expect(after.id).toBe(keyId);
    expect(after.stageKeys).toEqual([`${cfnApi}/beta`]);
  });

  it("deploys SAM's Auth.UsagePlan (PER_API) in strict mode, and the generated key opens the API", async () => {
    await strict.send(
      new CreateStackCommand({
        StackName: "sam-keys",
        TemplateBody: SAM_TEMPLATE,
        Capabilities: ["CAPABILITY_AUTO_EXPAND"],
      }),
    );
    await waitUntilStackCreateComplete(waiter(strict), { StackName: "sam-keys" });
    const resources =
      (await strict.send(new DescribeStackResourcesCommand({ StackName: "sam-keys" }))).StackResources ?? [];
    const physical = (id: string) =>
      resources.find((r) => r.LogicalResourceId === id)?.PhysicalResourceId ?? "";
    const samApi = physical("Api");
    const key = await client.send(
      new GetApiKeyCommand({ apiKey: physical("ApiApiKey"), includeValue: true }),
    );
    expect(key.enabled).toBe(true);

    const url = `${stageUrl(nimbus.url, samApi, "prod")}/ping`;
    expect((await fetch(url)).status).toBe(403);
    const res = await fetch(url, { headers: { "x-api-key": key.value ?? "" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stage: "prod" });
  });
});
