import { requestTime } from "../function-url/event-v2.js";

/**
 * The Lambda proxy event of payload format 1.0 (events.md section 1): what a REST API's
 * AWS_PROXY integration sends, and an HTTP API's with PayloadFormatVersion 1.0 (which adds
 * `version: "1.0"`). Empty maps and an empty body are `null`, as AWS sends them.
 */
export interface ProxyEventV1 {
  version?: "1.0";
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: RequestContextV1;
  body: string | null;
  isBase64Encoded: boolean;
}

/** `requestContext` of payload 1.0. */
export interface RequestContextV1 {
  accountId: string;
  apiId: string;
  resourceId: string;
  resourcePath: string;
  httpMethod: string;
  path: string;
  stage: string;
  protocol: string;
  requestId: string;
  extendedRequestId: string;
  requestTime: string;
  requestTimeEpoch: number;
  domainName: string;
  domainPrefix: string;
  identity: IdentityV1;
  authorizer?: Record<string, unknown>;
}

/** `requestContext.identity`: who called. Nimbus knows the address, agent and API key. */
export interface IdentityV1 {
  sourceIp: string;
  userAgent: string | null;
  accessKey: string | null;
  accountId: string | null;
  apiKey: string | null;
  apiKeyId: string | null;
  caller: string | null;
  clientCert: null;
  cognitoAuthenticationProvider: null;
  cognitoAuthenticationType: null;
  cognitoIdentityId: null;
  cognitoIdentityPoolId: null;
  principalOrgId: null;
  user: string | null;
  userArn: string | null;
}

/** One matched request, as the payload 1.0 builder needs it. */
export interface EventV1Request {
  /** Add `version: "1.0"` (HTTP APIs do; REST APIs do not). */
  version?: "1.0";
  method: string;
  /** The route template (`/items/{id}`; `$default` on an HTTP API's default route). */
  resource: string;
  resourceId: string;
  /** Path below the stage, as sent (still percent-encoded). */
  path: string;
  /** `requestContext.path`: the path the client used, with the stage on REST APIs. */
  contextPath: string;
  /** Query string as sent, without `?`. */
  rawQuery: string;
  /** Header lines in order, with the client's name casing; a repeated name appears once per value. */
  headers: readonly (readonly [string, string])[];
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string>;
  body: Buffer;
  /** Send the body base64 (`isBase64Encoded: true`): the caller decides by binary media types. */
  binaryBody: boolean;
  accountId: string;
  apiId: string;
  stage: string;
  requestId: string;
  extendedRequestId: string;
  timeEpochMs: number;
  domainName: string;
  sourceIp: string;
  protocol: string;
  apiKey?: { value: string; id: string } | undefined;
  /** `requestContext.authorizer`, present only when an authorizer ran. */
  authorizer?: Record<string, unknown> | undefined;
  /** `identity` members an IAM-authorized call fills (accessKey, caller, user, userArn, accountId). */
  iamIdentity?: Partial<Pick<IdentityV1, "accessKey" | "accountId" | "caller" | "user" | "userArn">>;
}

/** Builds the payload 1.0 event of a request. */
export function buildEventV1(req: EventV1Request): ProxyEventV1 {
  const { single: headers, multi: multiValueHeaders } = headerMaps(req.headers);
  const { single: query, multi: multiQuery } = queryMaps(req.rawQuery);
  const userAgent = lastValue(req.headers, "user-agent");
  const event: ProxyEventV1 = {
    ...(req.version ? { version: req.version } : {}),
    resource: req.resource,
    path: req.path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters: nullIfEmpty(req.pathParameters),
    stageVariables: nullIfEmpty(req.stageVariables),
    requestContext: {
      accountId: req.accountId,
      apiId: req.apiId,
      resourceId: req.resourceId,
      resourcePath: req.resource,
      httpMethod: req.method,
      path: req.contextPath,
      stage: req.stage,
      protocol: req.protocol,
      requestId: req.requestId,
      extendedRequestId: req.extendedRequestId,
      requestTime: requestTime(req.timeEpochMs),
      requestTimeEpoch: req.timeEpochMs,
      domainName: req.domainName,
      domainPrefix: req.domainName.split(".")[0] ?? req.apiId,
      identity: {
        sourceIp: req.sourceIp,
        userAgent: userAgent ?? null,
        accessKey: req.iamIdentity?.accessKey ?? null,
        accountId: req.iamIdentity?.accountId ?? null,
        apiKey: req.apiKey?.value ?? null,
        apiKeyId: req.apiKey?.id ?? null,
        caller: req.iamIdentity?.caller ?? null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: req.iamIdentity?.user ?? null,
        userArn: req.iamIdentity?.userArn ?? null,
      },
      ...(req.authorizer ? { authorizer: req.authorizer } : {}),
    },
    body:
      req.body.length === 0 ? null : req.binaryBody ? req.body.toString("base64") : req.body.toString("utf8"),
    isBase64Encoded: req.body.length > 0 && req.binaryBody,
  };
  return event;
}

/** `headers` holds the last value of a repeated name, `multiValueHeaders` all; names keep their casing. */
function headerMaps(lines: readonly (readonly [string, string])[]): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (lines.length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  // Repeated names with different casing are one header: the first spelling names it.
  const spelling = new Map<string, string>();
  for (const [name, value] of lines) {
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    single[key] = value;
    const values = multi[key] ?? [];
    values.push(value);
    multi[key] = values;
  }
  return { single, multi };
}

/** Decoded query parameters: the last value of a repeated key, and all of them. */
export function queryMaps(rawQuery: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (rawQuery === "") return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    single[key] = value;
    const values = multi[key] ?? [];
    values.push(value);
    multi[key] = values;
  }
  return Object.keys(single).length === 0 ? { single: null, multi: null } : { single, multi };
}

function lastValue(lines: readonly (readonly [string, string])[], name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of lines) if (key.toLowerCase() === name) found = value;
  return found;
}

function nullIfEmpty(map: Record<string, string>): Record<string, string> | null {
  return Object.keys(map).length === 0 ? null : { ...map };
}

/**
 * Header lines from Node's parsed headers: Node has lower-cased the names and joined most
 * repeated headers into one value, so each name yields one line (set-cookie style arrays one per value).
 */
export function headerLines(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const lines: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) lines.push([name, v]);
    else lines.push([name, value]);
  }
  return lines;
}

/**
 * Whether a media type matches one of an API's binary media types (`image/png`, `image/*`,
 * `*\/*`). Parameters (`; charset=...`) are ignored.
 */
export function isBinaryMediaType(
  contentType: string | undefined,
  binaryMediaTypes: readonly string[],
): boolean {
  if (contentType === undefined || binaryMediaTypes.length === 0) return false;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type === "") return false;
  const [major] = type.split("/");
  return binaryMediaTypes.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    return p === "*/*" || p === type || (p.endsWith("/*") && p.slice(0, -2) === major);
  });
}
