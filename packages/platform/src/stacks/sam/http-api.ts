import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { s3Location, s3Object } from "./code.js";
import { SamResourceError } from "./errors.js";
import type { HttpApiEvent } from "./types.js";
import {
  alphanumeric,
  clone,
  conditional,
  isObject,
  literalString,
  passthroughAttributes,
  ref,
  sub,
  unwrapConditional,
} from "./util.js";

const TYPE = "AWS::Serverless::HttpApi";
const KNOWN = new Set([
  "Name",
  "StageName",
  "DefinitionBody",
  "DefinitionUri",
  "CorsConfiguration",
  "Auth",
  "StageVariables",
  "DefaultRouteSettings",
  "RouteSettings",
  "AccessLogSettings",
  "FailOnWarnings",
  "Description",
  "DisableExecuteApiEndpoint",
  "Tags",
]);
const AUTH_KNOWN = new Set(["Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"]);
const STAGE_PASS = ["StageVariables", "DefaultRouteSettings", "RouteSettings", "AccessLogSettings"] as const;

function skeleton(): TemplateObject {
  return {
    openapi: "3.0.1",
    info: { version: "1.0", title: ref("AWS::StackName") },
    paths: {},
    tags: [{ name: "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM" }],
  };
}

/**
 * AWS::Serverless::HttpApi (and the implicit `ServerlessHttpApi`) -> AWS::ApiGatewayV2::Api
 * with an OpenAPI 3 `Body` (built from the HttpApi events when the template gives none),
 * an auto-deployed stage (`<Api>ApiGatewayDefaultStage` for `$default`, else
 * `<Api><Stage>Stage`) and Lambda authorizer permissions.
 */
export function transformHttpApi(build: SamBuild, apiId: string, resource: ResourceDefinition): void {
  const p = resource.Properties ?? {};
  build.checkProperties(apiId, TYPE, p, KNOWN);
  const attributes = passthroughAttributes(resource);
  const events = build.httpEvents.get(apiId) ?? [];
  const api: TemplateObject = {};
  const cors = corsConfiguration(p.CorsConfiguration);
  if (p.DefinitionUri !== undefined && p.DefinitionBody === undefined) {
    api.BodyS3Location = s3Object(s3Location(p.DefinitionUri, apiId, "DefinitionUri", build.ctx.parameters));
    if (p.Auth !== undefined)
      throw new SamResourceError(
        apiId,
        "Auth works only with inline OpenApi specified in 'DefinitionBody' property.",
      );
    if (cors !== undefined) api.CorsConfiguration = corsProperty(cors);
  } else {
    const managed = p.DefinitionBody === undefined;
    if (!managed && !isObject(p.DefinitionBody))
      throw new SamResourceError(apiId, "'DefinitionBody' must be a map.");
    const body = managed ? skeleton() : clone(p.DefinitionBody as TemplateObject);
    addRoutes(body, events, managed);
    if (isObject(p.Auth)) applyAuth(build, apiId, body, p.Auth, events, attributes);
    if (cors !== undefined) body["x-amazon-apigateway-cors"] = cors;
    api.Body = body;
  }
  for (const name of ["Name", "Description", "FailOnWarnings", "DisableExecuteApiEndpoint"]) {
    if (p[name] !== undefined) api[name] = p[name] as TemplateValue;
  }
  if (isObject(p.Tags)) api.Tags = { "httpapi:createdBy": "SAM", ...p.Tags };
  const out: ResourceDefinition = { Type: "AWS::ApiGatewayV2::Api", Properties: api, ...attributes };
  if (resource.DependsOn !== undefined) out.DependsOn = resource.DependsOn;
  if (resource.Metadata !== undefined) out.Metadata = resource.Metadata;
  build.add(apiId, out, apiId);

  const stageName = literalString(p.StageName, build.ctx.parameters, apiId, "StageName") ?? "$default";
  const stageId =
    stageName === "$default" ? `${apiId}ApiGatewayDefaultStage` : `${apiId}${alphanumeric(stageName)}Stage`;
  const stage: TemplateObject = { ApiId: ref(apiId), StageName: p.StageName ?? stageName, AutoDeploy: true };
  for (const name of STAGE_PASS) if (p[name] !== undefined) stage[name] = p[name] as TemplateValue;
  // Each event's RouteSettings join the stage's under the route key ("GET /path"), as SAM does.
  for (const event of events) {
    if (event.routeSettings === undefined) continue;
    const method = event.method === "x-amazon-apigateway-any-method" ? "ANY" : event.method.toUpperCase();
    const routeKey = event.path === "$default" ? "$default" : `${method} ${event.path}`;
    const settings = isObject(stage.RouteSettings) ? stage.RouteSettings : {};
    settings[routeKey] = event.routeSettings;
    stage.RouteSettings = settings;
  }
  if (isObject(p.Tags)) stage.Tags = { "httpapi:createdBy": "SAM", ...p.Tags };
  build.add(stageId, { Type: "AWS::ApiGatewayV2::Stage", Properties: stage, ...attributes }, apiId);
  build.renames.set(`${apiId}.Stage`, stageId);
}

/**
 * Adds each HttpApi event's route. Unlike REST APIs, SAM adds routes to a template's own
 * DefinitionBody too (a route the body already has is then replaced by the event's).
 */
function addRoutes(body: TemplateObject, events: readonly HttpApiEvent[], managed: boolean): void {
  if (!isObject(body.paths)) body.paths = {};
  const paths = body.paths as TemplateObject;
  for (const event of events) {
    const path = isObject(paths[event.path]) ? (paths[event.path] as TemplateObject) : {};
    paths[event.path] = path;
    if (managed && path[event.method] !== undefined) {
      throw new SamResourceError(
        event.eventId,
        `API method '${event.method}' defined multiple times for path '${event.path}'.`,
      );
    }
    const method: TemplateObject = {
      "x-amazon-apigateway-integration": structuredClone(event.integration),
      responses: {},
    };
    const parameters = [...event.path.matchAll(/\{(.*?)\}/g)].map((m) => ({
      name: m[1] as string,
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (parameters.length > 0) method.parameters = parameters;
    path[event.method] = conditional(method, event.condition);
  }
}

function applyAuth(
  build: SamBuild,
  apiId: string,
  body: TemplateObject,
  auth: TemplateObject,
  events: readonly HttpApiEvent[],
  attributes: Partial<ResourceDefinition>,
): void {
  build.checkProperties(apiId, TYPE, auth, AUTH_KNOWN, "Auth.");
  const authorizers = isObject(auth.Authorizers) ? { ...auth.Authorizers } : {};
  const components = isObject(body.components) ? body.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  if (auth.EnableIamAuthorizer === true) {
    authorizers.AWS_IAM = {};
    schemes.AWS_IAM = {
      type: "apiKey",
      name: "Authorization",
      in: "header",
      "x-amazon-apigateway-authtype": "awsSigv4",
    };
  }
  for (const [name, config] of Object.entries(authorizers)) {
    if (name === "AWS_IAM" || !isObject(config)) continue;
    if (config.JwtConfiguration !== undefined) {
      schemes[name] = {
        type: "oauth2",
        "x-amazon-apigateway-authorizer": {
          type: "jwt",
          jwtConfiguration: config.JwtConfiguration,
          identitySource: config.IdentitySource ?? "$request.header.Authorization",
        },
      };
      continue;
    }
    if (config.FunctionArn === undefined) {
      throw new SamResourceError(
        apiId,
        `${name} Authorizer must define 'FunctionArn' or 'JwtConfiguration'.`,
      );
    }
    const identity = isObject(config.Identity) ? config.Identity : {};
    const authorizer: TemplateObject = {
      type: "request",
      authorizerUri: sub(
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
        { __FunctionArn__: config.FunctionArn },
      ),
      authorizerPayloadFormatVersion: config.AuthorizerPayloadFormatVersion ?? "2.0",
    };
    if (config.EnableSimpleResponses !== undefined)
      authorizer.enableSimpleResponses = config.EnableSimpleResponses;
    if (config.FunctionInvokeRole !== undefined) authorizer.authorizerCredentials = config.FunctionInvokeRole;
    const sources: string[] = [];
    for (const [key, prefix] of [
      ["Headers", "$request.header."],
      ["QueryStrings", "$request.querystring."],
      ["StageVariables", "$stageVariables."],
      ["Context", "$context."],
    ] as const) {
      const list = identity[key];
      if (Array.isArray(list))
        for (const item of list) if (typeof item === "string") sources.push(`${prefix}${item}`);
    }
    if (sources.length > 0) authorizer.identitySource = sources;
    if (identity.ReauthorizeEvery !== undefined)
      authorizer.authorizerResultTtlInSeconds = identity.ReauthorizeEvery;
    schemes[name] = {
      type: "apiKey",
      name: "Unused",
      in: "header",
      "x-amazon-apigateway-authorizer": authorizer,
    };
    // SAM adds the invoke permission of an HTTP API Lambda authorizer only when asked to.
    if (config.EnableFunctionDefaultPermissions === true && config.FunctionInvokeRole === undefined) {
      build.add(
        `${apiId}${name}AuthorizerPermission`,
        {
          Type: "AWS::Lambda::Permission",
          Properties: {
            Action: "lambda:InvokeFunction",
            FunctionName: config.FunctionArn,
            Principal: "apigateway.amazonaws.com",
            SourceArn: sub(
              "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*",
              {
                __ApiId__: ref(apiId),
              },
            ),
          },
          ...attributes,
        },
        apiId,
      );
    }
  }
  components.securitySchemes = schemes;
  body.components = components;
  const defaultAuthorizer = typeof auth.DefaultAuthorizer === "string" ? auth.DefaultAuthorizer : undefined;
  if (defaultAuthorizer !== undefined && authorizers[defaultAuthorizer] === undefined) {
    throw new SamResourceError(
      apiId,
      `Unable to set DefaultAuthorizer because '${defaultAuthorizer}' was not defined in 'Authorizers'.`,
    );
  }
  const byRoute = new Map(events.map((e) => [`${e.path} ${e.method}`, e]));
  for (const [path, methods] of Object.entries(body.paths as TemplateObject)) {
    if (!isObject(methods)) continue;
    for (const [methodName, value] of Object.entries(methods)) {
      const method = unwrapConditional(value);
      if (method === undefined) continue;
      const event = byRoute.get(`${path} ${methodName}`);
      const eventAuth = event?.auth ?? {};
      const name = typeof eventAuth.Authorizer === "string" ? eventAuth.Authorizer : defaultAuthorizer;
      if (name === undefined || name === "NONE") continue;
      const config = authorizers[name];
      if (config === undefined) {
        throw new SamResourceError(
          event?.eventId ?? apiId,
          `Unable to set Authorizer [${name}] on API method [${methodName}] for path [${path}] because it wasn't defined in the API's Authorizers.`,
        );
      }
      const scopes =
        eventAuth.AuthorizationScopes ?? (isObject(config) ? config.AuthorizationScopes : undefined) ?? [];
      method.security = [{ [name]: scopes }];
    }
  }
}

function corsConfiguration(value: TemplateValue | undefined): TemplateObject | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { allowOrigins: ["*"], allowHeaders: ["*"], allowMethods: ["*"] };
  if (!isObject(value)) return undefined;
  const out: TemplateObject = {};
  for (const [k, v] of Object.entries(value)) out[k.charAt(0).toLowerCase() + k.slice(1)] = v;
  return out;
}

/** The body's lower-case CORS keys as the Api resource's CorsConfiguration (DefinitionUri case). */
function corsProperty(cors: TemplateObject): TemplateObject {
  const out: TemplateObject = {};
  for (const [k, v] of Object.entries(cors)) out[k.charAt(0).toUpperCase() + k.slice(1)] = v;
  return out;
}
