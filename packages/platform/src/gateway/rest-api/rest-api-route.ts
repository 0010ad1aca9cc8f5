import type { TrafficRoute } from "../../aws/front-door.js";
import { type AwsRequest, type HttpResult, header } from "../../aws/http-types.js";
import type { AccountScope } from "../../core/arn.js";
import { isPlatformError } from "../../core/errors.js";
import { buildEventV1, headerLines, queryMaps } from "../payload-v1/event-v1.js";
import type { ResponseV1 } from "../payload-v1/response-v1.js";
import { type AccessLogWriter, writeAccessLog } from "./access-log.js";
import type { AuthorizerRunner } from "./authorizer-runner.js";
import { customizeGatewayResponse } from "./custom-gateway-response.js";
import { GATEWAY_RESPONSES, toHttpResult } from "./gateway-response.js";
import { authorizeIam, type IamAuthSettings } from "./iam-auth.js";
import { type IntegrationDeps, runIntegration } from "./integrations.js";
import { usageKey } from "./key-service.js";
import type { ApiSnapshot, MethodDoc, StageDoc, ThrottleDoc } from "./model.js";
import { eventRequest, methodArn, type RequestFacts, templateContext } from "./request-facts.js";
import { validateParameters } from "./request-validators.js";
import { methodFor, ResourceMatcher } from "./resource-match.js";
import type { RestApiStore } from "./rest-api-store.js";
import type { UsageMeter } from "./usage-meter.js";

/** The path form: `/_nimbus/execute-api/<api-id>/<stage>/<path>` on the API port. */
export const EXECUTE_API_PREFIX = "/_nimbus/execute-api/";
const HOST_FORM = /^([a-z0-9]{10})\.execute-api\./;

export interface RestApiRouteDeps extends IntegrationDeps {
  store: RestApiStore;
  authorizers: AuthorizerRunner;
  meter: UsageMeter;
  scope: AccountScope;
  /** Picks canary traffic; `Math.random` in the server, fixed in tests. */
  random: () => number;
  /** Receives access log lines of stages with access log settings. */
  accessLog?: AccessLogWriter | undefined;
  /** SigV4 settings for AWS_IAM methods. */
  auth: IamAuthSettings;
}

/** Which API and path a request addresses: by Host, or by the reserved path prefix. */
export function matchExecuteApi(
  host: string | undefined,
  rawPath: string,
): { apiId: string; rest: string; byHost: boolean } | undefined {
  const hostMatch = HOST_FORM.exec((host ?? "").toLowerCase());
  if (hostMatch?.[1]) return { apiId: hostMatch[1], rest: rawPath, byHost: true };
  if (!rawPath.startsWith(EXECUTE_API_PREFIX)) return undefined;
  const rest = rawPath.slice(EXECUTE_API_PREFIX.length);
  const slash = rest.indexOf("/");
  return slash === -1
    ? { apiId: rest, rest: "/", byHost: false }
    : { apiId: rest.slice(0, slash), rest: rest.slice(slash), byHost: false };
}

/**
 * The data plane of REST APIs as a front-door traffic route: find the stage (and canary), match
 * the resource and method, run the authorizer, check the API key and usage plan, throttle, then
 * run the integration. Requests for ids that are not REST APIs are left to other routes.
 */
export function createRestApiRoute(deps: RestApiRouteDeps): TrafficRoute {
  // Deployments never change, so each is read once and kept with its matcher (a bounded number).
  const deployments = new Map<string, { id: string; snapshot: ApiSnapshot; matcher: ResourceMatcher }>();
  const deploymentFor = async (apiId: string, deploymentId: string) => {
    const key = `${apiId}/${deploymentId}`;
    let entry = deployments.get(key);
    if (!entry) {
      const doc = await deps.store.deployment(apiId, deploymentId);
      if (!doc) return undefined;
      if (deployments.size > 200) deployments.clear();
      entry = { id: doc.id, snapshot: doc.snapshot, matcher: new ResourceMatcher(doc.snapshot.resources) };
      deployments.set(key, entry);
    }
    return entry;
  };

  const serve = async (req: AwsRequest): Promise<HttpResult | undefined> => {
    const target = matchExecuteApi(header(req.headers, "host"), req.rawPath);
    if (!target) return undefined;
    const api = { id: target.apiId };
    const answer = (response: ResponseV1) => toHttpResult(response, req.requestId);
    const [, stageName = "", ...restParts] = target.rest.split("/");
    const path = `/${restParts.join("/")}`;
    // A stage exists only in a REST API; without one, the id decides whose request this is.
    const stage = stageName === "" ? undefined : (await deps.store.stage(api.id, stageName))?.doc;
    if (!stage) {
      if (!(await deps.store.findApi(api.id))) return undefined;
      return answer(GATEWAY_RESPONSES.forbidden());
    }
    const started = deps.clock.monotonic();
    const timeEpochMs = deps.clock.now();
    let facts: RequestFacts | undefined;
    let gatewayResponses: ApiSnapshot["gatewayResponses"];
    const logged = (raw: ResponseV1) => {
      const response = customizeGatewayResponse(raw, gatewayResponses, facts);
      writeAccessLog(
        deps.accessLog,
        stage,
        {
          apiId: api.id,
          stage: stage.stageName,
          requestId: req.requestId,
          timeEpochMs,
          method: req.method,
          path: `/${stage.stageName}${path}`,
          sourceIp: sourceIpOf(req),
          userAgent: header(req.headers, "user-agent") ?? "",
          protocol: "HTTP/1.1",
          responseLatencyMs: Math.round(deps.clock.monotonic() - started),
          ...(facts ? { context: templateContext(facts) } : {}),
        },
        response,
      );
      return answer(response);
    };

    const { deploymentId, variables } = pickDeployment(stage, deps.random());
    const deployment = await deploymentFor(api.id, deploymentId);
    if (!deployment) return logged(GATEWAY_RESPONSES.forbidden());
    const snapshot = deployment.snapshot;
    gatewayResponses = snapshot.gatewayResponses;
    const match = deployment.matcher.match(path);
    const method = match && methodFor(match.resource, req.method);
    if (!match || !method?.integration) return logged(GATEWAY_RESPONSES.missingToken());

    const lines = headerLines(req.headers);
    const headers: Record<string, string> = {};
    for (const [name, value] of lines) headers[name] = value;
    facts = {
      requestId: req.requestId,
      method: req.method,
      path,
      rawQuery: req.rawQuery,
      headerLines: lines,
      headers,
      query: queryMaps(req.rawQuery).single ?? {},
      pathParameters: match.pathParameters,
      body: req.body,
      apiId: api.id,
      stage: stage.stageName,
      stageVariables: variables,
      resource: match.resource,
      accountId: deps.scope.accountId,
      region: deps.scope.region,
      // The Host of the host form; for the path form, the host form's name on the same port.
      domainName: target.byHost
        ? (header(req.headers, "host") ?? "")
        : `${api.id}.execute-api.localhost${/:\d+$/.exec(header(req.headers, "host") ?? "")?.[0] ?? ""}`,
      sourceIp: sourceIpOf(req),
      timeEpochMs,
      binaryMediaTypes: snapshot.binaryMediaTypes,
    };
    const refusal =
      (await admit(deps, snapshot, stage, method, facts, req)) ??
      validateParameters(method, snapshot.requestValidators, facts);
    if (refusal) return logged(refusal);
    let response: ResponseV1;
    try {
      response = await runIntegration(deps, method.integration, facts);
    } catch (error) {
      // A template that fails to render, or a stage variable that makes a bad function ARN: the
      // client gets API Gateway's 500, the reason goes to the server log.
      if (!isPlatformError(error) || error.kind === "system") throw error;
      deps.logger.info(
        { err: error, apiId: api.id, requestId: req.requestId },
        "REST API integration failed",
      );
      response = GATEWAY_RESPONSES.internalError();
    }
    return logged(response);
  };
  // The cheap test first: requests for other routes get no promise (TrafficRoute).
  return (req) => (matchExecuteApi(header(req.headers, "host"), req.rawPath) ? serve(req) : undefined);
}

/** The stage's deployment, or its canary's for `percentTraffic` percent of requests. */
function pickDeployment(
  stage: StageDoc,
  roll: number,
): { deploymentId: string; variables: Record<string, string> } {
  const canary = stage.canarySettings;
  if (canary?.deploymentId && canary.percentTraffic > 0 && roll * 100 < canary.percentTraffic) {
    return {
      deploymentId: canary.deploymentId,
      variables: { ...stage.variables, ...canary.stageVariableOverrides },
    };
  }
  return { deploymentId: stage.deploymentId, variables: stage.variables };
}

/**
 * Authorizer, API key with its usage plan (throttle, quota), then method throttling. Fills
 * `facts.authorizer` and `facts.apiKey`; answers the refusal, or undefined to go on.
 */
async function admit(
  deps: RestApiRouteDeps,
  snapshot: ApiSnapshot,
  stage: StageDoc,
  method: MethodDoc,
  facts: RequestFacts,
  req: AwsRequest,
): Promise<ResponseV1 | undefined> {
  if (method.authorizationType === "AWS_IAM") {
    const identity = authorizeIam(req, deps.auth, deps.clock, deps.scope.accountId);
    if ("status" in identity) return identity;
    facts.iam = identity;
  }
  let usageIdentifierKey: string | undefined;
  if (method.authorizationType === "CUSTOM" && method.authorizerId) {
    const authorizer = snapshot.authorizers[method.authorizerId];
    if (!authorizer) return GATEWAY_RESPONSES.authorizerFailure();
    const outcome = await deps.authorizers.authorize(facts.apiId, authorizer, {
      methodArn: methodArn(facts),
      headers: facts.headers,
      query: facts.query,
      stageVariables: facts.stageVariables,
      requestEvent: () => {
        const { version: _v, body: _b, isBase64Encoded: _i, ...event } = buildEventV1(eventRequest(facts));
        return event;
      },
    });
    if ("status" in outcome) return outcome;
    facts.authorizer = outcome.context;
    usageIdentifierKey = outcome.usageIdentifierKey;
  }
  if (method.apiKeyRequired) {
    const value = snapshot.apiKeySource === "AUTHORIZER" ? usageIdentifierKey : facts.headers["x-api-key"];
    const key = value === undefined ? undefined : await deps.store.apiKeyByValue(value);
    if (!key?.enabled) return GATEWAY_RESPONSES.invalidApiKey();
    const plan = (await deps.store.usagePlans()).find(
      (p) =>
        p.keyIds.includes(key.id) &&
        p.apiStages.some((s) => s.apiId === facts.apiId && s.stage === facts.stage),
    );
    if (!plan) return GATEWAY_RESPONSES.invalidApiKey();
    facts.apiKey = { value: key.value, id: key.id };
    const meterKey = usageKey(plan.id, key.id);
    const perMethod = plan.apiStages.find(
      (s) => s.apiId === facts.apiId && s.stage === facts.stage,
    )?.throttle;
    const methodKey = `${facts.resource.path}/${method.httpMethod}`;
    const methodThrottle = perMethod?.[methodKey] ?? perMethod?.[`${facts.resource.path}/*`];
    if (methodThrottle && !takeThrottle(deps, `${meterKey}/${methodKey}`, methodThrottle)) {
      return GATEWAY_RESPONSES.throttled();
    }
    if (plan.throttle && !takeThrottle(deps, meterKey, plan.throttle)) return GATEWAY_RESPONSES.throttled();
    if (plan.quota && !deps.meter.consume(meterKey, plan.quota)) return GATEWAY_RESPONSES.quotaExceeded();
  }
  const setting =
    stage.methodSettings[`${facts.resource.path}/${method.httpMethod}`] ??
    stage.methodSettings[`${facts.resource.path}/*`] ??
    stage.methodSettings["*/*"];
  if (setting && (setting.throttlingRateLimit !== undefined || setting.throttlingBurstLimit !== undefined)) {
    const rate = setting.throttlingRateLimit ?? 10_000;
    const burst = setting.throttlingBurstLimit ?? 5_000;
    const bucket = `stage/${facts.apiId}/${facts.stage}/${facts.resource.path}/${method.httpMethod}`;
    if (!deps.meter.take(bucket, rate, burst)) return GATEWAY_RESPONSES.throttled();
  }
  return undefined;
}

function sourceIpOf(req: AwsRequest): string {
  return req.sourceIp ?? header(req.headers, "x-forwarded-for")?.split(",")[0]?.trim() ?? "127.0.0.1";
}

/** One token from a usage plan bucket; limits left out do not limit. */
function takeThrottle(deps: RestApiRouteDeps, key: string, throttle: ThrottleDoc): boolean {
  // Without a rate the bucket refills at once: only a rate limits.
  if (throttle.rateLimit === undefined) return true;
  const burst = throttle.burstLimit ?? Math.max(1, Math.ceil(throttle.rateLimit));
  return deps.meter.take(key, throttle.rateLimit, burst);
}
