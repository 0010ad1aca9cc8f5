import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetDeploymentsCommand,
  GetStageCommand,
} from "@aws-sdk/client-apigatewayv2";
import { afterAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function:http-echo";
let nimbus: TestNimbus | undefined;

afterAll(async () => {
  await nimbus?.stop();
});

describe("HTTP APIs across a restart", () => {
  it("serves the same stages and deployments after the server restarts on its data directory", async () => {
    const first = await startNimbus();
    nimbus = first;
    const api = new ApiGatewayV2Client(clientConfig(first.url));
    await createFixtureFunction(first.lambda, "http-echo", "node/http-echo");
    const apiId =
      (await api.send(new CreateApiCommand({ Name: "durable", ProtocolType: "HTTP" }))).ApiId ?? "";
    const integration = await api.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: "AWS_PROXY",
        IntegrationUri: ARN,
        PayloadFormatVersion: "2.0",
      }),
    );
    await api.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: "GET /v1/{id}",
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
    await api.send(
      new CreateStageCommand({ ApiId: apiId, StageName: "live", StageVariables: { release: "one" } }),
    );
    const deployment = await api.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: "live" }));
    // Changed after the deployment: not live until the next one, before or after the restart.
    await api.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: "GET /v2/{id}",
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
    api.destroy();
    await first.stop(false);

    const second = await startNimbus({ dataDir: first.dataDir });
    nimbus = second;
    const again = new ApiGatewayV2Client(clientConfig(second.url));
    const stage = await again.send(new GetStageCommand({ ApiId: apiId, StageName: "live" }));
    expect(stage.DeploymentId).toBe(deployment.DeploymentId);
    const deployments = await again.send(new GetDeploymentsCommand({ ApiId: apiId }));
    expect(deployments.Items?.map((d) => d.DeploymentId)).toEqual([deployment.DeploymentId]);
    const served = await fetch(`${second.url}/_nimbus/execute-api/${apiId}/live/v1/7`);
    expect(served.status).toBe(200);
    const event = (await served.json()) as { pathParameters: unknown; stageVariables: unknown };
    expect(event.pathParameters).toEqual({ id: "7" });
    expect(event.stageVariables).toEqual({ release: "one" });
    expect((await fetch(`${second.url}/_nimbus/execute-api/${apiId}/live/v2/7`)).status).toBe(404);
    again.destroy();
  });
});
