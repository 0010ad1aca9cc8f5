import { parse as parseYaml } from "yaml";
import type { Clock } from "../../core/clock.js";
import { importFailed, unsupported } from "./errors.js";
import { gatewayResponseDoc } from "./gateway-response-api.js";
import type { RestApiDoc } from "./model.js";
import { importValidators, methodFrom, securitySchemes, withStringStatus } from "./openapi-methods.js";
import { addResource, checkMethod } from "./rest-api-service.js";
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

function ensureResource(api: RestApiDoc, path: string): string {
  let current = api.rootResourceId;
  for (const part of path.split("/").filter(Boolean)) {
    const child = Object.values(api.resources).find((r) => r.parentId === current && r.pathPart === part);
    current = child ? child.id : addResource(api, current, part).id;
  }
  return current;
}
