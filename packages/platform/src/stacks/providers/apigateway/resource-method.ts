import type { ProviderContext, ResourceProvider } from "../../model.js";
import { methodCalls } from "./method-input.js";
import { enc, ignoreGone, Props } from "./props.js";

/** AWS::ApiGateway::Resource: CreateResource below ParentId. Every property replaces it. */
export const resourceProvider: ResourceProvider = {
  type: "AWS::ApiGateway::Resource",
  properties: ["ParentId", "PathPart", "RestApiId"],
  required: ["ParentId", "PathPart", "RestApiId"],
  replaceOn: ["ParentId", "PathPart", "RestApiId"],

  async create(ctx, _logicalId, properties) {
    const props = new Props("AWS::ApiGateway::Resource", properties);
    const apiId = props.required("RestApiId");
    const created = await ctx.api.rest<{ id: string }>(
      "apigateway",
      "POST",
      `/restapis/${apiId}/resources/${enc(props.required("ParentId"))}`,
      { pathPart: props.required("PathPart") },
    );
    return { physicalId: created.id, attributes: { ResourceId: created.id } };
  },

  // Every property is in replaceOn: an update never changes anything here.
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props("AWS::ApiGateway::Resource", current.properties).str("RestApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/resources/${enc(current.physicalId)}`),
    );
  },
};

/**
 * AWS::ApiGateway::Method: PutMethod, PutIntegration and the method and integration responses.
 * An update puts the whole method again (PutMethod replaces it, integration included), so
 * removed responses and settings go too.
 */
export const methodProvider: ResourceProvider = {
  type: "AWS::ApiGateway::Method",
  properties: [
    "RestApiId",
    "ResourceId",
    "HttpMethod",
    "AuthorizationType",
    "AuthorizerId",
    "ApiKeyRequired",
    "RequestParameters",
    "RequestValidatorId",
    "Integration",
    "MethodResponses",
    "OperationName",
  ],
  required: ["RestApiId", "ResourceId", "HttpMethod"],
  replaceOn: ["RestApiId", "ResourceId", "HttpMethod"],

  async create(ctx, _logicalId, properties) {
    const props = new Props("AWS::ApiGateway::Method", properties);
    const path = methodPath(props);
    try {
      return await putMethod(ctx, props);
    } catch (error) {
      // An integration or response the API refuses leaves no method without one behind.
      await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", path));
      throw error;
    }
  },

  async update(ctx, _logicalId, _current, properties) {
    return putMethod(ctx, new Props("AWS::ApiGateway::Method", properties));
  },

  async delete(ctx, _logicalId, current) {
    const props = new Props("AWS::ApiGateway::Method", current.properties);
    const base = methodPath(props);
    await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", base));
  },
};

function methodPath(props: Props): string {
  return `/restapis/${props.required("RestApiId")}/resources/${enc(props.required("ResourceId"))}/methods/${enc(
    props.required("HttpMethod").toUpperCase(),
  )}`;
}

async function putMethod(ctx: ProviderContext, props: Props) {
  const calls = methodCalls(props);
  const base = methodPath(props);
  await ctx.api.rest("apigateway", "PUT", base, calls.method);
  for (const response of calls.methodResponses) {
    await ctx.api.rest("apigateway", "PUT", `${base}/responses/${enc(response.statusCode)}`, response.body);
  }
  if (calls.integration) {
    await ctx.api.rest("apigateway", "PUT", `${base}/integration`, calls.integration);
    for (const response of calls.integrationResponses) {
      await ctx.api.rest(
        "apigateway",
        "PUT",
        `${base}/integration/responses/${enc(response.statusCode)}`,
        response.body,
      );
    }
  }
  // CloudFormation's Ref of a Method is an opaque id; this one names the method.
  const physicalId = `${props.required("RestApiId")}/${props.required("ResourceId")}/${calls.httpMethod}`;
  return { physicalId, attributes: {} };
}
