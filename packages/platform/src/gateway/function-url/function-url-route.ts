import type { TrafficRoute } from "../../aws/front-door.js";
import { type AwsRequest, type HttpResult, header } from "../../aws/http-types.js";
import { parseAuthorization, verifySignature } from "../../aws/sigv4.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError, type PlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { FUNCTIONS_ERRORS, type FunctionUrlService, functionUrlHost } from "../../functions/index.js";
import type { InvokeResult, Invoker } from "../../invoke/index.js";
import { preflightResponse, withCorsHeaders } from "./cors.js";
import { buildFunctionUrlEvent, type IamAuthorizer } from "./event-v2.js";
import { type GatewayResponse, mapFunctionResult } from "./response-v2.js";

export interface FunctionUrlRouteDeps {
  urls: FunctionUrlService;
  invoker: Invoker;
  clock: Clock;
  scope: AccountScope;
  /** The server's SigV4 settings: with `enabled`, AWS_IAM URLs verify signatures against these keys. */
  auth: { enabled: boolean; credentials: readonly { accessKeyId: string; secretAccessKey: string }[] };
  /** Largest event accepted (the synchronous invoke payload limit, 6 MB). */
  maxPayloadBytes: number;
  logger: Logger;
}

/** The path form: `/_nimbus/lambda-url/<url-id>/<path>` on the API port. */
export const PATH_FORM_PREFIX = "/_nimbus/lambda-url/";

/** Which function URL a request addresses, and the path below its root. */
export interface FunctionUrlTarget {
  urlId: string;
  /** The region named in the host form; undefined for the path form. */
  region: string | undefined;
  rawPath: string;
}

const HOST_FORM = /^([^.]+)\.lambda-url\.([^.:]+)(?:[.:]|$)/;

/**
 * Picks function URL traffic by Host (`<url-id>.lambda-url.<region>.<anything>[:port]`, every
 * path) or by the reserved path prefix; undefined for any other request.
 */
export function matchFunctionUrl(host: string | undefined, rawPath: string): FunctionUrlTarget | undefined {
  const hostMatch = HOST_FORM.exec((host ?? "").toLowerCase());
  if (hostMatch?.[1] && hostMatch[2]) {
    return { urlId: hostMatch[1], region: hostMatch[2], rawPath: rawPath === "" ? "/" : rawPath };
  }
  if (rawPath !== PATH_FORM_PREFIX.slice(0, -1) && !rawPath.startsWith(PATH_FORM_PREFIX)) return undefined;
  const rest = rawPath.slice(PATH_FORM_PREFIX.length);
  const slash = rest.indexOf("/");
  return {
    urlId: slash === -1 ? rest : rest.slice(0, slash),
    region: undefined,
    rawPath: slash === -1 ? "/" : rest.slice(slash),
  };
}

/**
 * The data plane of function URLs, as a front-door traffic route: find the URL, answer CORS
 * preflights, check AWS_IAM signatures, build the payload 2.0 event, invoke through the Invoker
 * and map the result to HTTP.
 */
export function createFunctionUrlRoute(deps: FunctionUrlRouteDeps): TrafficRoute {
  const secrets = new Map(deps.auth.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const serve = async (req: AwsRequest): Promise<HttpResult | undefined> => {
    const target = matchFunctionUrl(header(req.headers, "host"), req.rawPath);
    if (!target) return undefined;
    const config =
      target.region === undefined || target.region === deps.scope.region
        ? await deps.urls.byUrlId(target.urlId)
        : undefined;
    if (!config) return toHttpResult(errorAnswer(403, "AccessDeniedException", null));
    const preflight = preflightResponse(config.cors, req.method, req.headers);
    if (preflight) return toHttpResult(preflight);

    let iam: IamAuthorizer | undefined;
    if (config.authType === "AWS_IAM") {
      const accessKey = signedBy(req, secrets, deps);
      if (accessKey === undefined)
        return toHttpResult(errorAnswer(403, "AccessDeniedException", "Forbidden"));
      iam = iamAuthorizer(accessKey, deps.scope.accountId);
    }
    if (req.body.length > deps.maxPayloadBytes) return toHttpResult(tooLarge(deps.maxPayloadBytes));
    const event = buildFunctionUrlEvent({
      requestId: req.requestId,
      method: req.method,
      rawPath: target.rawPath,
      rawQuery: req.rawQuery,
      headers: req.headers,
      body: req.body,
      urlId: config.urlId,
      domainName: functionUrlHost(config.urlId, deps.scope.region),
      sourceIp: sourceIp(req),
      protocol: "HTTP/1.1",
      timeEpochMs: deps.clock.now(),
      accountId: iam ? deps.scope.accountId : "anonymous",
      iam,
    });
    const payload = Buffer.from(JSON.stringify(event));
    if (payload.length > deps.maxPayloadBytes) return toHttpResult(tooLarge(deps.maxPayloadBytes));

    let result: InvokeResult;
    try {
      result = await deps.invoker.invoke({
        functionName: config.functionName,
        qualifier: config.qualifier,
        payload,
        tailLog: false,
        clientContext: undefined,
        dryRun: false,
        requestId: req.requestId,
      });
    } catch (error) {
      if (!isPlatformError(error)) throw error;
      // The function went away between lookup and invoke: the URL went with it.
      if (error.code === FUNCTIONS_ERRORS.notFound) {
        return toHttpResult(errorAnswer(403, "AccessDeniedException", null));
      }
      if (error.kind === "system") {
        deps.logger.error({ err: error, urlId: config.urlId }, "function URL invocation failed");
      }
      return toHttpResult(invokeRefusal(error));
    }
    const mapped = mapFunctionResult(result);
    if (mapped.problem !== undefined) {
      deps.logger.info(
        { urlId: config.urlId, requestId: req.requestId, problem: mapped.problem },
        "function URL answered 502",
      );
    }
    return toHttpResult(withCorsHeaders(config.cors, header(req.headers, "origin"), mapped.response));
  };
  // The cheap test first: requests for other routes get no promise (TrafficRoute).
  return (req) => (matchFunctionUrl(header(req.headers, "host"), req.rawPath) ? serve(req) : undefined);
}

/**
 * The access key that signed an AWS_IAM request (SigV4, service `lambda`), or undefined. With
 * server auth enabled the signature must verify against a configured key; without it any
 * signed request passes, as the AWS APIs do locally.
 */
function signedBy(
  req: AwsRequest,
  secrets: Map<string, string>,
  deps: Pick<FunctionUrlRouteDeps, "auth" | "clock">,
): string | undefined {
  const scope = parseAuthorization(req.headers, req.query);
  if (scope?.service !== "lambda") return undefined;
  if (!deps.auth.enabled) return scope.accessKeyId;
  const secret = secrets.get(scope.accessKeyId);
  if (secret === undefined) return undefined;
  const verified = verifySignature(
    {
      method: req.method,
      rawPath: req.rawPath,
      rawQuery: req.rawQuery,
      headers: req.headers,
      body: req.body,
    },
    scope,
    secret,
    deps.clock.now(),
  );
  return verified.ok ? scope.accessKeyId : undefined;
}

/** Nimbus has no IAM users: the caller is named by its access key, in the server's account. */
function iamAuthorizer(accessKey: string, accountId: string): IamAuthorizer {
  return {
    accessKey,
    accountId,
    callerId: accessKey,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: `arn:aws:iam::${accountId}:user/${accessKey}`,
    userId: accessKey,
  };
}

/**
 * The client's address. The front door's request carries no socket address (yet); a `sourceIp`
 * member is used when present, else the first X-Forwarded-For entry, else loopback (the default
 * listener is 127.0.0.1).
 */
function sourceIp(req: AwsRequest): string {
  if ("sourceIp" in req && typeof req.sourceIp === "string") return req.sourceIp;
  return header(req.headers, "x-forwarded-for")?.split(",")[0]?.trim() || "127.0.0.1";
}

/** AWS's JSON error answers on function URLs: `{"Message":null}` for an unknown URL, `Forbidden` for a bad signature. */
function errorAnswer(status: number, errorType: string, message: string | null): GatewayResponse {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": errorType },
    cookies: [],
    body: Buffer.from(JSON.stringify({ Message: message })),
  };
}

function tooLarge(limit: number): GatewayResponse {
  return errorAnswer(
    413,
    "RequestTooLargeException",
    `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
  );
}

/** Invoke refused the call (throttled, ...): its status and exception name, as a function URL answers. */
function invokeRefusal(error: PlatformError): GatewayResponse {
  return errorAnswer(error.status, error.awsName ?? "ServiceException", error.message);
}

/**
 * HttpResult's headers are typed `Record<string, string>`, but the front door passes them to
 * Node's `writeHead`, which writes an array value as one header line per element: that is how
 * each cookie leaves as its own Set-Cookie line. Widening HttpResult's headers to
 * `string | string[]` values makes the cast unnecessary.
 */
function toHttpResult(response: GatewayResponse): HttpResult {
  const headers: Record<string, string | string[]> = { ...response.headers };
  if (response.cookies.length > 0) headers["set-cookie"] = response.cookies;
  return { status: response.status, headers: headers as Record<string, string>, body: response.body };
}
