import type { ResourceProvider } from "../../model.js";
import { checkMembers, ignoreGone, invalid, type Obj, Props } from "../apigateway/props.js";

const ROUTE = "AWS::ApiGatewayV2::Route";
const INTEGRATION = "AWS::ApiGatewayV2::Integration";
const AUTHORIZER = "AWS::ApiGatewayV2::Authorizer";

/**
 * AWS::ApiGatewayV2::Route, Integration and Authorizer of HTTP APIs: Create* and, on update,
 * Update* with every listed property (so a removed one goes back to its default). Members the
 * HTTP API refuses (request parameters and models, credentials, IAM authorization, response
 * selection, VPC links, TLS) are not listed: the planner reports them.
 */
export const routeProvider: ResourceProvider = {
  type: ROUTE,
  properties: [
    "ApiId",
    "RouteKey",
    "Target",
    "AuthorizationType",
    "AuthorizerId",
    "AuthorizationScopes",
    "OperationName",
    "ApiKeyRequired",
  ],
  required: ["ApiId", "RouteKey"],
  replaceOn: ["ApiId"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(ROUTE, properties);
    const apiId = props.required("ApiId");
    const created = await ctx.api.rest<{ routeId: string }>(
      "apigateway",
      "POST",
      `/v2/apis/${apiId}/routes`,
      routeBody(props, false),
    );
    return { physicalId: created.routeId, attributes: { RouteId: created.routeId } };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(ROUTE, properties);
    const apiId = props.required("ApiId");
    await ctx.api.rest(
      "apigateway",
      "PATCH",
      `/v2/apis/${apiId}/routes/${current.physicalId}`,
      routeBody(props, true),
    );
    return { physicalId: current.physicalId, attributes: { RouteId: current.physicalId } };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(ROUTE, current.properties).str("ApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/v2/apis/${apiId}/routes/${current.physicalId}`),
    );
  },
};

function routeBody(props: Props, update: boolean): Obj {
  const body: Obj = {
    routeKey: props.required("RouteKey"),
    authorizationType: props.str("AuthorizationType") ?? "NONE",
    apiKeyRequired: props.bool("ApiKeyRequired") ?? false,
  };
  const target = props.str("Target");
  // UpdateRoute takes an empty target to remove it.
  if (target !== undefined || update) body.target = target ?? "";
  const authorizerId = props.str("AuthorizerId");
  if (authorizerId !== undefined) body.authorizerId = authorizerId;
  const scopes = props.strList("AuthorizationScopes");
  if (scopes !== undefined || update) body.authorizationScopes = scopes ?? [];
  const operationName = props.str("OperationName");
  if (operationName !== undefined || update) body.operationName = operationName ?? "";
  return body;
}

export const integrationProvider: ResourceProvider = {
  type: INTEGRATION,
  properties: [
    "ApiId",
    "IntegrationType",
    "IntegrationUri",
    "IntegrationMethod",
    "PayloadFormatVersion",
    "TimeoutInMillis",
    "Description",
    "ConnectionType",
  ],
  required: ["ApiId", "IntegrationType"],
  replaceOn: ["ApiId"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(INTEGRATION, properties);
    const apiId = props.required("ApiId");
    const created = await ctx.api.rest<{ integrationId: string }>(
      "apigateway",
      "POST",
      `/v2/apis/${apiId}/integrations`,
      integrationBody(props),
    );
    return { physicalId: created.integrationId, attributes: { IntegrationId: created.integrationId } };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(INTEGRATION, properties);
    const apiId = props.required("ApiId");
    const body = integrationBody(props);
    if (!props.has("Description")) body.description = "";
    // A timeout no longer given goes back to AWS's default (30 seconds, the HTTP API maximum).
    if (!props.has("TimeoutInMillis") && current.properties.TimeoutInMillis !== undefined)
      body.timeoutInMillis = 30_000;
    await ctx.api.rest("apigateway", "PATCH", `/v2/apis/${apiId}/integrations/${current.physicalId}`, body);
    return { physicalId: current.physicalId, attributes: { IntegrationId: current.physicalId } };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(INTEGRATION, current.properties).str("ApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/v2/apis/${apiId}/integrations/${current.physicalId}`),
    );
  },
};

function integrationBody(props: Props): Obj {
  const type = props.required("IntegrationType").toUpperCase();
  const body: Obj = { integrationType: type };
  const text = {
    integrationUri: props.str("IntegrationUri"),
    integrationMethod: props.str("IntegrationMethod"),
    // API Gateway's default for HTTP_PROXY; AWS_PROXY needs the template to say (the API refuses none).
    payloadFormatVersion: props.str("PayloadFormatVersion") ?? (type === "HTTP_PROXY" ? "1.0" : undefined),
    description: props.str("Description"),
    connectionType: props.str("ConnectionType"),
  };
  for (const [name, value] of Object.entries(text)) if (value !== undefined) body[name] = value;
  const timeout = props.num("TimeoutInMillis");
  if (timeout !== undefined) body.timeoutInMillis = timeout;
  return body;
}

export const httpAuthorizerProvider: ResourceProvider = {
  type: AUTHORIZER,
  properties: [
    "ApiId",
    "AuthorizerType",
    "Name",
    "IdentitySource",
    "JwtConfiguration",
    "AuthorizerUri",
    "AuthorizerPayloadFormatVersion",
    "EnableSimpleResponses",
    "AuthorizerResultTtlInSeconds",
  ],
  required: ["ApiId", "AuthorizerType", "Name"],
  replaceOn: ["ApiId"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(AUTHORIZER, properties);
    const apiId = props.required("ApiId");
    const created = await ctx.api.rest<{ authorizerId: string }>(
      "apigateway",
      "POST",
      `/v2/apis/${apiId}/authorizers`,
      authorizerBody(props),
    );
    return { physicalId: created.authorizerId, attributes: { AuthorizerId: created.authorizerId } };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(AUTHORIZER, properties);
    const apiId = props.required("ApiId");
    await ctx.api.rest(
      "apigateway",
      "PATCH",
      `/v2/apis/${apiId}/authorizers/${current.physicalId}`,
      authorizerBody(props),
    );
    return { physicalId: current.physicalId, attributes: { AuthorizerId: current.physicalId } };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(AUTHORIZER, current.properties).str("ApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/v2/apis/${apiId}/authorizers/${current.physicalId}`),
    );
  },
};

function authorizerBody(props: Props): Obj {
  const body: Obj = {
    name: props.required("Name"),
    authorizerType: props.required("AuthorizerType"),
    identitySource: props.strList("IdentitySource") ?? [],
    enableSimpleResponses: props.bool("EnableSimpleResponses") ?? false,
    authorizerResultTtlInSeconds: props.num("AuthorizerResultTtlInSeconds") ?? 0,
  };
  const uri = props.str("AuthorizerUri");
  if (uri !== undefined) body.authorizerUri = uri;
  const version = props.str("AuthorizerPayloadFormatVersion");
  if (version !== undefined) body.authorizerPayloadFormatVersion = version;
  const jwt = props.obj("JwtConfiguration");
  if (jwt) {
    checkMembers(AUTHORIZER, "JwtConfiguration", jwt, ["Audience", "Issuer"]);
    const j = new Props(AUTHORIZER, jwt);
    const issuer = j.str("Issuer");
    if (!issuer) throw invalid(AUTHORIZER, "JwtConfiguration.Issuer", "is required");
    body.jwtConfiguration = { issuer, audience: j.strList("Audience") ?? [] };
  }
  return body;
}
