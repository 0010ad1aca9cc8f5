import type { IncomingHttpHeaders } from "node:http";
import type { FunctionUrlCors } from "../../functions/index.js";
import type { GatewayResponse } from "./response-v2.js";

/**
 * CORS of a function URL, from its `Cors` configuration. Preflights are answered here without
 * invoking the function; other answers get `Access-Control-*` headers when the request's Origin
 * is allowed, replacing any the function set (the configuration takes precedence, as on AWS).
 * A URL without `Cors` leaves CORS to the function: its OPTIONS requests reach the function.
 */

/** The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method), or undefined. */
export function preflightResponse(
  cors: FunctionUrlCors | undefined,
  method: string,
  headers: IncomingHttpHeaders,
): GatewayResponse | undefined {
  const origin = single(headers.origin);
  const requestedMethod = single(headers["access-control-request-method"]);
  if (!cors || method !== "OPTIONS" || origin === undefined || requestedMethod === undefined)
    return undefined;
  const out: Record<string, string> = {};
  const allowOrigin = allowedOrigin(cors, origin);
  if (allowOrigin !== undefined && methodAllowed(cors, requestedMethod)) {
    out["access-control-allow-origin"] = allowOrigin;
    const methods = listValue(cors.allowMethods, cors.allowCredentials === true, requestedMethod);
    if (methods) out["access-control-allow-methods"] = methods;
    const requestedHeaders = single(headers["access-control-request-headers"]) ?? "";
    const allowHeaders = listValue(cors.allowHeaders, cors.allowCredentials === true, requestedHeaders);
    if (allowHeaders) out["access-control-allow-headers"] = allowHeaders;
    if (cors.allowCredentials === true) out["access-control-allow-credentials"] = "true";
    if (cors.maxAgeSec !== undefined) out["access-control-max-age"] = String(cors.maxAgeSec);
  }
  if (allowOrigin !== "*") out.vary = "Origin";
  return { status: 200, headers: out, cookies: [], body: Buffer.alloc(0) };
}

/** `response` with the URL's CORS headers when `origin` is allowed; unchanged otherwise. */
export function withCorsHeaders(
  cors: FunctionUrlCors | undefined,
  origin: string | undefined,
  response: GatewayResponse,
): GatewayResponse {
  if (!cors || origin === undefined) return response;
  const allowOrigin = allowedOrigin(cors, origin);
  if (allowOrigin === undefined) return response;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (!name.startsWith("access-control-")) headers[name] = value;
  }
  headers["access-control-allow-origin"] = allowOrigin;
  if (cors.allowCredentials === true) headers["access-control-allow-credentials"] = "true";
  if (cors.exposeHeaders && cors.exposeHeaders.length > 0) {
    headers["access-control-expose-headers"] = cors.exposeHeaders.join(",");
  }
  if (allowOrigin !== "*") headers.vary = headers.vary ? `${headers.vary}, Origin` : "Origin";
  return { ...response, headers };
}

/**
 * The Access-Control-Allow-Origin value for `origin`: `*` when every origin is allowed (the
 * origin itself when credentials are allowed, since browsers refuse `*` with credentials).
 */
function allowedOrigin(cors: FunctionUrlCors, origin: string): string | undefined {
  const origins = cors.allowOrigins ?? [];
  if (origins.includes("*")) return cors.allowCredentials === true ? origin : "*";
  const wanted = origin.toLowerCase();
  return origins.some((o) => o.toLowerCase() === wanted) ? origin : undefined;
}

/** Without AllowMethods only the CORS-safelisted methods pass (the browser enforces that). */
function methodAllowed(cors: FunctionUrlCors, method: string): boolean {
  const methods = cors.allowMethods ?? [];
  if (methods.length === 0) return true;
  const wanted = method.toUpperCase();
  return methods.some((m) => m === "*" || m.toUpperCase() === wanted);
}

/** A configured list as a header value; `*` becomes what was asked for when credentials are allowed. */
function listValue(
  values: string[] | undefined,
  credentials: boolean,
  requested: string,
): string | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.includes("*") && credentials) return requested || undefined;
  return values.join(",");
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
