import type { TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import type { RestApiEvent } from "./types.js";
import { conditional, isObject, ref, sub, unwrapConditional } from "./util.js";

const TYPE = "AWS::Serverless::Api";
const ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
const ANY = "x-amazon-apigateway-any-method";
const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", ANY]);
const AUTH_KNOWN = new Set([
  "DefaultAuthorizer",
  "Authorizers",
  "ApiKeyRequired",
  "UsagePlan",
  "AddDefaultAuthorizerToCorsPreflight",
  "AddApiKeyRequiredToCorsPreflight",
]);

/** SAM's skeleton for a body it manages: Swagger 2.0 titled with the stack name. */
export function swaggerSkeleton(): TemplateObject {
  return { swagger: "2.0", info: { version: "1.0", title: ref("AWS::StackName") }, paths: {} };
}

function paths(body: TemplateObject): TemplateObject {
  if (!isObject(body.paths)) body.paths = {};
  return body.paths as TemplateObject;
}

function securityDefinitions(body: TemplateObject): TemplateObject {
  if (!isObject(body.securityDefinitions)) body.securityDefinitions = {};
  return body.securityDefinitions as TemplateObject;
}

/** Adds each Api event's method (integration, request parameters) to the body. */
export function addRestEvents(body: TemplateObject, events: readonly RestApiEvent[]): void {
  const all = paths(body);
  for (const event of events) {
    const path = isObject(all[event.path]) ? (all[event.path] as TemplateObject) : {};
    all[event.path] = path;
    if (path[event.method] !== undefined) {
      throw new SamResourceError(
        event.eventId,
        `API method "${event.method}" defined multiple times for path "${event.path}".`,
      );
    }
    const method: TemplateObject = {
      "x-amazon-apigateway-integration": structuredClone(event.integration),
      responses: {},
    };
    if (event.integration.type === "aws")
      method.responses = { "200": { description: "OK" }, "400": { description: "Bad Request" } };
    if (event.requestParameters !== undefined) addRequestParameters(event, method);
    path[event.method] = conditional(method, event.condition);
  }
}

function addRequestParameters(event: RestApiEvent, method: TemplateObject): void {
  const parameters: TemplateValue[] = [];
  const cacheKeys: TemplateValue[] = [];
  for (const item of event.requestParameters ?? []) {
    const [name, settings] =
      typeof item === "string"
        ? [item, {}]
        : isObject(item)
          ? (Object.entries(item)[0] ?? ["", {}])
          : ["", {}];
    const match = /^method\.request\.(querystring|path|header)\.(.+)$/.exec(name);
    if (match === null) {
      throw new SamResourceError(
        event.eventId,
        "Invalid value for 'RequestParameters' property. Keys must be in the format 'method.request.[querystring|path|header].{value}', e.g 'method.request.header.Authorization'.",
      );
    }
    const s = isObject(settings) ? settings : {};
    parameters.push({
      in: match[1] === "querystring" ? "query" : (match[1] as string),
      name: match[2] as string,
      required: s.Required ?? false,
      type: "string",
    });
    if (s.Caching === true) cacheKeys.push(name);
  }
  method.parameters = parameters;
  if (cacheKeys.length > 0) {
    (method["x-amazon-apigateway-integration"] as TemplateObject).cacheKeyParameters = cacheKeys;
  }
}

/**
 * Auth: authorizers as `securityDefinitions` (x-amazon-apigateway-authorizer), each event's
 * (or the DefaultAuthorizer's) `security` on its method, and the `api_key` requirement.
 * Returns the authorizers whose function needs an invoke permission.
 */
export function applyAuth(
  build: SamBuild,
  apiId: string,
  body: TemplateObject,
  auth: TemplateObject,
  events: readonly RestApiEvent[],
): { name: string; functionArn: TemplateValue }[] {
  build.checkProperties(apiId, TYPE, auth, AUTH_KNOWN, "Auth.");
  const authorizers = isObject(auth.Authorizers) ? auth.Authorizers : {};
  const permissions: { name: string; functionArn: TemplateValue }[] = [];
  const definitions = securityDefinitions(body);
  for (const [name, config] of Object.entries(authorizers)) {
    if (!isObject(config)) continue;
    if (config.UserPoolArn !== undefined) {
      build.unsupportedProperty(
        apiId,
        TYPE,
        `Auth.Authorizers.${name}`,
        "Cognito user pool authorizers are not supported (no Cognito in Nimbus)",
      );
      continue;
    }
    if (config.FunctionArn === undefined) {
      throw new SamResourceError(apiId, `Authorizer ${name} must have a FunctionArn or a UserPoolArn.`);
    }
    definitions[name] = lambdaAuthorizer(config);
    if (config.FunctionInvokeRole === undefined && config.DisableFunctionDefaultPermissions !== true) {
      permissions.push({ name, functionArn: config.FunctionArn });
    }
  }
  const defaultAuthorizer = typeof auth.DefaultAuthorizer === "string" ? auth.DefaultAuthorizer : undefined;
  if (
    defaultAuthorizer !== undefined &&
    defaultAuthorizer !== "AWS_IAM" &&
    authorizers[defaultAuthorizer] === undefined
  ) {
    throw new SamResourceError(
      apiId,
      `Unable to set DefaultAuthorizer because '${defaultAuthorizer}' was not defined in 'Authorizers'.`,
    );
  }
  const byMethod = new Map(events.map((e) => [`${e.path} ${e.method}`, e]));
  const preflightAuth = auth.AddDefaultAuthorizerToCorsPreflight !== false;
  const preflightKey = auth.AddApiKeyRequiredToCorsPreflight !== false;
  for (const [path, methods] of Object.entries(paths(body))) {
    if (!isObject(methods)) continue;
    for (const [methodName, value] of Object.entries(methods)) {
      const method = unwrapConditional(value);
      if (method === undefined || !HTTP_METHODS.has(methodName)) continue;
      const eventAuth = byMethod.get(`${path} ${methodName}`)?.auth ?? {};
      const preflight = methodName === "options";
      let authorizer = typeof eventAuth.Authorizer === "string" ? eventAuth.Authorizer : undefined;
      if (authorizer === undefined && (!preflight || preflightAuth)) authorizer = defaultAuthorizer;
      if (authorizer !== undefined && authorizer !== "NONE") {
        if (authorizer !== "AWS_IAM" && authorizers[authorizer] === undefined) {
          throw new SamResourceError(
            byMethod.get(`${path} ${methodName}`)?.eventId ?? apiId,
            `Unable to set Authorizer [${authorizer}] on API method [${methodName}] for path [${path}] because it wasn't defined in the API's Authorizers.`,
          );
        }
        if (authorizer === "AWS_IAM") {
          definitions.AWS_IAM = {
            type: "apiKey",
            name: "Authorization",
            in: "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
          };
        }
        const scopes = Array.isArray(eventAuth.AuthorizationScopes) ? eventAuth.AuthorizationScopes : [];
        addSecurity(method, authorizer, scopes);
      }
      const keyRequired =
        eventAuth.ApiKeyRequired ?? (preflight && !preflightKey ? false : auth.ApiKeyRequired);
      if (keyRequired === true) {
        definitions.api_key = { type: "apiKey", name: "x-api-key", in: "header" };
        addSecurity(method, "api_key", []);
      }
    }
  }
  if (Object.keys(definitions).length === 0) delete body.securityDefinitions;
  return permissions;
}

function addSecurity(method: TemplateObject, name: string, scopes: TemplateValue[]): void {
  const security = Array.isArray(method.security) ? method.security : [];
  if (!security.some((s) => isObject(s) && s[name] !== undefined)) security.push({ [name]: scopes });
  method.security = security;
}

function lambdaAuthorizer(config: TemplateObject): TemplateObject {
  const identity = isObject(config.Identity) ? config.Identity : {};
  const request = config.FunctionPayloadType === "REQUEST";
  const authorizer: TemplateObject = {
    type: request ? "request" : "token",
    authorizerUri: sub(
      "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
      { __FunctionArn__: config.FunctionArn ?? null },
    ),
  };
  if (config.FunctionInvokeRole !== undefined) authorizer.authorizerCredentials = config.FunctionInvokeRole;
  if (identity.ReauthorizeEvery !== undefined)
    authorizer.authorizerResultTtlInSeconds = identity.ReauthorizeEvery;
  if (request) {
    const sources: string[] = [];
    const add = (list: TemplateValue | undefined, prefix: string) => {
      if (Array.isArray(list))
        for (const item of list) if (typeof item === "string") sources.push(`${prefix}${item}`);
    };
    add(identity.Headers, "method.request.header.");
    add(identity.QueryStrings, "method.request.querystring.");
    add(identity.StageVariables, "stageVariables.");
    add(identity.Context, "context.");
    if (sources.length > 0) authorizer.identitySource = sources.join(", ");
    return {
      type: "apiKey",
      name: "Unused",
      in: "header",
      "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": authorizer,
    };
  }
  const header = typeof identity.Header === "string" ? identity.Header : "Authorization";
  authorizer.identitySource = `method.request.header.${header}`;
  if (identity.ValidationExpression !== undefined)
    authorizer.identityValidationExpression = identity.ValidationExpression;
  return {
    type: "apiKey",
    name: header,
    in: "header",
    "x-amazon-apigateway-authtype": "custom",
    "x-amazon-apigateway-authorizer": authorizer,
  };
}

const quote = (value: TemplateValue): TemplateValue =>
  typeof value === "number" || typeof value === "boolean" ? `'${value}'` : value;

/**
 * Cors: an OPTIONS method with a MOCK integration answering the CORS headers on every path
 * (SAM's add_cors). `'*'` (a string) is AllowOrigin; a map sets each header.
 */
export function applyCors(apiId: string, body: TemplateObject, cors: TemplateValue): void {
  const config: TemplateObject =
    typeof cors === "string" ? { AllowOrigin: cors } : isObject(cors) ? cors : {};
  if (config.AllowOrigin === undefined) {
    throw new SamResourceError(apiId, "Invalid value for 'Cors' property: 'AllowOrigin' is required.");
  }
  for (const methods of Object.values(paths(body))) {
    if (!isObject(methods) || methods.options !== undefined) continue;
    const present = Object.keys(methods).map((m) => (m === ANY ? "ANY" : m.toUpperCase()));
    const allowed = present.includes("ANY")
      ? ALL_METHODS
      : [...new Set([...present.filter((m) => ALL_METHODS.includes(m)), "OPTIONS"])].sort();
    const parameters: TemplateObject = {};
    const headers: TemplateObject = {};
    const set = (header: string, value: TemplateValue | undefined) => {
      if (value === undefined) return;
      parameters[`method.response.header.${header}`] = quote(value);
      headers[header] = { type: "string" };
    };
    set("Access-Control-Allow-Origin", config.AllowOrigin);
    set("Access-Control-Allow-Headers", config.AllowHeaders);
    set("Access-Control-Allow-Methods", config.AllowMethods ?? `'${allowed.join(",")}'`);
    set("Access-Control-Max-Age", config.MaxAge);
    if (config.AllowCredentials === true) set("Access-Control-Allow-Credentials", "'true'");
    methods.options = {
      summary: "CORS support",
      consumes: ["application/json"],
      produces: ["application/json"],
      "x-amazon-apigateway-integration": {
        type: "mock",
        requestTemplates: { "application/json": '{\n  "statusCode" : 200\n}\n' },
        responses: {
          default: {
            statusCode: "200",
            responseParameters: parameters,
            responseTemplates: { "application/json": "{}\n" },
          },
        },
      },
      responses: { "200": { description: "Default response for CORS method", headers } },
    };
  }
}

/** GatewayResponses -> `x-amazon-apigateway-gateway-responses`. */
export function applyGatewayResponses(body: TemplateObject, responses: TemplateValue): void {
  if (!isObject(responses)) return;
  const out: TemplateObject = {};
  for (const [type, response] of Object.entries(responses)) {
    if (!isObject(response)) continue;
    const entry: TemplateObject = {};
    if (response.StatusCode !== undefined) entry.statusCode = response.StatusCode;
    const parameters = isObject(response.ResponseParameters) ? response.ResponseParameters : {};
    const mapped: TemplateObject = {};
    for (const [group, prefix] of [
      ["Headers", "header"],
      ["Paths", "path"],
      ["QueryStrings", "querystring"],
    ] as const) {
      const values = parameters[group];
      if (isObject(values))
        for (const [k, v] of Object.entries(values)) mapped[`gatewayresponse.${prefix}.${k}`] = v;
    }
    if (Object.keys(mapped).length > 0) entry.responseParameters = mapped;
    if (response.ResponseTemplates !== undefined) entry.responseTemplates = response.ResponseTemplates;
    out[type] = entry;
  }
  body["x-amazon-apigateway-gateway-responses"] = out;
}

/** OpenApiVersion 3.x: SAM rewrites its Swagger 2.0 body as OpenAPI 3 (securitySchemes). */
export function toOpenApi3(body: TemplateObject, version: string): void {
  delete body.swagger;
  body.openapi = version;
  if (isObject(body.securityDefinitions)) {
    const components = isObject(body.components) ? body.components : {};
    components.securitySchemes = body.securityDefinitions;
    body.components = components;
    delete body.securityDefinitions;
  }
}
