import { definitionInvalid, type Obj } from "../apigateway/props.js";

/**
 * An OpenAPI 3 definition of an HTTP API (what ImportApi / ReimportApi take, and SAM's
 * DefinitionBody) as the API Gateway v2 calls that build it: authorizers, integrations, routes.
 * Nimbus's API Gateway v2 has no import operation, so the provider makes these calls itself.
 *
 * Read: `info` (title, version, description); `paths` with operations and
 * `x-amazon-apigateway-any-method` (route keys `GET /items/{id}`, `ANY /{proxy+}`, and
 * `$default` for the path `/$default` or `$default`); root `tags` with `x-amazon-apigateway-tag-value`; `x-amazon-apigateway-integration` on operations (inline
 * or `$ref: '#/components/x-amazon-apigateway-integrations/<name>'`): type aws_proxy/http_proxy,
 * uri, httpMethod, payloadFormatVersion, timeoutInMillis, connectionType INTERNET, description;
 * `components.securitySchemes` with `x-amazon-apigateway-authorizer` (jwt, request) and
 * `security` (root default, per operation; scopes for JWT); `x-amazon-apigateway-cors`.
 * Any other `x-amazon-apigateway-*` extension is refused by name (never dropped); a security
 * scheme without an authorizer is a warning (API Gateway ignores such schemes too).
 */

export interface HttpApiPlan {
  name?: string;
  version?: string;
  description?: string;
  cors?: Obj;
  /** Root `tags` with `x-amazon-apigateway-tag-value` (SAM marks its APIs so): the API's tags. */
  tags: Record<string, string>;
  authorizers: { name: string; body: Obj }[];
  integrations: { key: string; body: Obj }[];
  routes: {
    routeKey: string;
    integrationKey?: string;
    authorizerName?: string;
    authorizationType: "NONE" | "JWT" | "CUSTOM";
    authorizationScopes?: string[];
    operationName?: string;
  }[];
  warnings: string[];
}

const METHODS: Record<string, string> = {
  get: "GET",
  post: "POST",
  put: "PUT",
  patch: "PATCH",
  delete: "DELETE",
  head: "HEAD",
  options: "OPTIONS",
  "x-amazon-apigateway-any-method": "ANY",
};
const ROOT_EXTENSIONS = new Set(["x-amazon-apigateway-cors", "x-amazon-apigateway-importexport-version"]);
const INTEGRATION_MEMBERS = new Set([
  "type",
  "uri",
  "httpMethod",
  "payloadFormatVersion",
  "timeoutInMillis",
  "connectionType",
  "description",
]);
const CORS_MEMBERS = [
  "allowCredentials",
  "allowHeaders",
  "allowMethods",
  "allowOrigins",
  "exposeHeaders",
  "maxAge",
];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function httpApiPlan(definition: Obj): HttpApiPlan {
  const version = String(definition.openapi ?? "");
  if (!/^3\./.test(version)) {
    throw definitionInvalid(
      definition.swagger !== undefined
        ? "HTTP APIs import OpenAPI 3 definitions only (found swagger 2.0)"
        : "the definition must be OpenAPI 3.x (openapi: 3.0.1)",
    );
  }
  if (!isObj(definition.paths)) throw definitionInvalid("paths is missing");
  for (const key of Object.keys(definition)) {
    if (key.startsWith("x-amazon-apigateway-") && !ROOT_EXTENSIONS.has(key))
      throw definitionInvalid(`the extension ${key} is not supported by Nimbus`);
  }
  const plan: HttpApiPlan = { tags: {}, authorizers: [], integrations: [], routes: [], warnings: [] };
  if (Array.isArray(definition.tags)) {
    for (const tag of definition.tags) {
      if (!isObj(tag)) continue;
      const value = tag["x-amazon-apigateway-tag-value"];
      if (value !== undefined && typeof tag.name === "string") plan.tags[tag.name] = String(value);
    }
  }
  const info = isObj(definition.info) ? definition.info : {};
  if (typeof info.title === "string" && info.title !== "") plan.name = info.title;
  if (info.version !== undefined) plan.version = String(info.version);
  if (typeof info.description === "string") plan.description = info.description;
  const cors = definition["x-amazon-apigateway-cors"];
  if (cors !== undefined) plan.cors = corsOf(cors);

  const components = isObj(definition.components) ? definition.components : {};
  const schemes = authorizersOf(components, plan);
  const sharedIntegrations = isObj(components["x-amazon-apigateway-integrations"])
    ? components["x-amazon-apigateway-integrations"]
    : {};
  const integrationKeys = new Map<string, string>();

  for (const [path, item] of Object.entries(definition.paths)) {
    if (!isObj(item)) continue;
    for (const [verb, operation] of Object.entries(item)) {
      const method = METHODS[verb];
      if (!method) {
        if (verb.startsWith("x-amazon-apigateway-"))
          throw definitionInvalid(`the extension ${verb} on ${path} is not supported by Nimbus`);
        continue; // parameters, summary, description, servers, x-*: documentation
      }
      if (!isObj(operation)) continue;
      const where = `${method} ${path}`;
      for (const key of Object.keys(operation)) {
        if (key.startsWith("x-amazon-apigateway-") && key !== "x-amazon-apigateway-integration")
          throw definitionInvalid(`the extension ${key} on ${where} is not supported by Nimbus`);
      }
      // AWS exports the default route as `/$default`; SAM writes `$default`.
      const routeKey = path === "/$default" || path === "$default" ? "$default" : `${method} ${path}`;
      const route: HttpApiPlan["routes"][number] = { routeKey, authorizationType: "NONE" };
      if (typeof operation.operationId === "string") route.operationName = operation.operationId;
      const integration = integrationOf(
        operation["x-amazon-apigateway-integration"],
        sharedIntegrations,
        where,
      );
      if (integration) {
        const key = JSON.stringify(integration);
        if (!integrationKeys.has(key)) {
          integrationKeys.set(key, key);
          plan.integrations.push({ key, body: integration });
        }
        route.integrationKey = key;
      }
      applySecurity(route, operation.security ?? definition.security, schemes, where, plan);
      plan.routes.push(route);
    }
  }
  return plan;
}

function corsOf(value: unknown): Obj {
  if (!isObj(value)) throw definitionInvalid("x-amazon-apigateway-cors must be an object");
  for (const key of Object.keys(value)) {
    if (!CORS_MEMBERS.includes(key))
      throw definitionInvalid(`x-amazon-apigateway-cors.${key} is not a CORS setting`);
  }
  return { ...value };
}

function integrationOf(value: unknown, shared: Obj, where: string): Obj | undefined {
  if (value === undefined) return undefined;
  let spec: unknown = value;
  if (isObj(spec) && typeof spec.$ref === "string") {
    const name = /^#\/components\/x-amazon-apigateway-integrations\/(.+)$/.exec(spec.$ref)?.[1];
    spec = name !== undefined ? shared[name] : undefined;
    if (spec === undefined) throw definitionInvalid(`unresolved integration reference on ${where}`);
  }
  if (!isObj(spec)) throw definitionInvalid(`x-amazon-apigateway-integration on ${where} must be an object`);
  for (const key of Object.keys(spec)) {
    if (!INTEGRATION_MEMBERS.has(key))
      throw definitionInvalid(
        `x-amazon-apigateway-integration.${key} on ${where} is not supported by Nimbus`,
      );
  }
  const type = String(spec.type ?? "").toUpperCase();
  if (type !== "AWS_PROXY" && type !== "HTTP_PROXY")
    throw definitionInvalid(
      `integration type ${String(spec.type)} on ${where}: HTTP APIs take aws_proxy and http_proxy`,
    );
  if (typeof spec.uri !== "string" || spec.uri === "")
    throw definitionInvalid(`integration uri is missing on ${where}`);
  if (spec.connectionType !== undefined && spec.connectionType !== "INTERNET")
    throw definitionInvalid(
      `connectionType ${String(spec.connectionType)} on ${where} is not supported by Nimbus`,
    );
  const body: Obj = { integrationType: type, integrationUri: spec.uri };
  if (type === "AWS_PROXY") {
    // API Gateway requires payloadFormatVersion for Lambda proxy integrations of HTTP APIs.
    if (spec.payloadFormatVersion === undefined)
      throw definitionInvalid(`payloadFormatVersion is required for the aws_proxy integration on ${where}`);
    body.payloadFormatVersion = String(spec.payloadFormatVersion);
  } else {
    body.integrationMethod = String(spec.httpMethod ?? "ANY").toUpperCase();
    body.payloadFormatVersion = String(spec.payloadFormatVersion ?? "1.0");
  }
  if (spec.timeoutInMillis !== undefined) body.timeoutInMillis = Number(spec.timeoutInMillis);
  if (typeof spec.description === "string") body.description = spec.description;
  return body;
}

interface Scheme {
  type: "JWT" | "REQUEST";
}

function authorizersOf(components: Obj, plan: HttpApiPlan): Map<string, Scheme | undefined> {
  const out = new Map<string, Scheme | undefined>();
  const schemes = isObj(components.securitySchemes) ? components.securitySchemes : {};
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!isObj(scheme)) continue;
    for (const key of Object.keys(scheme)) {
      if (key.startsWith("x-amazon-apigateway-") && key !== "x-amazon-apigateway-authorizer")
        throw definitionInvalid(`the extension ${key} on security scheme ${name} is not supported by Nimbus`);
    }
    const spec = scheme["x-amazon-apigateway-authorizer"];
    if (spec === undefined) {
      out.set(name, undefined);
      continue;
    }
    if (!isObj(spec)) throw definitionInvalid(`x-amazon-apigateway-authorizer of ${name} must be an object`);
    const type = String(spec.type ?? "").toUpperCase();
    const identitySource = identitySourceOf(spec.identitySource);
    if (type === "JWT") {
      checkKeys(spec, ["type", "identitySource", "jwtConfiguration"], name);
      const jwt = isObj(spec.jwtConfiguration) ? spec.jwtConfiguration : undefined;
      if (!jwt) throw definitionInvalid(`jwtConfiguration is missing on authorizer ${name}`);
      plan.authorizers.push({
        name,
        body: {
          name,
          authorizerType: "JWT",
          identitySource: identitySource ?? ["$request.header.Authorization"],
          jwtConfiguration: { issuer: jwt.issuer, audience: jwt.audience ?? [] },
        },
      });
      out.set(name, { type: "JWT" });
    } else if (type === "REQUEST") {
      checkKeys(
        spec,
        [
          "type",
          "identitySource",
          "authorizerUri",
          "authorizerPayloadFormatVersion",
          "authorizerResultTtlInSeconds",
          "enableSimpleResponses",
        ],
        name,
      );
      const body: Obj = {
        name,
        authorizerType: "REQUEST",
        identitySource: identitySource ?? [],
        authorizerUri: spec.authorizerUri,
        authorizerPayloadFormatVersion: String(spec.authorizerPayloadFormatVersion ?? ""),
      };
      if (spec.authorizerResultTtlInSeconds !== undefined)
        body.authorizerResultTtlInSeconds = Number(spec.authorizerResultTtlInSeconds);
      if (spec.enableSimpleResponses !== undefined)
        body.enableSimpleResponses = spec.enableSimpleResponses === true;
      plan.authorizers.push({ name, body });
      out.set(name, { type: "REQUEST" });
    } else {
      throw definitionInvalid(
        `authorizer type ${String(spec.type)} of ${name}: HTTP APIs take jwt and request`,
      );
    }
  }
  return out;
}

function checkKeys(spec: Obj, known: string[], name: string): void {
  for (const key of Object.keys(spec)) {
    if (!known.includes(key))
      throw definitionInvalid(`x-amazon-apigateway-authorizer.${key} of ${name} is not supported by Nimbus`);
  }
}

/** `"$request.header.Authorization, $request.querystring.q"` or a list. */
function identitySourceOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value.map(String) : String(value).split(",");
  return list.map((s) => s.trim()).filter(Boolean);
}

function applySecurity(
  route: HttpApiPlan["routes"][number],
  security: unknown,
  schemes: Map<string, Scheme | undefined>,
  where: string,
  plan: HttpApiPlan,
): void {
  if (!Array.isArray(security) || security.length === 0) return;
  const requirement = security.find((s) => isObj(s) && Object.keys(s).length > 0);
  if (!isObj(requirement)) return; // `security: [{}]`: no authorization
  if (security.length > 1) plan.warnings.push(`${where}: only the first security requirement is applied`);
  const [name, scopes] = Object.entries(requirement)[0] ?? [];
  if (name === undefined) return;
  if (!schemes.has(name)) throw definitionInvalid(`${where} names the unknown security scheme ${name}`);
  const scheme = schemes.get(name);
  if (!scheme) {
    plan.warnings.push(
      `${where}: security scheme ${name} has no x-amazon-apigateway-authorizer; the route has none`,
    );
    return;
  }
  route.authorizerName = name;
  route.authorizationType = scheme.type === "JWT" ? "JWT" : "CUSTOM";
  if (scheme.type === "JWT" && Array.isArray(scopes) && scopes.length > 0)
    route.authorizationScopes = scopes.map(String);
}
