import type { ResourceProvider } from "../../model.js";
import { httpAuthorizerProvider, integrationProvider, routeProvider } from "./definitions.js";
import { httpApiProvider } from "./http-api.js";
import { httpDeploymentProvider, httpStageProvider } from "./stage-deployment.js";

/**
 * The AWS::ApiGatewayV2::* (HTTP APIs) resource providers. ApiMapping, DomainName, Model,
 * RouteResponse, IntegrationResponse and VpcLink are not among them (Nimbus serves no custom
 * domains and no WebSocket APIs): the planner reports those types unsupported.
 */
export function apiGatewayV2Providers(): ResourceProvider[] {
  return [
    httpApiProvider,
    routeProvider,
    integrationProvider,
    httpAuthorizerProvider,
    httpStageProvider,
    httpDeploymentProvider,
  ];
}
