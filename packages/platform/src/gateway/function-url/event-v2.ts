import type { IncomingHttpHeaders } from "node:http";

/**
 * The event a function URL sends (API Gateway payload format 2.0, events.md section 3). Keys
 * AWS leaves out are left out here too: `cookies`, `queryStringParameters`, `body` and
 * `requestContext.authorizer` appear only when there is something to put in them.
 */
export interface FunctionUrlEvent {
  version: "2.0";
  /** `$default` for function URLs; the matched route's key on HTTP APIs. */
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    authorizer?: EventAuthorizer;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** `requestContext.authorizer`: who the authorizer said the caller is (one member per kind). */
export type EventAuthorizer =
  | { iam: IamAuthorizer }
  | { jwt: { claims: Record<string, string>; scopes: string[] | null } }
  | { lambda: Record<string, unknown> | null };

/** `requestContext.authorizer.iam` of an AWS_IAM URL: who signed the request. */
export interface IamAuthorizer {
  accessKey: string;
  accountId: string;
  callerId: string;
  cognitoIdentity: null;
  principalOrgId: null;
  userArn: string;
  userId: string;
}

/** One request to a function URL, with the path already as the function should see it. */
export interface FunctionUrlRequest {
  requestId: string;
  method: string;
  /** Path below the URL's root, still percent-encoded, starting with `/`. */
  rawPath: string;
  /** Query string as sent, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  urlId: string;
  /** `<url-id>.lambda-url.<region>.localhost`. */
  domainName: string;
  sourceIp: string;
  protocol: string;
  timeEpochMs: number;
  /** The caller's account for AWS_IAM; AWS reports `anonymous` for AuthType NONE. */
  accountId: string;
  iam: IamAuthorizer | undefined;
  /** HTTP APIs: the matched route (default `$default`). */
  routeKey?: string;
  /** HTTP APIs: the stage (default `$default`). */
  stage?: string;
  /** HTTP APIs: the route's path parameters (left out when empty). */
  pathParameters?: Record<string, string>;
  /** HTTP APIs: the stage's variables (left out when empty). */
  stageVariables?: Record<string, string>;
  /** HTTP APIs: a JWT or Lambda authorizer's output (takes the place of `iam`). */
  authorizer?: EventAuthorizer;
}

/** Headers that describe the connection to Nimbus, not the request (AWS's proxies drop them too). */
const DROPPED_HEADERS = new Set(["connection", "keep-alive", "cookie"]);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Builds the payload 2.0 event of a function URL request (or of an HTTP API route, with its extra members). */
export function buildFunctionUrlEvent(req: FunctionUrlRequest): FunctionUrlEvent {
  const headers = eventHeaders(req);
  const cookies = requestCookies(req.headers.cookie);
  const query = queryParameters(req.rawQuery);
  const body = eventBody(req.body, headers["content-type"]);
  const routeKey = req.routeKey ?? "$default";
  const authorizer = req.authorizer ?? (req.iam ? { iam: req.iam } : undefined);
  const nonEmpty = (map: Record<string, string> | undefined) =>
    map !== undefined && Object.keys(map).length > 0 ? map : undefined;
  const pathParameters = nonEmpty(req.pathParameters);
  const stageVariables = nonEmpty(req.stageVariables);
  return {
    version: "2.0",
    routeKey,
    rawPath: req.rawPath,
    rawQueryString: req.rawQuery,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(pathParameters ? { pathParameters } : {}),
    ...(stageVariables ? { stageVariables } : {}),
    requestContext: {
      accountId: req.accountId,
      apiId: req.urlId,
      ...(authorizer ? { authorizer } : {}),
      domainName: req.domainName,
      domainPrefix: req.urlId,
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: req.requestId,
      routeKey,
      stage: req.stage ?? "$default",
      time: requestTime(req.timeEpochMs),
      timeEpoch: req.timeEpochMs,
    },
    ...(body ? { body: body.text } : {}),
    isBase64Encoded: body?.base64 ?? false,
  };
}

/**
 * Lower-case names, cookies moved out, and the forwarding headers AWS's front end adds
 * (`x-forwarded-for/-proto/-port`) when the client sent none. Node has already joined most
 * repeated request headers with `, ` (AWS joins with `,`); any left as lists are joined with `,`.
 */
function eventHeaders(req: FunctionUrlRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const key = name.toLowerCase();
    if (value === undefined || DROPPED_HEADERS.has(key)) continue;
    headers[key] = Array.isArray(value) ? value.join(",") : value;
  }
  headers["x-forwarded-for"] ??= req.sourceIp;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-port"] ??= /:(\d+)$/.exec(headers.host ?? "")?.[1] ?? "80";
  return headers;
}

/** The `Cookie` header split into its `name=value` pairs (Node joins repeated ones with `; `). */
function requestCookies(cookie: string | undefined): string[] {
  if (cookie === undefined) return [];
  return cookie
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c !== "");
}

/** Decoded query parameters; a key given more than once gets its values joined with `,`. */
function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === "") return undefined;
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    params[key] = params[key] === undefined ? value : `${params[key]},${value}`;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

/** Text bodies stay text; anything else (or text that is not UTF-8) travels base64. */
function eventBody(
  body: Buffer,
  contentType: string | undefined,
): { text: string; base64: boolean } | undefined {
  if (body.length === 0) return undefined;
  if (isTextContentType(contentType)) {
    try {
      return { text: UTF8.decode(body), base64: false };
    } catch {
      // Declared as text but not valid UTF-8: pass the bytes unchanged.
    }
  }
  return { text: body.toString("base64"), base64: true };
}

/** Content types whose bodies a function URL passes as text: text/*, JSON, XML and JavaScript. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type === "application/xml" ||
    type === "application/javascript" ||
    type.endsWith("+json") ||
    type.endsWith("+xml")
  );
}

/** `12/Mar/2020:19:03:58 +0000`, the request time format of payload 2.0. */
export function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
