import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import { STORAGE_ERRORS } from "../../storage/errors.js";
import { awsServiceTargetOf, isLambdaUri, serviceSpec } from "./aws-service-uri.js";
import { badRequest, conflict, notFound, unsupported } from "./errors.js";
import { lambdaFunctionOf } from "./lambda-uri.js";
import type {
  AuthorizerDoc,
  IntegrationDoc,
  IntegrationResponseDoc,
  MethodDoc,
  MethodResponseDoc,
  ResourceDoc,
  RestApiDoc,
} from "./model.js";
import { newGatewayId, type RestApiStore } from "./rest-api-store.js";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];
const INTEGRATION_TYPES = ["AWS", "AWS_PROXY", "MOCK", "HTTP", "HTTP_PROXY"];
const PATH_PART = /^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:@~!$&'()*,;=-]+)$/;

export interface CreateRestApiInput {
  name: string;
  description?: string | undefined;
  version?: string | undefined;
  binaryMediaTypes?: string[] | undefined;
  apiKeySource?: string | undefined;
  endpointTypes?: string[] | undefined;
  disableExecuteApiEndpoint?: boolean | undefined;
  tags?: Record<string, string> | undefined;
}

/**
 * REST APIs and what they hold: resources, methods, integrations and their responses, and
 * authorizers. Each change reads the API document, edits it and writes it back under the
 * revision it read, so concurrent edits conflict instead of losing one another.
 */
export class RestApiService {
  /** The tail of each API's chain of pending changes. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RestApiStore,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateRestApiInput): Promise<RestApiDoc> {
    const apiKeySource = input.apiKeySource ?? "HEADER";
    if (apiKeySource !== "HEADER" && apiKeySource !== "AUTHORIZER") {
      throw badRequest(`Invalid apiKeySource: ${apiKeySource}`);
    }
    const types = input.endpointTypes ?? ["EDGE"];
    const rootId = newGatewayId();
    const doc: RestApiDoc = {
      id: newGatewayId(),
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.version !== undefined ? { version: input.version } : {}),
      createdAt: this.clock.now(),
      binaryMediaTypes: input.binaryMediaTypes ?? [],
      apiKeySource,
      endpointConfiguration: { types },
      disableExecuteApiEndpoint: input.disableExecuteApiEndpoint ?? false,
      rootResourceId: rootId,
      tags: input.tags ?? {},
      resources: { [rootId]: { id: rootId, path: "/", methods: {} } },
      authorizers: {},
    };
    await this.store.putApi(doc, "absent");
    return doc;
  }

  async get(id: string): Promise<RestApiDoc> {
    return (await this.store.api(id)).doc;
  }

  list(): Promise<RestApiDoc[]> {
    return this.store.apis();
  }

  async delete(id: string): Promise<void> {
    await this.store.api(id);
    await this.store.deleteApi(id);
  }

  /**
   * Applies `edit` to the stored API and writes it back; returns what `edit` returned. Changes
   * to one API are applied one after another in this process (tools such as CloudFormation put
   * methods in parallel); a change by another process makes it re-read and apply `edit` again,
   * a few times, before the conflict reaches the caller.
   */
  update<T>(id: string, edit: (api: RestApiDoc) => T): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(
      () => this.applyUpdate(id, edit),
      () => this.applyUpdate(id, edit),
    );
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }

  private async applyUpdate<T>(id: string, edit: (api: RestApiDoc) => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { doc, revision } = await this.store.api(id);
      const result = edit(doc);
      try {
        await this.store.putApi(doc, revision);
        return result;
      } catch (error) {
        if (!isPlatformError(error) || error.code !== STORAGE_ERRORS.conflict || attempt >= 5) throw error;
      }
    }
  }

  async createResource(apiId: string, parentId: string, pathPart: string): Promise<ResourceDoc> {
    return this.update(apiId, (api) => addResource(api, parentId, pathPart));
  }

  async deleteResource(apiId: string, resourceId: string): Promise<void> {
    await this.update(apiId, (api) => {
      if (resourceId === api.rootResourceId) throw badRequest("Cannot delete the root resource");
      resourceOf(api, resourceId);
      // A resource goes with everything below it.
      const doomed = new Set([resourceId]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const r of Object.values(api.resources)) {
          if (r.parentId && doomed.has(r.parentId) && !doomed.has(r.id)) {
            doomed.add(r.id);
            grew = true;
          }
        }
      }
      for (const id of doomed) delete api.resources[id];
    });
  }

  async putMethod(apiId: string, resourceId: string, method: MethodDoc): Promise<MethodDoc> {
    return this.update(apiId, (api) => {
      const resource = resourceOf(api, resourceId);
      checkMethod(api, method);
      resource.methods[method.httpMethod] = method;
      return method;
    });
  }

  async deleteMethod(apiId: string, resourceId: string, httpMethod: string): Promise<void> {
    await this.update(apiId, (api) => {
      const resource = resourceOf(api, resourceId);
      methodOf(resource, httpMethod);
      delete resource.methods[httpMethod];
    });
  }

  async putIntegration(apiId: string, resourceId: string, httpMethod: string, integration: IntegrationDoc) {
    checkIntegration(integration);
    return this.update(apiId, (api) => {
      const method = methodOf(resourceOf(api, resourceId), httpMethod);
      method.integration = integration;
      return integration;
    });
  }

  async deleteIntegration(apiId: string, resourceId: string, httpMethod: string): Promise<void> {
    await this.update(apiId, (api) => {
      const method = methodOf(resourceOf(api, resourceId), httpMethod);
      if (!method.integration) throw notFound("Invalid Integration identifier specified");
      delete method.integration;
    });
  }

  async putMethodResponse(
    apiId: string,
    resourceId: string,
    httpMethod: string,
    response: MethodResponseDoc,
  ) {
    checkStatusCode(response.statusCode);
    return this.update(apiId, (api) => {
      methodOf(resourceOf(api, resourceId), httpMethod).methodResponses[response.statusCode] = response;
      return response;
    });
  }

  async putIntegrationResponse(
    apiId: string,
    resourceId: string,
    httpMethod: string,
    response: IntegrationResponseDoc,
  ): Promise<IntegrationResponseDoc> {
    checkStatusCode(response.statusCode);
    if (response.selectionPattern !== undefined) {
      try {
        new RegExp(response.selectionPattern);
      } catch {
        throw badRequest(`Invalid selection pattern specified: ${response.selectionPattern}`);
      }
    }
    return this.update(apiId, (api) => {
      const method = methodOf(resourceOf(api, resourceId), httpMethod);
      if (!method.integration) throw notFound("Invalid Integration identifier specified");
      method.integration.integrationResponses[response.statusCode] = response;
      return response;
    });
  }

  async createAuthorizer(apiId: string, input: Omit<AuthorizerDoc, "id">): Promise<AuthorizerDoc> {
    checkAuthorizer(input);
    return this.update(apiId, (api) => {
      if (Object.values(api.authorizers).some((a) => a.name === input.name)) {
        throw conflict(`An authorizer named ${input.name} already exists`);
      }
      const authorizer = { id: newGatewayId().slice(0, 6), ...input };
      api.authorizers[authorizer.id] = authorizer;
      return authorizer;
    });
  }

  async deleteAuthorizer(apiId: string, authorizerId: string): Promise<void> {
    await this.update(apiId, (api) => {
      if (!api.authorizers[authorizerId]) throw notFound("Invalid authorizer ID specified");
      const user = Object.values(api.resources).find((r) =>
        Object.values(r.methods).some((m) => m.authorizerId === authorizerId),
      );
      if (user) throw conflict(`Cannot delete authorizer: it is used by a method of ${user.path}`);
      delete api.authorizers[authorizerId];
    });
  }
}

/** Adds a child resource under `parentId` (shared with the OpenAPI importer). */
export function addResource(api: RestApiDoc, parentId: string, pathPart: string): ResourceDoc {
  const parent = resourceOf(api, parentId);
  if (!PATH_PART.test(pathPart))
    throw badRequest(
      `Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace: ${pathPart}`,
    );
  if (parent.pathPart?.endsWith("+}"))
    throw badRequest("Cannot create a child of a resource with a greedy path variable");
  const siblings = Object.values(api.resources).filter((r) => r.parentId === parentId);
  if (siblings.some((s) => s.pathPart === pathPart)) {
    throw conflict(`Another resource with the same parent already has this name: ${pathPart}`);
  }
  if (pathPart.startsWith("{") && siblings.some((s) => s.pathPart?.startsWith("{"))) {
    throw badRequest(
      "A sibling ({...}) of this resource already has a variable path part -- only one is allowed",
    );
  }
  const resource: ResourceDoc = {
    id: newGatewayId(),
    parentId,
    pathPart,
    path: parent.path === "/" ? `/${pathPart}` : `${parent.path}/${pathPart}`,
    methods: {},
  };
  api.resources[resource.id] = resource;
  return resource;
}

/** The resource with this id, or NotFoundException. */
export function resourceOf(api: RestApiDoc, resourceId: string): ResourceDoc {
  const resource = api.resources[resourceId];
  if (!resource) throw notFound("Invalid Resource identifier specified");
  return resource;
}

/** The resource's method for this HTTP method, or NotFoundException. */
export function methodOf(resource: ResourceDoc, httpMethod: string): MethodDoc {
  const method = resource.methods[httpMethod];
  if (!method) throw notFound("Invalid Method identifier specified");
  return method;
}

/** Checks a method against its API (shared with the OpenAPI importer). */
export function checkMethod(api: RestApiDoc, method: MethodDoc): void {
  if (!HTTP_METHODS.includes(method.httpMethod))
    throw badRequest(`Invalid HttpMethod specified: ${method.httpMethod}`);
  if (method.requestValidatorId !== undefined && !api.requestValidators?.[method.requestValidatorId]) {
    throw badRequest(`Invalid request validator identifier specified: ${method.requestValidatorId}`);
  }
  for (const name of Object.keys(method.requestParameters)) {
    if (!/^method\.request\.(header|querystring|path)\.[^.]+$/.test(name)) {
      throw badRequest(`Invalid method request parameter specified: ${name}`);
    }
  }
  if (method.authorizationType === "CUSTOM") {
    if (!method.authorizerId || !api.authorizers[method.authorizerId]) {
      throw badRequest(
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM requires a valid authorizer.",
      );
    }
  } else if (method.authorizationType !== "NONE" && method.authorizationType !== "AWS_IAM") {
    throw unsupported(
      `authorizationType ${String(method.authorizationType)} (NONE, CUSTOM and AWS_IAM are supported)`,
    );
  }
}

/** Checks an integration's type, URI and settings (shared with the OpenAPI importer). */
export function checkIntegration(integration: IntegrationDoc): void {
  const { type } = integration;
  if (!INTEGRATION_TYPES.includes(type)) throw badRequest(`Invalid integration type specified: ${type}`);
  if (!["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].includes(integration.passthroughBehavior)) {
    throw badRequest(`Invalid passthrough behavior specified: ${integration.passthroughBehavior}`);
  }
  if (!(integration.timeoutInMillis >= 50 && integration.timeoutInMillis <= 29_000)) {
    throw badRequest("Timeout should be between 50 ms and 29000 ms");
  }
  if (type === "MOCK") return;
  if (!integration.httpMethod) throw badRequest("Enumeration value for HttpMethod must be non-empty");
  if (!integration.uri)
    throw badRequest("Integrations of type 'AWS_PROXY', 'AWS', 'HTTP' and 'HTTP_PROXY' require a uri");
  if (type === "AWS" && !isLambdaUri(integration.uri)) {
    // A service action (Step Functions, SQS, SNS): others are refused here, naming them.
    const target = awsServiceTargetOf(integration.uri);
    // awsJson actions are POSTs; ANY (the client's method) is accepted as AWS accepts it, and
    // such an action is always called with POST.
    if (
      serviceSpec(target.service).protocol === "json" &&
      integration.httpMethod !== "POST" &&
      integration.httpMethod !== "ANY"
    ) {
      throw unsupported(
        `integration HTTP method ${integration.httpMethod} for ${serviceSpec(target.service).title} actions (POST)`,
      );
    }
  } else if (type === "AWS" || type === "AWS_PROXY") {
    lambdaFunctionOf(integration.uri);
    if (integration.httpMethod !== "POST")
      throw badRequest("Lambda integrations must use the POST integration HTTP method");
  } else if (!/^https?:\/\/[^/]/.test(integration.uri)) {
    throw badRequest(`Invalid HTTP endpoint specified for URI: ${integration.uri}`);
  }
  if (type === "AWS_PROXY" || type === "HTTP_PROXY") {
    if (Object.keys(integration.requestTemplates).length > 0 && type === "AWS_PROXY") {
      throw badRequest("Request templates are not supported for AWS_PROXY integrations");
    }
  }
  for (const [target, source] of Object.entries(integration.requestParameters)) {
    if (!/^integration\.request\.(header|querystring|path)\.[^.]+$/.test(target)) {
      throw badRequest(
        `Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: ${target}]`,
      );
    }
    if (
      !/^(method\.request\.(header|querystring|path)\.[^.]+|'[^']*'|context\..+|stageVariables\..+)$/.test(
        source,
      )
    ) {
      throw unsupported(`the request parameter mapping source ${source}`);
    }
  }
}

function checkStatusCode(code: string): void {
  if (!/^[1-5]\d\d$/.test(code)) throw badRequest(`Invalid status code specified: ${code}`);
}

/** Checks a Lambda authorizer's settings (shared with the OpenAPI importer). */
export function checkAuthorizer(input: Omit<AuthorizerDoc, "id">): void {
  if (input.type !== "TOKEN" && input.type !== "REQUEST") {
    throw unsupported(`authorizer type ${String(input.type)} (TOKEN and REQUEST are supported)`);
  }
  lambdaFunctionOf(input.authorizerUri);
  if (input.authorizerResultTtlInSeconds < 0 || input.authorizerResultTtlInSeconds > 3600) {
    throw badRequest("authorizerResultTtlInSeconds must be between 0 and 3600");
  }
  if (input.type === "TOKEN") {
    if (!input.identitySource || !/^method\.request\.header\.[^.,\s]+$/.test(input.identitySource)) {
      throw badRequest(
        "Invalid identity source for a TOKEN authorizer: it must be method.request.header.<name>",
      );
    }
  } else if (input.identitySource !== undefined && input.identitySource !== "") {
    for (const part of input.identitySource.split(",")) {
      if (!/^(method\.request\.(header|querystring)\.[^.\s]+|stageVariables\.[^.\s]+)$/.test(part.trim())) {
        throw badRequest(`Invalid identity source specified: ${part.trim()}`);
      }
    }
  } else if (input.authorizerResultTtlInSeconds > 0) {
    throw badRequest("Identity sources are required when caching is enabled for a REQUEST authorizer");
  }
  if (input.identityValidationExpression !== undefined) {
    if (input.type !== "TOKEN")
      throw badRequest("identityValidationExpression applies only to TOKEN authorizers");
    try {
      new RegExp(input.identityValidationExpression);
    } catch {
      throw badRequest(`Invalid identityValidationExpression: ${input.identityValidationExpression}`);
    }
  }
}
