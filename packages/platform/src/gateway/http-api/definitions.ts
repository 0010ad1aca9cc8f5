import { httpApiError } from "./errors.js";
import { functionTarget } from "./lambda-arn.js";
import type {
  AccessLogConfig,
  AuthorizerRecord,
  CorsConfig,
  HttpApiDocument,
  IntegrationRecord,
  RouteRecord,
  ThrottleSettings,
} from "./model.js";
import { parseRouteKey } from "./route-match.js";
import { intIn, stringList, type WireInput } from "./wire-input.js";

/** Wire input -> checked records, and the checks that span records (references, uniqueness). */

export function parseCors(value: Record<string, unknown> | undefined): CorsConfig | undefined {
  if (!value) return undefined;
  const cors: CorsConfig = {};
  if (value.allowCredentials !== undefined) {
    if (typeof value.allowCredentials !== "boolean")
      throw httpApiError.badRequest("Invalid input: allowCredentials must be a boolean.");
    cors.allowCredentials = value.allowCredentials;
  }
  const lists = ["allowHeaders", "allowMethods", "allowOrigins", "exposeHeaders"] as const;
  for (const name of lists) {
    const list = stringList(value[name], name);
    if (list) cors[name] = list;
  }
  const maxAge = intIn(value.maxAge, "maxAge", -1, 86400);
  if (maxAge !== undefined) cors.maxAgeSec = maxAge;
  if (cors.allowCredentials && cors.allowOrigins?.includes("*")) {
    throw httpApiError.badRequest("allow-credentials is not supported when allow-origins is *.");
  }
  return cors;
}

/** The integration a quick create's Target makes: a function (payload 2.0) or a URL (HTTP_PROXY). */
export function quickIntegration(
  target: string,
  integrationId: string,
  timeoutMs: number,
): IntegrationRecord {
  if (functionTarget(target)) {
    return {
      integrationId,
      integrationType: "AWS_PROXY",
      integrationUri: target,
      payloadFormatVersion: "2.0",
      timeoutInMillis: timeoutMs,
      apiGatewayManaged: true,
    };
  }
  if (/^https?:\/\//.test(target)) {
    return {
      integrationId,
      integrationType: "HTTP_PROXY",
      integrationUri: target,
      integrationMethod: "ANY",
      payloadFormatVersion: "1.0",
      timeoutInMillis: timeoutMs,
      apiGatewayManaged: true,
    };
  }
  throw httpApiError.badRequest(`Invalid target ${target}: use a Lambda function ARN or an http(s) URL.`);
}

/** Applies CreateIntegration / UpdateIntegration members to `base`. */
export function applyIntegrationInput(input: WireInput, base: IntegrationRecord): IntegrationRecord {
  input.refuse(
    "connectionId",
    "contentHandlingStrategy",
    "credentialsArn",
    "integrationSubtype",
    "passthroughBehavior",
    "requestParameters",
    "requestTemplates",
    "responseParameters",
    "templateSelectionExpression",
    "tlsConfig",
  );
  const connectionType = input.str("connectionType");
  if (connectionType !== undefined && connectionType !== "INTERNET") {
    throw httpApiError.unsupported(`connectionType ${connectionType}`);
  }
  const out = { ...base };
  const type = input.str("integrationType");
  if (type !== undefined) {
    if (type !== "AWS_PROXY" && type !== "HTTP_PROXY") {
      throw httpApiError.unsupported(`integrationType ${type} (HTTP APIs take AWS_PROXY and HTTP_PROXY)`);
    }
    out.integrationType = type;
  }
  const uri = input.str("integrationUri");
  if (uri !== undefined) out.integrationUri = uri;
  const method = input.str("integrationMethod");
  if (method !== undefined) out.integrationMethod = method.toUpperCase();
  const version = input.str("payloadFormatVersion");
  if (version !== undefined) {
    if (version !== "1.0" && version !== "2.0")
      throw httpApiError.badRequest(`Invalid payloadFormatVersion ${version}: use 1.0 or 2.0.`);
    out.payloadFormatVersion = version;
  }
  const timeout = input.int("timeoutInMillis", 50, 30000);
  if (timeout !== undefined) out.timeoutInMillis = timeout;
  const description = input.str("description");
  if (description !== undefined) out.description = description;
  checkIntegration(out, version !== undefined);
  return out;
}

function checkIntegration(integration: IntegrationRecord, versionGiven: boolean): void {
  if (integration.integrationType === "AWS_PROXY") {
    if (!functionTarget(integration.integrationUri)) {
      throw httpApiError.badRequest(
        `Invalid integrationUri ${integration.integrationUri}: use a Lambda function ARN or its invocation ARN.`,
      );
    }
    if (!versionGiven && !integration.payloadFormatVersion) {
      throw httpApiError.badRequest("PayloadFormatVersion is required for AWS_PROXY integrations.");
    }
  } else {
    let url: URL | undefined;
    try {
      url = new URL(integration.integrationUri);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw httpApiError.badRequest(
        `Invalid integrationUri ${integration.integrationUri}: HTTP_PROXY takes an http(s) URL.`,
      );
    }
    if (!integration.integrationMethod)
      throw httpApiError.badRequest("integrationMethod is required for HTTP_PROXY integrations.");
    if (integration.payloadFormatVersion !== "1.0") {
      throw httpApiError.badRequest("HTTP_PROXY integrations take payloadFormatVersion 1.0.");
    }
  }
}

/** Applies CreateRoute / UpdateRoute members to `base`, checking them against the API. */
export function applyRouteInput(input: WireInput, base: RouteRecord, doc: HttpApiDocument): RouteRecord {
  input.refuse(
    "modelSelectionExpression",
    "requestModels",
    "requestParameters",
    "routeResponseSelectionExpression",
  );
  if (input.bool("apiKeyRequired") === true)
    throw httpApiError.unsupported("apiKeyRequired (HTTP APIs have no API keys)");
  const out = { ...base };
  const routeKey = input.str("routeKey");
  if (routeKey !== undefined) {
    const parsed = parseRouteKey(routeKey);
    if (typeof parsed === "string") throw httpApiError.badRequest(parsed);
    out.routeKey = routeKey;
  }
  const type = input.str("authorizationType");
  if (type !== undefined) {
    if (type === "AWS_IAM") throw httpApiError.unsupported("authorizationType AWS_IAM");
    if (type !== "NONE" && type !== "JWT" && type !== "CUSTOM")
      throw httpApiError.badRequest(`Invalid authorizationType ${type}.`);
    out.authorizationType = type;
  }
  const authorizerId = input.str("authorizerId");
  if (authorizerId !== undefined) out.authorizerId = authorizerId;
  const scopes = input.list("authorizationScopes");
  if (scopes !== undefined) out.authorizationScopes = scopes;
  const operationName = input.str("operationName");
  if (operationName !== undefined) out.operationName = operationName;
  const target = input.str("target");
  if (target === "") delete out.target;
  else if (target !== undefined) out.target = target;
  if (out.authorizationType === "NONE") {
    delete out.authorizerId;
    delete out.authorizationScopes;
  }
  checkRoute(out, doc);
  return out;
}

function checkRoute(route: RouteRecord, doc: HttpApiDocument): void {
  if (Object.values(doc.routes).some((r) => r.routeKey === route.routeKey && r.routeId !== route.routeId)) {
    throw httpApiError.conflict(`Route with key ${route.routeKey} already exists for this API`);
  }
  if (route.target !== undefined) {
    const id = /^integrations\/([a-z0-9]+)$/.exec(route.target)?.[1];
    if (!id || !doc.integrations[id])
      throw httpApiError.badRequest(`Invalid target ${route.target}: no such integration.`);
  }
  if (route.authorizationType !== "NONE") {
    const authorizer = route.authorizerId ? doc.authorizers[route.authorizerId] : undefined;
    if (!authorizer)
      throw httpApiError.badRequest(`Invalid authorizerId for authorizationType ${route.authorizationType}.`);
    const wanted = route.authorizationType === "JWT" ? "JWT" : "REQUEST";
    if (authorizer.authorizerType !== wanted) {
      throw httpApiError.badRequest(
        `authorizationType ${route.authorizationType} needs a ${wanted} authorizer.`,
      );
    }
  }
  if (route.authorizationScopes?.length && route.authorizationType !== "JWT") {
    throw httpApiError.badRequest("authorizationScopes are supported only with JWT authorizers.");
  }
}

const IDENTITY_SOURCE = /^\$(request\.header|request\.querystring|context|stageVariables)\.[A-Za-z0-9._-]+$/;

/** Applies CreateAuthorizer / UpdateAuthorizer members to `base`. */
export function applyAuthorizerInput(input: WireInput, base: AuthorizerRecord): AuthorizerRecord {
  input.refuse("authorizerCredentialsArn", "identityValidationExpression");
  const out = { ...base };
  const type = input.str("authorizerType");
  if (type !== undefined) {
    if (type !== "JWT" && type !== "REQUEST")
      throw httpApiError.badRequest(`Invalid authorizerType ${type}: use JWT or REQUEST.`);
    out.authorizerType = type;
  }
  const name = input.str("name");
  if (name !== undefined) out.name = name;
  const sources = input.list("identitySource");
  if (sources !== undefined) out.identitySource = sources;
  const jwt = input.object("jwtConfiguration");
  if (jwt) {
    const audience = stringList(jwt.audience, "jwtConfiguration.audience") ?? [];
    if (typeof jwt.issuer !== "string" || jwt.issuer === "")
      throw httpApiError.badRequest("jwtConfiguration.issuer is required.");
    out.jwtConfiguration = { audience, issuer: jwt.issuer };
  }
  const uri = input.str("authorizerUri");
  if (uri !== undefined) out.authorizerUri = uri;
  const version = input.str("authorizerPayloadFormatVersion");
  if (version !== undefined) {
    if (version !== "1.0" && version !== "2.0")
      throw httpApiError.badRequest(`Invalid authorizerPayloadFormatVersion ${version}.`);
    out.authorizerPayloadFormatVersion = version;
  }
  const ttl = input.int("authorizerResultTtlInSeconds", 0, 3600);
  if (ttl !== undefined) out.authorizerResultTtlInSeconds = ttl;
  const simple = input.bool("enableSimpleResponses");
  if (simple !== undefined) out.enableSimpleResponses = simple;
  checkAuthorizer(out);
  return out;
}

function checkAuthorizer(a: AuthorizerRecord): void {
  if (!a.name) throw httpApiError.badRequest("Invalid input: name is required.");
  for (const source of a.identitySource) {
    if (!IDENTITY_SOURCE.test(source)) throw httpApiError.badRequest(`Invalid identitySource ${source}.`);
  }
  if (a.authorizerType === "JWT") {
    if (!a.jwtConfiguration)
      throw httpApiError.badRequest("jwtConfiguration is required for JWT authorizers.");
    if (a.jwtConfiguration.audience.length === 0)
      throw httpApiError.badRequest("jwtConfiguration.audience needs at least one audience.");
    if (a.identitySource.length !== 1 || !a.identitySource[0]?.startsWith("$request.")) {
      throw httpApiError.badRequest("A JWT authorizer takes one identitySource from the request.");
    }
    return;
  }
  if (!a.authorizerUri || !functionTarget(a.authorizerUri)) {
    throw httpApiError.badRequest(
      `Invalid authorizerUri ${a.authorizerUri ?? "(none)"}: use a Lambda function invocation ARN.`,
    );
  }
  if (!a.authorizerPayloadFormatVersion)
    throw httpApiError.badRequest("authorizerPayloadFormatVersion is required for REQUEST authorizers.");
  if (a.enableSimpleResponses && a.authorizerPayloadFormatVersion !== "2.0") {
    throw httpApiError.badRequest("enableSimpleResponses needs authorizerPayloadFormatVersion 2.0.");
  }
  if (a.authorizerResultTtlInSeconds > 0 && a.identitySource.length === 0) {
    throw httpApiError.badRequest(
      "Caching (authorizerResultTtlInSeconds > 0) needs at least one identitySource.",
    );
  }
}

/** Route throttling settings; logging and data tracing (WebSocket features) are refused. */
export function parseThrottle(value: unknown, name: string): ThrottleSettings {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw httpApiError.badRequest(`Invalid input: ${name} must be an object.`);
  const v = value as Record<string, unknown>;
  if (v.dataTraceEnabled === true) throw httpApiError.unsupported(`${name}.dataTraceEnabled`);
  if (v.detailedMetricsEnabled === true) throw httpApiError.unsupported(`${name}.detailedMetricsEnabled`);
  if (v.loggingLevel !== undefined && v.loggingLevel !== "OFF")
    throw httpApiError.unsupported(`${name}.loggingLevel`);
  const out: ThrottleSettings = {};
  const burst = intIn(v.throttlingBurstLimit, `${name}.throttlingBurstLimit`, 0, 1_000_000);
  if (burst !== undefined) out.throttlingBurstLimit = burst;
  const rate = v.throttlingRateLimit;
  if (rate !== undefined && rate !== null) {
    if (typeof rate !== "number" || rate < 0)
      throw httpApiError.badRequest(`Invalid input: ${name}.throttlingRateLimit must be a number >= 0.`);
    out.throttlingRateLimit = rate;
  }
  return out;
}

/** AccessLogSettings: a CloudWatch Logs log group ARN and a format. */
export function parseAccessLog(value: Record<string, unknown> | undefined): AccessLogConfig | undefined {
  if (!value) return undefined;
  const arn = value.destinationArn;
  if (typeof arn !== "string" || !/^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^:]+(:\*)?$/.test(arn)) {
    throw httpApiError.badRequest(
      `Invalid destinationArn ${String(arn)}: use a CloudWatch Logs log group ARN.`,
    );
  }
  if (typeof value.format !== "string" || value.format === "")
    throw httpApiError.badRequest("accessLogSettings.format is required.");
  return { destinationArn: arn, format: value.format };
}
