import type { AwsCalls } from "../../aws-calls.js";
import type { ProviderContext, ProvisionResult, ResourceProvider } from "../../model.js";
import {
  changed,
  checkMembers,
  definitionInvalid,
  enc,
  ignoreGone,
  invalid,
  mapChanges,
  type Obj,
  Props,
  readDefinition,
  unsupportedMember,
  updateUnsupported,
} from "../apigateway/props.js";
import { type HttpApiPlan, httpApiPlan } from "./openapi-http.js";

const TYPE = "AWS::ApiGatewayV2::Api";

interface ApiOut {
  apiId: string;
  apiEndpoint: string;
}

interface Listed {
  items?: Obj[];
  nextToken?: string;
}

/**
 * AWS::ApiGatewayV2::Api (HTTP APIs): CreateApi (quick create with Target / RouteKey),
 * UpdateApi, the tagging operations, and for `Body` / `BodyS3Location` (OpenAPI 3) the
 * authorizers, integrations and routes the definition describes (openapi-http.ts): Nimbus's
 * API Gateway v2 has no ImportApi, so the provider makes those calls itself. A changed
 * definition replaces every route, integration and authorizer of the API, as ReimportApi
 * does; stages stay.
 *
 * Not listed (the planner reports them): CredentialsArn (Nimbus does not evaluate IAM roles;
 * the API refuses it), DisableSchemaValidation (WebSocket). BasePath is taken only as `ignore`
 * (the definition's servers are not read). ProtocolType WEBSOCKET is
 * refused by the API.
 */
export const httpApiProvider: ResourceProvider = {
  type: TYPE,
  properties: [
    "Name",
    "ProtocolType",
    "Body",
    "BodyS3Location",
    "Target",
    "RouteKey",
    "CorsConfiguration",
    "Description",
    "DisableExecuteApiEndpoint",
    "FailOnWarnings",
    "Version",
    "RouteSelectionExpression",
    "ApiKeySelectionExpression",
    "BasePath",
    "Tags",
  ],
  replaceOn: ["ProtocolType"],

  async create(ctx, logicalId, properties) {
    const props = new Props(TYPE, properties);
    const plan = await planOf(ctx, logicalId, props);
    if (plan && (props.has("Target") || props.has("RouteKey")))
      throw invalid(TYPE, "Target", "(quick create) cannot be combined with Body or BodyS3Location");
    const name = props.str("Name") ?? plan?.name;
    if (!name) throw invalid(TYPE, "Name", "is required when no Body or BodyS3Location is given");
    const protocolType = props.str("ProtocolType") ?? (plan ? "HTTP" : undefined);
    if (!protocolType)
      throw invalid(TYPE, "ProtocolType", "is required when no Body or BodyS3Location is given");
    const settings = apiSettings(props, plan);
    const optional = {
      target: props.str("Target"),
      routeKey: props.str("RouteKey"),
      routeSelectionExpression: props.str("RouteSelectionExpression"),
      apiKeySelectionExpression: props.str("ApiKeySelectionExpression"),
    };
    const body: Obj = { name, protocolType, ...settings, tags: { ...plan?.tags, ...props.strMap("Tags") } };
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) body[key] = value;
    const created = await ctx.api.rest<ApiOut>("apigateway", "POST", "/v2/apis", body);
    if (plan) {
      try {
        await buildDefinitions(ctx.api, created.apiId, plan);
      } catch (error) {
        await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", `/v2/apis/${created.apiId}`));
        throw error;
      }
    }
    return result(created);
  },

  async update(ctx, logicalId, current, properties) {
    const props = new Props(TYPE, properties);
    const before = new Props(TYPE, current.properties);
    const apiId = current.physicalId;
    const plan = await planOf(ctx, logicalId, props);
    if (plan && (props.has("Target") || props.has("RouteKey")))
      throw invalid(TYPE, "Target", "(quick create) cannot be combined with Body or BodyS3Location");
    if (plan && changed(current.properties, properties, "Body", "BodyS3Location", "FailOnWarnings"))
      await reimport(ctx.api, apiId, plan);
    else if (plan && props.has("BodyS3Location")) await reimport(ctx.api, apiId, plan); // the object may have changed
    await updateQuickCreate(ctx.api, apiId, before, props);
    const name = props.str("Name") ?? plan?.name;
    if (!name) throw invalid(TYPE, "Name", "is required when no Body or BodyS3Location is given");
    const settings = apiSettings(props, plan);
    const patch: Obj = {
      name,
      description: settings.description ?? "",
      disableExecuteApiEndpoint: settings.disableExecuteApiEndpoint ?? false,
      ...(settings.version !== undefined ? { version: settings.version } : {}),
      ...(settings.corsConfiguration ? { corsConfiguration: settings.corsConfiguration } : {}),
    };
    for (const key of ["RouteSelectionExpression", "ApiKeySelectionExpression"]) {
      const value = props.str(key);
      if (value !== undefined) patch[key.charAt(0).toLowerCase() + key.slice(1)] = value;
    }
    const api = await ctx.api.rest<ApiOut & { tags?: Record<string, string> }>(
      "apigateway",
      "PATCH",
      `/v2/apis/${apiId}`,
      patch,
    );
    if (!settings.corsConfiguration) await ctx.api.rest("apigateway", "DELETE", `/v2/apis/${apiId}/cors`);
    // The API's tags become exactly the definition's and the template's (the template's win).
    await updateTags(ctx, `arn:aws:apigateway:${ctx.region}::/apis/${apiId}`, api.tags ?? {}, {
      ...plan?.tags,
      ...props.strMap("Tags"),
    });
    return result(api);
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", `/v2/apis/${current.physicalId}`));
  },
};

function result(api: ApiOut): ProvisionResult {
  return { physicalId: api.apiId, attributes: { ApiEndpoint: api.apiEndpoint, ApiId: api.apiId } };
}

/** The definition's plan; its warnings fail the deploy with FailOnWarnings, else become notes. */
async function planOf(
  ctx: ProviderContext,
  logicalId: string,
  props: Props,
): Promise<HttpApiPlan | undefined> {
  const basePath = props.str("BasePath");
  if (basePath !== undefined && basePath !== "ignore")
    throw unsupportedMember(
      TYPE,
      `BasePath ${basePath} (only ignore: the definition's servers are not read)`,
    );
  const definition = await readDefinition(ctx, props);
  if (!definition) return undefined;
  const plan = httpApiPlan(definition);
  if (plan.warnings.length > 0 && props.bool("FailOnWarnings"))
    throw definitionInvalid(plan.warnings.join("; "));
  for (const warning of plan.warnings) ctx.note(logicalId, `import warning: ${warning}`);
  return plan;
}

/** Settings that come from the template, else from the definition (`info`, `x-amazon-apigateway-cors`). */
function apiSettings(props: Props, plan: HttpApiPlan | undefined) {
  const cors = corsConfiguration(props) ?? plan?.cors;
  const description = props.str("Description") ?? plan?.description;
  const version = props.str("Version") ?? plan?.version;
  const disable = props.bool("DisableExecuteApiEndpoint");
  return {
    ...(description !== undefined ? { description } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(disable !== undefined ? { disableExecuteApiEndpoint: disable } : {}),
    ...(cors ? { corsConfiguration: cors } : {}),
  };
}

const CORS = ["AllowCredentials", "AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders", "MaxAge"];

function corsConfiguration(props: Props): Obj | undefined {
  const value = props.obj("CorsConfiguration");
  if (!value) return undefined;
  checkMembers(TYPE, "CorsConfiguration", value, CORS);
  const cors = new Props(TYPE, value);
  const out: Obj = {};
  const credentials = cors.bool("AllowCredentials");
  if (credentials !== undefined) out.allowCredentials = credentials;
  for (const name of ["AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders"]) {
    const list = cors.strList(name);
    if (list) out[name.charAt(0).toLowerCase() + name.slice(1)] = list;
  }
  const maxAge = cors.num("MaxAge");
  if (maxAge !== undefined) out.maxAge = maxAge;
  return out;
}

/** Creates the definition's authorizers, integrations and routes on an API. */
export async function buildDefinitions(api: AwsCalls, apiId: string, plan: HttpApiPlan): Promise<void> {
  const authorizers = new Map<string, string>();
  for (const { name, body } of plan.authorizers) {
    const created = await api.rest<{ authorizerId: string }>(
      "apigateway",
      "POST",
      `/v2/apis/${apiId}/authorizers`,
      body,
    );
    authorizers.set(name, created.authorizerId);
  }
  const integrations = new Map<string, string>();
  for (const { key, body } of plan.integrations) {
    const created = await api.rest<{ integrationId: string }>(
      "apigateway",
      "POST",
      `/v2/apis/${apiId}/integrations`,
      body,
    );
    integrations.set(key, created.integrationId);
  }
  for (const route of plan.routes) {
    const integrationId =
      route.integrationKey !== undefined ? integrations.get(route.integrationKey) : undefined;
    const authorizerId =
      route.authorizerName !== undefined ? authorizers.get(route.authorizerName) : undefined;
    await api.rest("apigateway", "POST", `/v2/apis/${apiId}/routes`, {
      routeKey: route.routeKey,
      authorizationType: route.authorizationType,
      ...(integrationId ? { target: `integrations/${integrationId}` } : {}),
      ...(authorizerId ? { authorizerId } : {}),
      ...(route.authorizationScopes ? { authorizationScopes: route.authorizationScopes } : {}),
      ...(route.operationName !== undefined ? { operationName: route.operationName } : {}),
    });
  }
}

/**
 * ReimportApi's effect: every route, integration and authorizer goes, the definition's come.
 * Stages stay; their route settings for route keys the new definition still has are put back
 * (deleting a route drops its settings).
 */
async function reimport(api: AwsCalls, apiId: string, plan: HttpApiPlan): Promise<void> {
  const stages = (await listAll(api, `/v2/apis/${apiId}/stages`)).filter(
    (s) => Object.keys((s.routeSettings as Obj | undefined) ?? {}).length > 0,
  );
  for (const [kind, idName] of [
    ["routes", "routeId"],
    ["integrations", "integrationId"],
    ["authorizers", "authorizerId"],
  ] as const) {
    for (const item of await listAll(api, `/v2/apis/${apiId}/${kind}`)) {
      await ignoreGone(() =>
        api.rest("apigateway", "DELETE", `/v2/apis/${apiId}/${kind}/${String(item[idName])}`),
      );
    }
  }
  await buildDefinitions(api, apiId, plan);
  const keys = new Set(plan.routes.map((r) => r.routeKey));
  for (const stage of stages) {
    const kept = Object.entries(stage.routeSettings as Obj).filter(([key]) => keys.has(key));
    if (kept.length === 0) continue;
    await api.rest("apigateway", "PATCH", `/v2/apis/${apiId}/stages/${enc(String(stage.stageName))}`, {
      routeSettings: Object.fromEntries(kept),
    });
  }
}

async function listAll(api: AwsCalls, path: string): Promise<Obj[]> {
  const out: Obj[] = [];
  let token: string | undefined;
  do {
    const page = await api.rest<Listed>(
      "apigateway",
      "GET",
      token ? `${path}?nextToken=${enc(token)}` : path,
    );
    out.push(...(page.items ?? []));
    token = page.nextToken;
  } while (token);
  return out;
}

/** Target / RouteKey of a quick-created API: the managed integration's URI and route's key. */
async function updateQuickCreate(api: AwsCalls, apiId: string, before: Props, after: Props): Promise<void> {
  const target = after.str("Target");
  const oldTarget = before.str("Target");
  if (target === oldTarget && after.str("RouteKey") === before.str("RouteKey")) return;
  if (target === undefined || oldTarget === undefined)
    throw updateUnsupported(TYPE, "Target", "quick create happens only when an API is created");
  if (target !== oldTarget) {
    const managed = (await listAll(api, `/v2/apis/${apiId}/integrations`)).find(
      (i) => i.apiGatewayManaged === true,
    );
    if (managed) {
      const http = /^https?:\/\//.test(target);
      await api.rest(
        "apigateway",
        "PATCH",
        `/v2/apis/${apiId}/integrations/${String(managed.integrationId)}`,
        {
          integrationUri: target,
          integrationType: http ? "HTTP_PROXY" : "AWS_PROXY",
          payloadFormatVersion: http ? "1.0" : "2.0",
          ...(http ? { integrationMethod: "ANY" } : {}),
        },
      );
    }
  }
  const routeKey = after.str("RouteKey") ?? "$default";
  if (routeKey !== (before.str("RouteKey") ?? "$default")) {
    const managed = (await listAll(api, `/v2/apis/${apiId}/routes`)).find(
      (r) => r.apiGatewayManaged === true,
    );
    if (managed)
      await api.rest("apigateway", "PATCH", `/v2/apis/${apiId}/routes/${String(managed.routeId)}`, {
        routeKey,
      });
  }
}

/** TagResource / UntagResource for what changed in a `Tags` map (v2 templates give a map). */
export async function updateTags(
  ctx: ProviderContext,
  arn: string,
  before: Record<string, string>,
  after: Record<string, string>,
): Promise<void> {
  const { set, remove } = mapChanges(before, after);
  const path = `/v2/tags/${enc(arn)}`;
  if (Object.keys(set).length > 0) await ctx.api.rest("apigateway", "POST", path, { tags: set });
  if (remove.length > 0)
    await ctx.api.rest("apigateway", "DELETE", `${path}?${remove.map((k) => `tagKeys=${enc(k)}`).join("&")}`);
}
