import { randomFillSync } from "node:crypto";
import { type AwsRequest, header } from "../../aws/http-types.js";
import {
  buildFunctionUrlEvent,
  type EventAuthorizer,
  type FunctionUrlEvent,
  isTextContentType,
} from "../function-url/event-v2.js";
import { buildEventV1, headerLines, type ProxyEventV1 } from "../payload-v1/event-v1.js";

/** One request to an HTTP API after stage and route selection: what events and logs are made of. */
export interface RequestView {
  req: AwsRequest;
  apiId: string;
  accountId: string;
  region: string;
  stageName: string;
  stageVariables: Record<string, string>;
  /** The path as sent, stage prefix included (payload 2.0 `rawPath`), still encoded. */
  fullPath: string;
  /** The path the routes match, below the stage. */
  routePath: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  /** API Gateway's own request id (`requestContext.requestId`, `apigw-requestid`). */
  apigwRequestId: string;
  timeEpochMs: number;
  domainName: string;
  sourceIp: string;
}

const ID_BYTES = 11;
/** Random bytes for request ids, refilled with one system call per 372 ids. */
const idPool = Buffer.alloc(ID_BYTES * 372);
let idOffset = idPool.length;

/**
 * A request id in API Gateway's form (`JKJaXmPLvHcESHA=`: 11 random bytes, base64), cut from a
 * pool of random bytes: `randomBytes` per request made a system call each time, and going
 * through a UUID's hex string still showed in the data plane's profile.
 */
export function newApigwRequestId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString("base64", idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}

/** The route ARN an authorizer's policy must allow. */
export function routeArn(view: RequestView): string {
  return `arn:aws:execute-api:${view.region}:${view.accountId}:${view.apiId}/${view.stageName}/${view.req.method}${view.routePath}`;
}

/** The payload 2.0 event of the request. */
export function eventV2(view: RequestView, authorizer: EventAuthorizer | undefined): FunctionUrlEvent {
  return buildFunctionUrlEvent({
    requestId: view.apigwRequestId,
    method: view.req.method,
    rawPath: view.fullPath,
    rawQuery: view.req.rawQuery,
    headers: view.req.headers,
    body: view.req.body,
    urlId: view.apiId,
    domainName: view.domainName,
    sourceIp: view.sourceIp,
    protocol: "HTTP/1.1",
    timeEpochMs: view.timeEpochMs,
    accountId: view.accountId,
    iam: undefined,
    routeKey: view.routeKey,
    stage: view.stageName,
    pathParameters: view.pathParameters,
    stageVariables: view.stageVariables,
    ...(authorizer ? { authorizer } : {}),
  });
}

/**
 * The payload 1.0 event of the request, as HTTP APIs send it: `version: "1.0"`, the route's
 * path as `resource` (the request path for `$default`), the route key as `resourceId`, and the
 * path as sent (stage prefix included) in both `path` and `requestContext.path`.
 */
export function eventV1(view: RequestView, authorizer: Record<string, unknown> | undefined): ProxyEventV1 {
  const space = view.routeKey.indexOf(" ");
  const resource = space === -1 ? view.routePath : view.routeKey.slice(space + 1);
  return buildEventV1({
    version: "1.0",
    method: view.req.method,
    resource,
    resourceId: view.routeKey,
    path: view.fullPath,
    contextPath: view.fullPath,
    rawQuery: view.req.rawQuery,
    headers: headerLines(view.req.headers),
    pathParameters: view.pathParameters,
    stageVariables: view.stageVariables,
    body: view.req.body,
    binaryBody: !isTextContentType(header(view.req.headers, "content-type")),
    accountId: view.accountId,
    apiId: view.apiId,
    stage: view.stageName,
    requestId: view.apigwRequestId,
    extendedRequestId: view.apigwRequestId,
    timeEpochMs: view.timeEpochMs,
    domainName: view.domainName,
    sourceIp: view.sourceIp,
    protocol: "HTTP/1.1",
    ...(authorizer ? { authorizer } : {}),
  });
}

/**
 * The value of an identity source (`$request.header.X`, `$request.querystring.x`,
 * `$context.x`, `$stageVariables.x`), or undefined when the request does not carry it.
 */
export function identityValue(source: string, view: RequestView): string | undefined {
  const dot = source.indexOf(".", source.startsWith("$request.") ? "$request.".length : 0);
  const scope = source.slice(0, dot);
  const name = source.slice(dot + 1);
  let value: string | undefined;
  if (scope === "$request.header") value = header(view.req.headers, name);
  else if (scope === "$request.querystring") value = view.req.query.getAll(name).join(",") || undefined;
  else if (scope === "$stageVariables") value = view.stageVariables[name];
  else if (scope === "$context") value = contextValue(name, view);
  return value === undefined || value === "" ? undefined : value;
}

/** `$context.<name>` variables of access logs and identity sources; undefined for unknown names. */
export function contextValue(name: string, view: RequestView): string | undefined {
  switch (name) {
    case "requestId":
    case "extendedRequestId":
      return view.apigwRequestId;
    case "apiId":
      return view.apiId;
    case "accountId":
      return view.accountId;
    case "stage":
      return view.stageName;
    case "routeKey":
      return view.routeKey;
    case "httpMethod":
      return view.req.method;
    case "path":
      return view.fullPath;
    case "protocol":
      return "HTTP/1.1";
    case "domainName":
      return view.domainName;
    case "domainPrefix":
      return view.apiId;
    case "requestTimeEpoch":
      return String(view.timeEpochMs);
    case "identity.sourceIp":
      return view.sourceIp;
    case "identity.userAgent":
      return header(view.req.headers, "user-agent");
    default:
      return undefined;
  }
}
