import type {
  ApiRecord,
  AuthorizerRecord,
  CorsConfig,
  DeploymentInfo,
  IntegrationRecord,
  RouteRecord,
  StageRecord,
  ThrottleSettings,
} from "./model.js";

/** The API Gateway v2 wire shapes (camelCase JSON members) of the stored records. */
const iso = (ms: number) => new Date(ms).toISOString();

/** ApiEndpoint as this server answers it: the host form on the port the caller used. */
export function apiEndpoint(apiId: string, origin: string): string {
  const port = /:(\d+)$/.exec(origin)?.[1];
  return `http://${apiId}.execute-api.localhost${port ? `:${port}` : ""}`;
}

export function corsToWire(cors: CorsConfig): Record<string, unknown> {
  return {
    allowCredentials: cors.allowCredentials,
    allowHeaders: cors.allowHeaders,
    allowMethods: cors.allowMethods,
    allowOrigins: cors.allowOrigins,
    exposeHeaders: cors.exposeHeaders,
    maxAge: cors.maxAgeSec,
  };
}

export function apiToWire(api: ApiRecord, origin: string): Record<string, unknown> {
  return {
    apiEndpoint: apiEndpoint(api.apiId, origin),
    apiId: api.apiId,
    apiKeySelectionExpression: "$request.header.x-api-key",
    ...(api.cors ? { corsConfiguration: corsToWire(api.cors) } : {}),
    createdDate: iso(api.createdAt),
    description: api.description,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    name: api.name,
    protocolType: "HTTP",
    routeSelectionExpression: "$request.method $request.path",
    tags: api.tags,
    version: api.version,
  };
}

export function routeToWire(route: RouteRecord): Record<string, unknown> {
  return {
    apiGatewayManaged: route.apiGatewayManaged,
    apiKeyRequired: false,
    authorizationScopes: route.authorizationScopes,
    authorizationType: route.authorizationType,
    authorizerId: route.authorizerId,
    operationName: route.operationName,
    routeId: route.routeId,
    routeKey: route.routeKey,
    target: route.target,
  };
}

export function integrationToWire(integration: IntegrationRecord): Record<string, unknown> {
  return {
    apiGatewayManaged: integration.apiGatewayManaged,
    connectionType: "INTERNET",
    description: integration.description,
    integrationId: integration.integrationId,
    integrationMethod: integration.integrationMethod,
    integrationType: integration.integrationType,
    integrationUri: integration.integrationUri,
    payloadFormatVersion: integration.payloadFormatVersion,
    timeoutInMillis: integration.timeoutInMillis,
  };
}

export function authorizerToWire(authorizer: AuthorizerRecord): Record<string, unknown> {
  return {
    authorizerId: authorizer.authorizerId,
    authorizerPayloadFormatVersion: authorizer.authorizerPayloadFormatVersion,
    authorizerResultTtlInSeconds:
      authorizer.authorizerType === "REQUEST" ? authorizer.authorizerResultTtlInSeconds : undefined,
    authorizerType: authorizer.authorizerType,
    authorizerUri: authorizer.authorizerUri,
    enableSimpleResponses:
      authorizer.authorizerType === "REQUEST" ? authorizer.enableSimpleResponses : undefined,
    identitySource: authorizer.identitySource,
    jwtConfiguration: authorizer.jwtConfiguration,
    name: authorizer.name,
  };
}

function throttleToWire(settings: ThrottleSettings): Record<string, unknown> {
  return {
    detailedMetricsEnabled: false,
    throttlingBurstLimit: settings.throttlingBurstLimit,
    throttlingRateLimit: settings.throttlingRateLimit,
  };
}

export function stageToWire(stage: StageRecord): Record<string, unknown> {
  const routeSettings: Record<string, unknown> = {};
  for (const [key, settings] of Object.entries(stage.routeSettings))
    routeSettings[key] = throttleToWire(settings);
  return {
    accessLogSettings: stage.accessLogSettings,
    apiGatewayManaged: stage.apiGatewayManaged,
    autoDeploy: stage.autoDeploy,
    createdDate: iso(stage.createdAt),
    defaultRouteSettings: throttleToWire(stage.defaultRouteSettings),
    deploymentId: stage.deploymentId,
    description: stage.description,
    lastDeploymentStatusMessage: stage.lastDeploymentStatusMessage,
    lastUpdatedDate: iso(stage.updatedAt),
    routeSettings,
    stageName: stage.stageName,
    stageVariables: stage.stageVariables,
    tags: stage.tags,
  };
}

export function deploymentToWire(deployment: DeploymentInfo): Record<string, unknown> {
  return {
    autoDeployed: deployment.autoDeployed,
    createdDate: iso(deployment.createdAt),
    deploymentId: deployment.deploymentId,
    deploymentStatus: "DEPLOYED",
    description: deployment.description,
  };
}
