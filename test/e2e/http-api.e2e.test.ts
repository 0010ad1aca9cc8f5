import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import {
  ApiGatewayV2Client,
  BadRequestException,
  ConflictException,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteRouteCommand,
  GetApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRouteCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetTagsCommand,
  ImportApiCommand,
  NotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApiCommand,
  UpdateRouteCommand,
} from "@aws-sdk/client-apigatewayv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// biome-ignore lint/suspicious/noExplicitAny: events and bodies are checked member by member by the assertions
type Loose = any;
const json = async (response: Response | Promise<Response>): Promise<Loose> => (await response).json();

let nimbus: TestNimbus;
let api: ApiGatewayV2Client;

/** fetch through the documented path form `/_nimbus/execute-api/<api-id>/<path>`. */
function call(apiId: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}${path}`, init);
}

/** One request with a Host header of the host form (fetch would not send it). */
function hostCall(
  host: string,
  path: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: nimbus.server.port, path, headers: { host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  nimbus = await startNimbus();
  api = new ApiGatewayV2Client(clientConfig(nimbus.url));
  await Promise.all([
    createFixtureFunction(nimbus.lambda, "http-echo", "node/http-echo"),
    createFixtureFunction(nimbus.lambda, "http-throws", "node/throws"),
    createFixtureFunction(nimbus.lambda, "http-sleep", "node/http-sleep"),
  ]);
});

afterAll(async () => {
  api.destroy();
  await nimbus.stop();
});

describe("HTTP API management (ApiGatewayV2 SDK)", () => {
  it("quick-creates an API with a function target and serves it at once", async () => {
    const created = await api.send(
      new CreateApiCommand({ Name: "quick", ProtocolType: "HTTP", Target: ARN("http-echo") }),
    );
    expect(created.ApiId).toMatch(/^[a-z0-9]{10}$/);
    expect(created.ApiEndpoint).toBe(`http://${created.ApiId}.execute-api.localhost:${nimbus.server.port}`);
    expect(created.ProtocolType).toBe("HTTP");
    expect(created.RouteSelectionExpression).toBe("$request.method $request.path");
    const apiId = created.ApiId ?? "";

    const routes = await api.send(new GetRoutesCommand({ ApiId: apiId }));
    expect(routes.Items?.map((r) => [r.RouteKey, r.ApiGatewayManaged])).toEqual([["$default", true]]);
    const integrations = await api.send(new GetIntegrationsCommand({ ApiId: apiId }));
    expect(integrations.Items?.[0]).toMatchObject({
      IntegrationType: "AWS_PROXY",
      IntegrationUri: ARN("http-echo"),
      PayloadFormatVersion: "2.0",
      TimeoutInMillis: 30000,
    });
    const stage = await api.send(new GetStageCommand({ ApiId: apiId, StageName: "$default" }));
    expect(stage).toMatchObject({ StageName: "$default", AutoDeploy: true, ApiGatewayManaged: true });
    expect(stage.DeploymentId).toBeDefined();

    const response = await call(apiId, "/anything/here?x=1");
    expect(response.status).toBe(200);
    expect(response.headers.get("apigw-requestid")).toBeTruthy();
    const event = (await json(response)) as { routeKey: string; rawPath: string };
    expect(event.routeKey).toBe("$default");
    expect(event.rawPath).toBe("/anything/here");

    const byHost = await hostCall(`${apiId}.execute-api.localhost:${nimbus.server.port}`, "/via-host");
    expect(byHost.status).toBe(200);
    expect(JSON.parse(byHost.body).requestContext.domainName).toBe(`${apiId}.execute-api.localhost`);
  });

  it("quick-creates with a RouteKey: only that route is served", async () => {
    const created = await api.send(
      new CreateApiCommand({
        Name: "quick-key",
        ProtocolType: "HTTP",
        Target: ARN("http-echo"),
        RouteKey: "GET /hi/{name}",
      }),
    );
    const apiId = created.ApiId ?? "";
    const routes = await api.send(new GetRoutesCommand({ ApiId: apiId }));
    expect(routes.Items?.map((r) => r.RouteKey)).toEqual(["GET /hi/{name}"]);
    const hi = await call(apiId, "/hi/ann");
    expect(((await hi.json()) as { pathParameters: unknown }).pathParameters).toEqual({ name: "ann" });
    expect((await call(apiId, "/other")).status).toBe(404);
  });

  it("reads, lists, updates and deletes APIs", async () => {
    const created = await api.send(
      new CreateApiCommand({ Name: "crud", ProtocolType: "HTTP", Description: "d1", Tags: { team: "x" } }),
    );
    const apiId = created.ApiId ?? "";
    const got = await api.send(new GetApiCommand({ ApiId: apiId }));
    expect(got).toMatchObject({
      Name: "crud",
      Description: "d1",
      Tags: { team: "x" },
      DisableExecuteApiEndpoint: false,
    });
    expect(got.CreatedDate).toBeInstanceOf(Date);
    const listed = await api.send(new GetApisCommand({}));
    expect(listed.Items?.map((a) => a.ApiId)).toContain(apiId);
    const updated = await api.send(
      new UpdateApiCommand({ ApiId: apiId, Name: "renamed", Description: "d2" }),
    );
    expect(updated).toMatchObject({ Name: "renamed", Description: "d2" });
    await api.send(new DeleteApiCommand({ ApiId: apiId }));
    await expect(api.send(new GetApiCommand({ ApiId: apiId }))).rejects.toBeInstanceOf(NotFoundException);
    const gone = await call(apiId, "/");
    expect(gone.status).not.toBe(200);
  });

  it("refuses WebSocket APIs and features it does not apply, naming them", async () => {
    const websocket = api.send(
      new CreateApiCommand({
        Name: "ws",
        ProtocolType: "WEBSOCKET",
        RouteSelectionExpression: "$request.body.action",
      }),
    );
    await expect(websocket).rejects.toBeInstanceOf(BadRequestException);
    await expect(websocket).rejects.toThrow(/WEBSOCKET/);
    const created = await api.send(new CreateApiCommand({ Name: "refusals", ProtocolType: "HTTP" }));
    const apiId = created.ApiId ?? "";
    await expect(
      api.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: "GET /x", AuthorizationType: "AWS_IAM" })),
    ).rejects.toThrow(/AWS_IAM/);
    await expect(
      api.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: "AWS_PROXY",
          IntegrationUri: ARN("http-echo"),
          PayloadFormatVersion: "2.0",
          RequestParameters: { "append:header.x": "y" },
        }),
      ),
    ).rejects.toThrow(/requestParameters/);
    await expect(
      api.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: "AWS_PROXY",
          IntegrationUri: ARN("http-echo"),
          PayloadFormatVersion: "2.0",
          TimeoutInMillis: 40000,
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      api.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: "FETCH /x" })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(api.send(new GetRouteCommand({ ApiId: apiId, RouteId: "nope123" }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it("creates, updates and deletes routes; a duplicate route key conflicts", async () => {
    const apiId =
      (await api.send(new CreateApiCommand({ Name: "routes", ProtocolType: "HTTP" }))).ApiId ?? "";
    const integration = await api.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: "AWS_PROXY",
        IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${ARN("http-echo")}/invocations`,
        PayloadFormatVersion: "2.0",
      }),
    );
    const route = await api.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: "GET /a",
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
    expect(route.RouteId).toMatch(/^[a-z0-9]{7}$/);
    await expect(
      api.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: "GET /a" })),
    ).rejects.toBeInstanceOf(ConflictException);
    const updated = await api.send(
      new UpdateRouteCommand({ ApiId: apiId, RouteId: route.RouteId, RouteKey: "GET /b" }),
    );
    expect(updated.RouteKey).toBe("GET /b");
    await api.send(new CreateStageCommand({ ApiId: apiId, StageName: "$default", AutoDeploy: true }));
    expect((await call(apiId, "/b")).status).toBe(200);
    expect((await call(apiId, "/a")).status).toBe(404);
    await api.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: route.RouteId }));
    const gone = await call(apiId, "/b");
    expect(gone.status).toBe(404);
    expect(await json(gone)).toEqual({ message: "Not Found" });
  });

  it("stops serving on the execute-api endpoint when DisableExecuteApiEndpoint is set", async () => {
    const apiId =
      (await api.send(new CreateApiCommand({ Name: "off", ProtocolType: "HTTP", Target: ARN("http-echo") })))
        .ApiId ?? "";
    expect((await call(apiId, "/")).status).toBe(200);
    await api.send(new UpdateApiCommand({ ApiId: apiId, DisableExecuteApiEndpoint: true }));
    const refused = await call(apiId, "/");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ message: "Forbidden" });
  });
});

describe("tags and refused operations", () => {
  it("tags APIs and stages", async () => {
    const apiId =
      (await api.send(new CreateApiCommand({ Name: "tagged", ProtocolType: "HTTP", Tags: { a: "1" } })))
        .ApiId ?? "";
    const arn = `arn:aws:apigateway:us-east-1::/apis/${apiId}`;
    await api.send(new TagResourceCommand({ ResourceArn: arn, Tags: { b: "2" } }));
    expect((await api.send(new GetTagsCommand({ ResourceArn: arn }))).Tags).toEqual({ a: "1", b: "2" });
    await api.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["a"] }));
    expect((await api.send(new GetApiCommand({ ApiId: apiId }))).Tags).toEqual({ b: "2" });
    await api.send(new CreateStageCommand({ ApiId: apiId, StageName: "dev" }));
    await api.send(new TagResourceCommand({ ResourceArn: `${arn}/stages/dev`, Tags: { s: "x" } }));
    expect((await api.send(new GetStageCommand({ ApiId: apiId, StageName: "dev" }))).Tags).toEqual({
      s: "x",
    });
  });

  it("refuses ImportApi by name", async () => {
    const imported = api.send(new ImportApiCommand({ Body: "openapi: 3.0.1" }));
    await expect(imported).rejects.toBeInstanceOf(BadRequestException);
    await expect(imported).rejects.toThrow(/ImportApi/);
  });
});

const cli = requireAwsCli();

describe.skipIf(!cli)("HTTP APIs through the AWS CLI", () => {
  it("quick-creates with create-api --target, lists, and serves the function", async () => {
    const created = JSON.parse(
      await aws(cli ?? "", nimbus.url, [
        "apigatewayv2",
        "create-api",
        "--name",
        "from-cli",
        "--protocol-type",
        "HTTP",
        "--target",
        ARN("http-echo"),
      ]),
    ) as { ApiId: string; ApiEndpoint: string };
    expect(created.ApiEndpoint).toBe(`http://${created.ApiId}.execute-api.localhost:${nimbus.server.port}`);
    const routes = JSON.parse(
      await aws(cli ?? "", nimbus.url, ["apigatewayv2", "get-routes", "--api-id", created.ApiId]),
    ) as {
      Items: { RouteKey: string }[];
    };
    expect(routes.Items.map((r) => r.RouteKey)).toEqual(["$default"]);
    const response = await call(created.ApiId, "/from-cli");
    expect(((await response.json()) as { rawPath: string }).rawPath).toBe("/from-cli");
    await aws(cli ?? "", nimbus.url, ["apigatewayv2", "delete-api", "--api-id", created.ApiId]);
  });
});
