import type { ResourceProvider } from "../../model.js";
import { authorizerProvider, gatewayResponseProvider, requestValidatorProvider } from "./authorizer.js";
import { deploymentProvider, stageProvider } from "./deployment-stage.js";
import { accountProvider, apiKeyProvider, usagePlanKeyProvider, usagePlanProvider } from "./keys.js";
import { methodProvider, resourceProvider } from "./resource-method.js";
import { restApiProvider } from "./rest-api.js";

/**
 * The AWS::ApiGateway::* (REST APIs, v1) resource providers. AWS::ApiGateway::Model is not
 * among them: Nimbus's API Gateway has no models (the planner reports the type unsupported).
 */
export function apiGatewayProviders(): ResourceProvider[] {
  return [
    restApiProvider,
    resourceProvider,
    methodProvider,
    deploymentProvider,
    stageProvider,
    authorizerProvider,
    requestValidatorProvider,
    gatewayResponseProvider,
    apiKeyProvider,
    usagePlanProvider,
    usagePlanKeyProvider,
    accountProvider,
  ];
}
