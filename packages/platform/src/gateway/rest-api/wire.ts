import { badRequest, unsupported } from "./errors.js";
import type {
  ApiKeyDoc,
  AuthorizerDoc,
  DeploymentDoc,
  IntegrationDoc,
  MethodDoc,
  ResourceDoc,
  RestApiDoc,
  StageDoc,
  UsagePlanDoc,
} from "./model.js";

/** Typed readers for API Gateway's camelCase JSON bodies: a wrong type is a BadRequestException. */
export const read = {
  str(body: Record<string, unknown>, name: string): string | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw badRequest(`${name} must be a string`);
    return v;
  },
  required(body: Record<string, unknown>, name: string): string {
    const v = read.str(body, name);
    if (v === undefined || v === "") throw badRequest(`${name} is required`);
    return v;
  },
  bool(body: Record<string, unknown>, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw badRequest(`${name} must be a boolean`);
    return v;
  },
  num(body: Record<string, unknown>, name: string): number | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`${name} must be a number`);
    return v;
  },
  strList(body: Record<string, unknown>, name: string): string[] | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
      throw badRequest(`${name} must be a list of strings`);
    return v as string[];
  },
  map<T extends string | boolean>(
    body: Record<string, unknown>,
    name: string,
    type: "string" | "boolean",
  ): Record<string, T> | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== type)) {
      throw badRequest(`${name} must be a map of ${type}s`);
    }
    return { ...(v as Record<string, T>) };
  },
  obj(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) throw badRequest(`${name} must be an object`);
    return v as Record<string, unknown>;
  },
  /** Members Nimbus does not implement: refused when present, never stored and ignored. */
  refuse(body: Record<string, unknown>, names: Record<string, string>): void {
    for (const [name, what] of Object.entries(names)) {
      const v = body[name];
      if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) continue;
      if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
      throw unsupported(`${what} (${name})`);
    }
  },
};

const seconds = (ms: number) => Math.floor(ms / 1000);

/** RestApi as API Gateway answers it (createdDate in epoch seconds). */
export function restApiOut(api: RestApiDoc) {
  return {
    id: api.id,
    name: api.name,
    description: api.description,
    createdDate: seconds(api.createdAt),
    version: api.version,
    binaryMediaTypes: api.binaryMediaTypes.length > 0 ? api.binaryMediaTypes : undefined,
    apiKeySource: api.apiKeySource,
    endpointConfiguration: api.endpointConfiguration,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    rootResourceId: api.rootResourceId,
    tags: Object.keys(api.tags).length > 0 ? api.tags : undefined,
  };
}

/** Resource, with `resourceMethods` (full methods when embedded, else empty objects). */
export function resourceOut(resource: ResourceDoc, embedMethods: boolean) {
  const methods = Object.values(resource.methods);
  return {
    id: resource.id,
    parentId: resource.parentId,
    pathPart: resource.pathPart,
    path: resource.path,
    resourceMethods:
      methods.length === 0
        ? undefined
        : Object.fromEntries(methods.map((m) => [m.httpMethod, embedMethods ? methodOut(m) : {}])),
  };
}

/** Method with its `methodIntegration`. */
export function methodOut(method: MethodDoc) {
  return {
    httpMethod: method.httpMethod,
    authorizationType: method.authorizationType,
    authorizerId: method.authorizerId,
    apiKeyRequired: method.apiKeyRequired,
    operationName: method.operationName,
    requestValidatorId: method.requestValidatorId,
    requestParameters: nonEmpty(method.requestParameters),
    methodResponses: nonEmpty(method.methodResponses),
    methodIntegration: method.integration ? integrationOut(method.integration) : undefined,
  };
}

/** Integration; `httpMethod` is the integration's own method. */
export function integrationOut(integration: IntegrationDoc) {
  return {
    type: integration.type,
    httpMethod: integration.httpMethod,
    uri: integration.uri,
    credentials: integration.credentials,
    requestParameters: nonEmpty(integration.requestParameters),
    requestTemplates: nonEmpty(integration.requestTemplates),
    passthroughBehavior: integration.passthroughBehavior,
    timeoutInMillis: integration.timeoutInMillis,
    cacheNamespace: integration.cacheNamespace,
    cacheKeyParameters: integration.cacheKeyParameters,
    integrationResponses: nonEmpty(integration.integrationResponses),
  };
}

/** Authorizer (Lambda authorizers are `authType: custom`). */
export function authorizerOut(a: AuthorizerDoc) {
  return { ...a, authType: "custom" };
}

/** Deployment with its `apiSummary` (authorization and key requirement per path and method). */
export function deploymentOut(d: DeploymentDoc) {
  const apiSummary: Record<
    string,
    Record<string, { authorizationType: string; apiKeyRequired: boolean }>
  > = {};
  for (const r of Object.values(d.snapshot.resources)) {
    for (const m of Object.values(r.methods)) {
      apiSummary[r.path] ??= {};
      const summary = apiSummary[r.path];
      if (summary)
        summary[m.httpMethod] = { authorizationType: m.authorizationType, apiKeyRequired: m.apiKeyRequired };
    }
  }
  return { id: d.id, description: d.description, createdDate: seconds(d.createdAt), apiSummary };
}

/** Stage; method settings keyed as API Gateway shows them (`items/GET`, `*\/*`). */
export function stageOut(s: StageDoc) {
  const methodSettings: Record<string, Record<string, unknown>> = {};
  for (const [key, setting] of Object.entries(s.methodSettings)) {
    // Wire keys drop the resource path's leading slash: `items/GET`, `*/*`.
    methodSettings[key.startsWith("/") ? key.slice(1) : key] = {
      metricsEnabled: false,
      loggingLevel: "OFF",
      dataTraceEnabled: false,
      throttlingBurstLimit: setting.throttlingBurstLimit,
      throttlingRateLimit: setting.throttlingRateLimit,
      cachingEnabled: false,
    };
  }
  return {
    deploymentId: s.deploymentId,
    stageName: s.stageName,
    description: s.description,
    cacheClusterEnabled: false,
    cacheClusterStatus: "NOT_AVAILABLE",
    methodSettings,
    variables: nonEmpty(s.variables),
    canarySettings: s.canarySettings,
    accessLogSettings: s.accessLogSettings,
    tracingEnabled: s.tracingEnabled,
    tags: nonEmpty(s.tags),
    createdDate: seconds(s.createdAt),
    lastUpdatedDate: seconds(s.lastUpdatedAt),
  };
}

/** ApiKey, with its value only when asked for. */
export function apiKeyOut(k: ApiKeyDoc, includeValue: boolean) {
  return {
    id: k.id,
    value: includeValue ? k.value : undefined,
    name: k.name,
    customerId: k.customerId,
    description: k.description,
    enabled: k.enabled,
    createdDate: seconds(k.createdAt),
    lastUpdatedDate: seconds(k.lastUpdatedAt),
    stageKeys: k.stageKeys,
    tags: nonEmpty(k.tags),
  };
}

/** UsagePlan. */
export function usagePlanOut(p: UsagePlanDoc) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    apiStages: p.apiStages,
    throttle: p.throttle,
    quota: p.quota,
    tags: nonEmpty(p.tags),
  };
}

/** A page of a list in API Gateway's shape: `{"item": [...], "position": ...}`. */
export function page<T>(items: T[], query: URLSearchParams): { item: T[]; position?: string } {
  const limit = Math.min(500, Number(query.get("limit") ?? "25") || 25);
  const start = Number(query.get("position") ?? "0") || 0;
  const slice = items.slice(start, start + limit);
  return start + limit < items.length ? { item: slice, position: String(start + limit) } : { item: slice };
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}
