import { parse as parseYaml } from "yaml";
import type { Clock } from "../../core/clock.js";
import { importFailed, unsupported } from "./errors.js";
import { gatewayResponseDoc } from "./gateway-response-api.js";
import type { AuthorizerDoc, IntegrationDoc, MethodDoc, RestApiDoc } from "./model.js";
import { addValidator } from "./request-validators.js";
import { addResource, checkAuthorizer, checkIntegration, checkMethod } from "./rest-api-service.js";
import { newGatewayId, type RestApiStore } from "./rest-api-store.js";

type Obj = Record<string, unknown>;

const OPERATIONS: Record<string, string> = {
  get: "GET",
  post: "POST",
  put: "PUT",
  patch: "PATCH",
  delete: "DELETE",
  head: "HEAD",
  options: "OPTIONS",
  "x-amazon-apigateway-any-method": "ANY",
};
const API_EXTENSIONS = new Set([
  "x-amazon-apigateway-request-validators",
  "x-amazon-apigateway-request-validator",
  "x-amazon-apigateway-gateway-responses",
  "x-amazon-apigateway-binary-media-types",
  "x-amazon-apigateway-api-key-source",
]);
const OPERATION_EXTENSIONS = new Set([
  "x-amazon-apigateway-integration",
  "x-amazon-apigateway-auth",
  "x-amazon-apigateway-request-validator",
]);

/**
 * ImportRestApi and PutRestApi: an OpenAPI 3 or Swagger 2 definition (JSON or YAML) with API
 * Gateway's extensions (`x-amazon-apigateway-integration`, `-authorizer`, `-api-key-source`,
 * `-binary-media-types`, `-any-method`, `-auth`) becomes resources, methods, integrations and
 * authorizers. Any other `x-amazon-apigateway-*` extension is refused, naming it.
 */
export class OpenApiImporter {
  constructor(
    private readonly store: RestApiStore,
    private readonly clock: Clock,
  ) {}

  async importNew(body: Buffer, _failOnWarnings: boolean): Promise<RestApiDoc> {
    const definition = parseDefinition(body);
    const rootId = newGatewayId();
    const api: RestApiDoc = {
      id: newGatewayId(),
      name: titleOf(definition),
      createdAt: this.clock.now(),
      binaryMediaTypes: [],
      apiKeySource: "HEADER",
      endpointConfiguration: { types: ["EDGE"] },
      disableExecuteApiEndpoint: false,
      rootResourceId: rootId,
      tags: {},
      resources: { [rootId]: { id: rootId, path: "/", methods: {} } },
      authorizers: {},
    };
    const description = (definition.info as Obj | undefined)?.description;
    if (typeof description === "string") api.description = description;
    applyDefinition(api, definition);
    await this.store.putApi(api, "absent");
    return api;
  }

  async put(
    apiId: string,
    body: Buffer,
    mode: "merge" | "overwrite",
    _failOnWarnings: boolean,
  ): Promise<RestApiDoc> {
    const definition = parseDefinition(body);
    const { doc: api, revision } = await this.store.api(apiId);
    if (mode === "overwrite") {
      const root = api.resources[api.rootResourceId];
      api.resources = root ? { [root.id]: { ...root, methods: {} } } : {};
      api.authorizers = {};
      api.binaryMediaTypes = [];
      api.gatewayResponses = {};
      api.requestValidators = {};
      api.name = titleOf(definition);
    }
    applyDefinition(api, definition);
    await this.store.putApi(api, revision);
    return api;
  }
}

function parseDefinition(body: Buffer): Obj {
  const text = body.toString("utf8");
  let value: unknown;
  try {
    value = text.trimStart().startsWith("{") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw importFailed(`Invalid OpenAPI input: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null)
    throw importFailed("Invalid OpenAPI input: not a document");
  const doc = value as Obj;
  const version = String(doc.openapi ?? doc.swagger ?? "");
  if (!/^3\./.test(version) && version !== "2.0") {
    throw importFailed(
      "Invalid OpenAPI input: the definition must be OpenAPI 3.x (openapi) or Swagger 2.0 (swagger)",
    );
  }
  if (typeof doc.paths !== "object" || doc.paths === null)
    throw importFailed("Invalid OpenAPI input: paths is missing");
  return doc;
}

function titleOf(doc: Obj): string {
  const title = (doc.info as Obj | undefined)?.title;
  if (typeof title !== "string" || title === "")
    throw importFailed("Invalid OpenAPI input: info.title is required");
  return title;
}

function applyDefinition(api: RestApiDoc, doc: Obj): void {
  for (const key of Object.keys(doc)) {
    if (key.startsWith("x-amazon-apigateway-") && !API_EXTENSIONS.has(key))
      throw unsupported(`the OpenAPI extension ${key}`);
  }
  const binary = doc["x-amazon-apigateway-binary-media-types"];
  if (Array.isArray(binary))
    api.binaryMediaTypes = [...new Set([...api.binaryMediaTypes, ...binary.map(String)])];
  const keySource = doc["x-amazon-apigateway-api-key-source"];
  if (keySource !== undefined) {
    if (keySource !== "HEADER" && keySource !== "AUTHORIZER")
      throw importFailed(`Invalid api key source: ${String(keySource)}`);
    api.apiKeySource = keySource;
  }
  const responses = doc["x-amazon-apigateway-gateway-responses"];
  if (responses !== undefined) {
    if (typeof responses !== "object" || responses === null)
      throw importFailed("x-amazon-apigateway-gateway-responses must be an object");
    for (const [type, value] of Object.entries(responses as Obj)) {
      api.gatewayResponses = {
        ...(api.gatewayResponses ?? {}),
        [type]: gatewayResponseDoc(type, withStringStatus(value)),
      };
    }
  }
  const validators = importValidators(api, doc);
  const schemes = securitySchemes(api, doc);
  const globalSecurity = doc.security;
  for (const [path, item] of Object.entries(doc.paths as Obj)) {
    if (typeof item !== "object" || item === null) continue;
    const resourceId = ensureResource(api, path);
    const resource = api.resources[resourceId];
    if (!resource) continue;
    const pathParameters = (item as Obj).parameters;
    for (const [verb, operation] of Object.entries(item as Obj)) {
      if (verb === "parameters" || verb === "summary" || verb === "description" || verb === "servers")
        continue;
      const httpMethod = OPERATIONS[verb];
      if (!httpMethod) {
        if (verb.startsWith("x-amazon-apigateway-"))
          throw unsupported(`the OpenAPI extension ${verb} on ${path}`);
        continue;
      }
      const op = operation as Obj;
      const method = methodFrom(
        api,
        op,
        httpMethod,
        schemes,
        op.security ?? globalSecurity,
        pathParameters,
        path,
      );
      const validatorName =
        op["x-amazon-apigateway-request-validator"] ?? doc["x-amazon-apigateway-request-validator"];
      if (validatorName !== undefined) {
        const validatorId = validators.get(String(validatorName));
        if (!validatorId)
          throw importFailed(`Unknown request validator ${String(validatorName)} on ${httpMethod} ${path}`);
        method.requestValidatorId = validatorId;
      }
      checkMethod(api, method);
      resource.methods[httpMethod] = method;
    }
  }
}

interface Schemes {
  authorizers: Map<string, string>;
  apiKey: Set<string>;
  /** Schemes with `x-amazon-apigateway-authtype: awsSigv4`: AWS_IAM. */
  sigv4: Set<string>;
}

function securitySchemes(api: RestApiDoc, doc: Obj): Schemes {
  const raw = ((doc.components as Obj | undefined)?.securitySchemes ?? doc.securityDefinitions ?? {}) as Obj;
  const schemes: Schemes = { authorizers: new Map(), apiKey: new Set(), sigv4: new Set() };
  for (const [name, value] of Object.entries(raw)) {
    const scheme = value as Obj;
    for (const key of Object.keys(scheme)) {
      if (
        key.startsWith("x-amazon-apigateway-") &&
        key !== "x-amazon-apigateway-authorizer" &&
        key !== "x-amazon-apigateway-authtype"
      ) {
        throw unsupported(`the OpenAPI extension ${key} on security scheme ${name}`);
      }
    }
    const ext = scheme["x-amazon-apigateway-authorizer"] as Obj | undefined;
    if (ext) {
      const type = String(ext.type ?? "").toUpperCase();
      const headerName = typeof scheme.name === "string" ? scheme.name : "Authorization";
      const input: Omit<AuthorizerDoc, "id"> = {
        name,
        type: type as AuthorizerDoc["type"],
        authorizerUri: String(ext.authorizerUri ?? ""),
        identitySource:
          typeof ext.identitySource === "string"
            ? ext.identitySource
            : type === "TOKEN"
              ? `method.request.header.${headerName}`
              : "",
        authorizerResultTtlInSeconds:
          typeof ext.authorizerResultTtlInSeconds === "number" ? ext.authorizerResultTtlInSeconds : 300,
        ...(typeof ext.identityValidationExpression === "string"
          ? { identityValidationExpression: ext.identityValidationExpression }
          : {}),
      };
      if (ext.authorizerCredentials !== undefined)
        throw unsupported(`authorizer credentials on security scheme ${name}`);
      if (input.type === ("COGNITO_USER_POOLS" as string))
        throw unsupported(`Cognito user pool authorizers (security scheme ${name})`);
      checkAuthorizer(input);
      const existing = Object.values(api.authorizers).find((a) => a.name === name);
      const id = existing?.id ?? newGatewayId().slice(0, 6);
      api.authorizers[id] = { id, ...input };
      schemes.authorizers.set(name, id);
    } else if (
      scheme.type === "apiKey" &&
      scheme.in === "header" &&
      String(scheme.name).toLowerCase() === "x-api-key"
    ) {
      schemes.apiKey.add(name);
    } else if (String(scheme["x-amazon-apigateway-authtype"] ?? "").toLowerCase() === "awssigv4") {
      schemes.sigv4.add(name);
    }
  }
  return schemes;
}

function ensureResource(api: RestApiDoc, path: string): string {
  let current = api.rootResourceId;
  for (const part of path.split("/").filter(Boolean)) {
    const child = Object.values(api.resources).find((r) => r.parentId === current && r.pathPart === part);
    current = child ? child.id : addResource(api, current, part).id;
  }
  return current;
}

function methodFrom(
  api: RestApiDoc,
  op: Obj,
  httpMethod: string,
  schemes: Schemes,
  security: unknown,
  pathParameters: unknown,
  path: string,
): MethodDoc {
  for (const key of Object.keys(op)) {
    if (key.startsWith("x-amazon-apigateway-") && !OPERATION_EXTENSIONS.has(key)) {
      throw unsupported(`the OpenAPI extension ${key} on ${httpMethod} ${path}`);
    }
  }
  const auth = op["x-amazon-apigateway-auth"] as Obj | undefined;
  const authType = String(auth?.type ?? "NONE").toUpperCase();
  if (authType !== "NONE" && authType !== "AWS_IAM")
    throw unsupported(`x-amazon-apigateway-auth type ${authType}`);
  const method: MethodDoc = {
    httpMethod,
    authorizationType: authType === "AWS_IAM" ? "AWS_IAM" : "NONE",
    apiKeyRequired: false,
    requestParameters: {},
    methodResponses: {},
  };
  if (typeof op.operationId === "string") method.operationName = op.operationId;
  for (const requirement of Array.isArray(security) ? security : []) {
    for (const name of Object.keys(requirement as Obj)) {
      const authorizerId = schemes.authorizers.get(name);
      if (authorizerId) {
        method.authorizationType = "CUSTOM";
        method.authorizerId = authorizerId;
      } else if (schemes.apiKey.has(name)) {
        method.apiKeyRequired = true;
      } else if (schemes.sigv4.has(name)) {
        method.authorizationType = "AWS_IAM";
      } else {
        throw unsupported(
          `the security scheme ${name} on ${httpMethod} ${path} (Lambda authorizers, awsSigv4 and x-api-key are supported)`,
        );
      }
    }
  }
  const parameters = [
    ...(Array.isArray(pathParameters) ? pathParameters : []),
    ...(Array.isArray(op.parameters) ? op.parameters : []),
  ];
  for (const p of parameters as Obj[]) {
    const where = p.in === "query" ? "querystring" : p.in;
    if ((where === "path" || where === "querystring" || where === "header") && typeof p.name === "string") {
      method.requestParameters[`method.request.${where}.${p.name}`] = p.required === true;
    }
  }
  for (const code of Object.keys((op.responses as Obj | undefined) ?? {})) {
    if (/^[1-5]\d\d$/.test(code))
      method.methodResponses[code] = { statusCode: code, responseParameters: {}, responseModels: {} };
  }
  const ext = op["x-amazon-apigateway-integration"] as Obj | undefined;
  if (ext) method.integration = integrationFrom(ext, `${httpMethod} ${path}`);
  void api;
  return method;
}

function integrationFrom(ext: Obj, where: string): IntegrationDoc {
  for (const key of ["connectionType", "connectionId", "contentHandling", "tlsConfig", "credentials"]) {
    if (ext[key] !== undefined && key !== "credentials")
      throw unsupported(`${key} in x-amazon-apigateway-integration of ${where}`);
  }
  if (Array.isArray(ext.cacheKeyParameters) && ext.cacheKeyParameters.length > 0) {
    throw unsupported(`integration caching (cacheKeyParameters) of ${where}`);
  }
  const passthrough = String(ext.passthroughBehavior ?? "when_no_match").toUpperCase();
  const integration: IntegrationDoc = {
    type: String(ext.type ?? "").toUpperCase() as IntegrationDoc["type"],
    ...(typeof ext.httpMethod === "string" ? { httpMethod: ext.httpMethod.toUpperCase() } : {}),
    ...(typeof ext.uri === "string" ? { uri: ext.uri } : {}),
    ...(typeof ext.credentials === "string" ? { credentials: ext.credentials } : {}),
    requestParameters: stringMap(ext.requestParameters),
    requestTemplates: stringMap(ext.requestTemplates),
    passthroughBehavior: passthrough as IntegrationDoc["passthroughBehavior"],
    timeoutInMillis: typeof ext.timeoutInMillis === "number" ? ext.timeoutInMillis : 29_000,
    cacheNamespace: typeof ext.cacheNamespace === "string" ? ext.cacheNamespace : "",
    cacheKeyParameters: [],
    integrationResponses: {},
  };
  for (const [pattern, value] of Object.entries((ext.responses as Obj | undefined) ?? {})) {
    const r = value as Obj;
    const statusCode = String(r.statusCode ?? "");
    if (r.contentHandling !== undefined)
      throw unsupported(`contentHandling in the integration responses of ${where}`);
    integration.integrationResponses[statusCode] = {
      statusCode,
      ...(pattern !== "default" ? { selectionPattern: pattern } : {}),
      responseParameters: stringMap(r.responseParameters),
      responseTemplates: stringMap(r.responseTemplates),
    };
  }
  try {
    checkIntegration(integration);
  } catch (error) {
    throw importFailed(`${where}: ${(error as Error).message}`);
  }
  return integration;
}

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, String(v)]));
}

/** YAML and JSON definitions often write `statusCode: 403`; the API takes it as text. */
function withStringStatus(value: unknown): Obj {
  const obj = { ...((value ?? {}) as Obj) };
  if (typeof obj.statusCode === "number") obj.statusCode = String(obj.statusCode);
  return obj;
}

/** `x-amazon-apigateway-request-validators`: the API's validators, by name. */
function importValidators(api: RestApiDoc, doc: Obj): Map<string, string> {
  const byName = new Map<string, string>();
  for (const v of Object.values(api.requestValidators ?? {})) byName.set(v.name, v.id);
  const raw = doc["x-amazon-apigateway-request-validators"];
  if (raw === undefined) return byName;
  if (typeof raw !== "object" || raw === null)
    throw importFailed("x-amazon-apigateway-request-validators must be an object");
  for (const [name, value] of Object.entries(raw as Obj)) {
    if (byName.has(name)) continue;
    const v = (value ?? {}) as Obj;
    const validator = addValidator(
      api,
      name,
      v.validateRequestBody === true,
      v.validateRequestParameters === true,
    );
    byName.set(name, validator.id);
  }
  return byName;
}
