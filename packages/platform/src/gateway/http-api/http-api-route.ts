import type { TrafficRoute } from "../../aws/front-door.js";
import { type AwsRequest, type HttpResult, header } from "../../aws/http-types.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { preflightResponse, withCorsHeaders } from "../function-url/cors.js";
import type { GatewayResponse } from "../function-url/response-v2.js";
import { type AccessLogWriter, writeAccessLog } from "./access-log.js";
import type { Authorize } from "./authorize.js";
import type { HttpApiService } from "./http-api-service.js";
import { integrateHttp } from "./http-proxy.js";
import {
  type Answer,
  type EventAuthorizers,
  type IntegrateDeps,
  integrateLambda,
  messageAnswer,
} from "./integrate.js";
import type { CorsConfig, HttpApiDocument, Snapshot, StageRecord } from "./model.js";
import { newApigwRequestId, type RequestView } from "./request-view.js";
import { type CompiledRoute, compileRoutes, matchRoute } from "./route-match.js";
import type { Throttles } from "./token-bucket.js";

/** The path form: `/_nimbus/execute-api/<api-id>/<stage or path>` on the API port. */
export const EXECUTE_API_PATH_PREFIX = "/_nimbus/execute-api/";

/** HTTP APIs take request bodies up to 10 MB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const HOST_FORM = /^([a-z0-9]{10})\.execute-api(?:[.:]|$)/;

/** Which API a request addresses (by Host or path prefix), and the path below the API's root. */
export function matchExecuteApi(
  host: string | undefined,
  rawPath: string,
): { apiId: string; rawPath: string } | undefined {
  const hostMatch = HOST_FORM.exec((host ?? "").toLowerCase());
  if (hostMatch?.[1]) return { apiId: hostMatch[1], rawPath: rawPath === "" ? "/" : rawPath };
  if (!rawPath.startsWith(EXECUTE_API_PATH_PREFIX)) return undefined;
  const rest = rawPath.slice(EXECUTE_API_PATH_PREFIX.length);
  const slash = rest.indexOf("/");
  return {
    apiId: slash === -1 ? rest : rest.slice(0, slash),
    rawPath: slash === -1 ? "/" : rest.slice(slash),
  };
}

/** The stage a path addresses: a named stage by its first segment, else `$default` at the root. */
export function selectStage(
  doc: HttpApiDocument,
  rawPath: string,
): { stage: StageRecord; routePath: string } | undefined {
  const first = rawPath.split("/")[1] ?? "";
  const named = first !== "" && first !== "$default" ? doc.stages[decodeSafe(first)] : undefined;
  if (named) {
    const routePath = rawPath.slice(first.length + 1);
    return { stage: named, routePath: routePath === "" ? "/" : routePath };
  }
  const fallback = doc.stages.$default;
  return fallback ? { stage: fallback, routePath: rawPath } : undefined;
}

export interface HttpApiRouteDeps extends IntegrateDeps {
  service: HttpApiService;
  authorize: Authorize;
  throttles: Throttles;
  scope: AccountScope;
  accessLog: AccessLogWriter;
  logger: Logger;
  clock: Clock;
}

/**
 * The data plane of HTTP APIs, as a front-door traffic route: stage, CORS preflight, route
 * (AWS's precedence), throttling, authorizer, integration, CORS headers, access log. Requests for
 * API ids that are not HTTP APIs are left to the next route (REST APIs share the address forms).
 */
export function createHttpApiRoute(deps: HttpApiRouteDeps): TrafficRoute {
  // The parsed routes of the deployment each API's stages serve, per API (bounded by the APIs).
  const compiled = new Map<
    string,
    { deploymentId: string; routes: CompiledRoute<Snapshot["routes"][number]>[] }
  >();
  const serve = async (req: AwsRequest): Promise<HttpResult | undefined> => {
    const target = matchExecuteApi(header(req.headers, "host"), req.rawPath);
    if (!target) return undefined;
    const doc = await deps.service.find(target.apiId);
    if (!doc) return undefined;
    const startedAt = deps.clock.monotonic();
    if (doc.api.disableExecuteApiEndpoint) return toHttp(messageAnswer(403, "Forbidden"), undefined);
    const selected = selectStage(doc, target.rawPath);
    const deploymentId = selected?.stage.deploymentId;
    const snapshot = deploymentId ? await deps.service.snapshot(doc.api.apiId, deploymentId) : undefined;
    if (!selected || !deploymentId || !snapshot) return toHttp(messageAnswer(404, "Not Found"), undefined);
    const { stage, routePath } = selected;
    const cors = doc.api.cors;
    const view: RequestView = {
      req,
      apiId: doc.api.apiId,
      accountId: deps.scope.accountId,
      region: deps.scope.region,
      stageName: stage.stageName,
      stageVariables: stage.stageVariables,
      fullPath: target.rawPath,
      routePath,
      routeKey: "-",
      pathParameters: {},
      apigwRequestId: newApigwRequestId(),
      timeEpochMs: deps.clock.now(),
      domainName: domainName(req, doc.api.apiId),
      sourceIp: req.sourceIp ?? header(req.headers, "x-forwarded-for")?.split(",")[0]?.trim() ?? "127.0.0.1",
    };
    const finish = (answer: Answer, authorizerError?: string): HttpResult => {
      writeAccessLog(deps.accessLog, stage.accessLogSettings, view, {
        answer,
        responseLatencyMs: Math.round(deps.clock.monotonic() - startedAt),
        ...(authorizerError !== undefined ? { authorizerError } : {}),
      });
      if (answer.problem !== undefined) {
        deps.logger.info(
          {
            apiId: view.apiId,
            requestId: view.apigwRequestId,
            status: answer.status,
            problem: answer.problem,
          },
          "HTTP API answered an error",
        );
      }
      return toHttp(answer, view.apigwRequestId);
    };

    if (req.body.length > MAX_BODY_BYTES) return finish(messageAnswer(413, "Request Entity Too Large"));
    const preflight = cors ? preflightResponse(urlCors(cors), req.method, req.headers) : undefined;
    if (preflight) return finish({ ...fromGateway(preflight), status: 204 });

    const key = `${doc.api.apiId}/${stage.stageName}`;
    let routes = compiled.get(key)?.deploymentId === deploymentId ? compiled.get(key)?.routes : undefined;
    if (!routes) {
      routes = compileRoutes(snapshot.routes);
      compiled.set(key, { deploymentId, routes });
    }
    const match = matchRoute(routes, req.method, routePath);
    if (!match) return finish(withCors(cors, req, messageAnswer(404, "Not Found")));
    const route = match.route;
    view.routeKey = route.routeKey;
    view.pathParameters = match.pathParameters;

    const limits = { ...stage.defaultRouteSettings, ...stage.routeSettings[route.routeKey] };
    const admitted = deps.throttles.admit(`${doc.api.apiId}/${stage.stageName}/${route.routeKey}`, {
      burst: limits.throttlingBurstLimit,
      rate: limits.throttlingRateLimit,
    });
    if (!admitted) return finish(withCors(cors, req, messageAnswer(429, "Too Many Requests")));

    let authorizer: EventAuthorizers | undefined;
    if (route.authorizationType !== "NONE") {
      const config = snapshot.authorizers.find((a) => a.authorizerId === route.authorizerId);
      if (!config)
        return finish(
          withCors(cors, req, messageAnswer(500, "Internal Server Error", "the route's authorizer is gone")),
        );
      const outcome = await deps.authorize.run(route, config, view);
      if (!outcome.ok)
        return finish(
          withCors(cors, req, messageAnswer(outcome.status, outcome.message, outcome.problem)),
          outcome.problem,
        );
      authorizer = { v2: outcome.v2, v1: outcome.v1 };
    }

    const integrationId = route.target?.replace(/^integrations\//, "");
    const integration = snapshot.integrations.find((i) => i.integrationId === integrationId);
    if (!integration)
      return finish(
        withCors(cors, req, messageAnswer(500, "Internal Server Error", "the route has no integration")),
      );
    const answer =
      integration.integrationType === "HTTP_PROXY"
        ? await integrateHttp(deps.clock, integration, view)
        : await integrateLambda(deps, integration, view, authorizer);
    return finish(withCors(cors, req, answer));
  };
  // The cheap test first: requests for other routes get no promise (TrafficRoute).
  return (req) => (matchExecuteApi(header(req.headers, "host"), req.rawPath) ? serve(req) : undefined);
}

/** `<api-id>.execute-api.<region>.localhost` style: the Host the client used, without port. */
function domainName(req: AwsRequest, apiId: string): string {
  const host = req.hostname.toLowerCase();
  return host.startsWith(`${apiId}.execute-api`) ? host : `${apiId}.execute-api.localhost`;
}

function urlCors(cors: CorsConfig) {
  return {
    ...(cors.allowCredentials !== undefined ? { allowCredentials: cors.allowCredentials } : {}),
    ...(cors.allowHeaders ? { allowHeaders: cors.allowHeaders } : {}),
    ...(cors.allowMethods ? { allowMethods: cors.allowMethods } : {}),
    ...(cors.allowOrigins ? { allowOrigins: cors.allowOrigins } : {}),
    ...(cors.exposeHeaders ? { exposeHeaders: cors.exposeHeaders } : {}),
    ...(cors.maxAgeSec !== undefined && cors.maxAgeSec >= 0 ? { maxAgeSec: cors.maxAgeSec } : {}),
  };
}

/** The API's CORS headers on an answer (replacing any the integration set), when the origin is allowed. */
function withCors(cors: CorsConfig | undefined, req: AwsRequest, answer: Answer): Answer {
  if (!cors) return answer;
  const { cookies, ...rest } = toGateway(answer);
  const withHeaders = withCorsHeaders(urlCors(cors), header(req.headers, "origin"), { ...rest, cookies });
  return { ...answer, ...fromGateway(withHeaders) };
}

function toGateway(answer: Answer): GatewayResponse {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name === "set-cookie") cookies = Array.isArray(value) ? value : [value];
    else headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return { status: answer.status, headers, cookies, body: answer.body };
}

function fromGateway(response: GatewayResponse): Answer {
  const headers: Record<string, string | string[]> = { ...response.headers };
  if (response.cookies.length > 0) headers["set-cookie"] = response.cookies;
  return { status: response.status, headers, body: response.body };
}

/**
 * HttpResult's headers are typed `Record<string, string>`, but the front door hands them to
 * Node's `writeHead`, which writes an array as one line per value (each Set-Cookie its own line).
 */
function toHttp(answer: Answer, requestId: string | undefined): HttpResult {
  const headers: Record<string, string | string[]> = { ...answer.headers };
  if (requestId !== undefined) headers["apigw-requestid"] = requestId;
  return { status: answer.status, headers: headers as Record<string, string>, body: answer.body };
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
