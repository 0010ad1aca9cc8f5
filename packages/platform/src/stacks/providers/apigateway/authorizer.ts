import type { AwsCalls } from "../../aws-calls.js";
import type { ResourceProvider } from "../../model.js";
import { enc, ignoreGone, type Obj, Props } from "./props.js";

const AUTHORIZER = "AWS::ApiGateway::Authorizer";
const VALIDATOR = "AWS::ApiGateway::RequestValidator";
const GATEWAY_RESPONSE = "AWS::ApiGateway::GatewayResponse";

/**
 * AWS::ApiGateway::Authorizer (Lambda TOKEN and REQUEST authorizers): CreateAuthorizer,
 * UpdateAuthorizer. Not listed: ProviderARNs (Cognito user pools), AuthorizerCredentials and
 * AuthType, which Nimbus's API Gateway refuses.
 */
export const authorizerProvider: ResourceProvider = {
  type: AUTHORIZER,
  properties: [
    "RestApiId",
    "Name",
    "Type",
    "AuthorizerUri",
    "IdentitySource",
    "IdentityValidationExpression",
    "AuthorizerResultTtlInSeconds",
  ],
  required: ["RestApiId", "Name", "Type"],
  replaceOn: ["RestApiId"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(AUTHORIZER, properties);
    const apiId = props.required("RestApiId");
    const body: Obj = { name: props.required("Name"), type: props.required("Type") };
    const optional = {
      authorizerUri: props.str("AuthorizerUri"),
      identitySource: props.str("IdentitySource"),
      identityValidationExpression: props.str("IdentityValidationExpression"),
    };
    for (const [name, value] of Object.entries(optional)) if (value !== undefined) body[name] = value;
    const ttl = props.num("AuthorizerResultTtlInSeconds");
    if (ttl !== undefined) body.authorizerResultTtlInSeconds = ttl;
    const created = await ctx.api.rest<{ id: string }>(
      "apigateway",
      "POST",
      `/restapis/${apiId}/authorizers`,
      body,
    );
    return { physicalId: created.id, attributes: { AuthorizerId: created.id } };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(AUTHORIZER, properties);
    const apiId = props.required("RestApiId");
    const ops = [
      { op: "replace", path: "/name", value: props.required("Name") },
      { op: "replace", path: "/type", value: props.required("Type") },
      { op: "replace", path: "/authorizerUri", value: props.str("AuthorizerUri") ?? "" },
      { op: "replace", path: "/identitySource", value: props.str("IdentitySource") ?? "" },
      {
        op: "replace",
        path: "/identityValidationExpression",
        value: props.str("IdentityValidationExpression") ?? "",
      },
      // 300 seconds is API Gateway's default when the template gives none.
      {
        op: "replace",
        path: "/authorizerResultTtlInSeconds",
        value: String(props.num("AuthorizerResultTtlInSeconds") ?? 300),
      },
    ].filter((op) => op.path !== "/authorizerUri" || op.value !== "");
    await ctx.api.rest("apigateway", "PATCH", `/restapis/${apiId}/authorizers/${enc(current.physicalId)}`, {
      patchOperations: ops,
    });
    return { physicalId: current.physicalId, attributes: { AuthorizerId: current.physicalId } };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(AUTHORIZER, current.properties).str("RestApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/authorizers/${enc(current.physicalId)}`),
    );
  },
};

/**
 * AWS::ApiGateway::RequestValidator: CreateRequestValidator. API Gateway in Nimbus has no
 * UpdateRequestValidator, so a change of a validator's settings makes a new one (CloudFormation
 * updates them in place); methods that Ref it follow the new id. Body validation needs models,
 * which Nimbus does not have: the API refuses `ValidateRequestBody: true`.
 */
export const requestValidatorProvider: ResourceProvider = {
  type: VALIDATOR,
  properties: ["RestApiId", "Name", "ValidateRequestBody", "ValidateRequestParameters"],
  required: ["RestApiId"],
  replaceOn: ["RestApiId", "Name", "ValidateRequestBody", "ValidateRequestParameters"],

  async create(ctx, logicalId, properties) {
    const props = new Props(VALIDATOR, properties);
    const apiId = props.required("RestApiId");
    const created = await ctx.api.rest<{ id: string }>(
      "apigateway",
      "POST",
      `/restapis/${apiId}/requestvalidators`,
      {
        name: props.str("Name") ?? ctx.physicalName(logicalId),
        validateRequestBody: props.bool("ValidateRequestBody") ?? false,
        validateRequestParameters: props.bool("ValidateRequestParameters") ?? false,
      },
    );
    return { physicalId: created.id, attributes: { RequestValidatorId: created.id } };
  },

  // Every property is in replaceOn: an update never changes anything here.
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(VALIDATOR, current.properties).str("RestApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/requestvalidators/${enc(current.physicalId)}`),
    );
  },
};

/** AWS::ApiGateway::GatewayResponse: PutGatewayResponse (again on update), DeleteGatewayResponse. */
export const gatewayResponseProvider: ResourceProvider = {
  type: GATEWAY_RESPONSE,
  properties: ["RestApiId", "ResponseType", "StatusCode", "ResponseParameters", "ResponseTemplates"],
  required: ["RestApiId", "ResponseType"],
  replaceOn: ["RestApiId", "ResponseType"],

  async create(ctx, _logicalId, properties) {
    return putGatewayResponse(ctx.api, new Props(GATEWAY_RESPONSE, properties));
  },

  async update(ctx, _logicalId, _current, properties) {
    return putGatewayResponse(ctx.api, new Props(GATEWAY_RESPONSE, properties));
  },

  async delete(ctx, _logicalId, current) {
    const props = new Props(GATEWAY_RESPONSE, current.properties);
    const apiId = props.str("RestApiId");
    const type = props.str("ResponseType");
    if (!apiId || !type) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/gatewayresponses/${enc(type)}`),
    );
  },
};

async function putGatewayResponse(api: AwsCalls, props: Props) {
  const apiId = props.required("RestApiId");
  const type = props.required("ResponseType");
  const statusCode = props.str("StatusCode");
  await api.rest("apigateway", "PUT", `/restapis/${apiId}/gatewayresponses/${enc(type)}`, {
    ...(statusCode !== undefined ? { statusCode } : {}),
    responseParameters: props.strMap("ResponseParameters") ?? {},
    responseTemplates: props.strMap("ResponseTemplates") ?? {},
  });
  // CloudFormation's Ref is an opaque id; this one names the API and the response type.
  return { physicalId: `${apiId}/${type}`, attributes: { Id: `${apiId}/${type}` } };
}
