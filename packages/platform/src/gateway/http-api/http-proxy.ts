import type { Clock } from "../../core/clock.js";
import { type Answer, messageAnswer } from "./integrate.js";
import type { IntegrationRecord } from "./model.js";
import type { RequestView } from "./request-view.js";

/** Request headers that describe the connection to Nimbus, not the request. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "host",
  "upgrade",
  "te",
  "expect",
]);
/** Response headers fetch has already acted on (it decodes compressed bodies and frames them). */
const DROP_RESPONSE = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
]);

/**
 * The URL an HTTP_PROXY integration calls: `{name}` / `{name+}` in the integration URI are
 * replaced by the route's path parameters; on the `$default` route the request path is appended
 * (the URI names a host); the query string is passed on.
 */
export function proxyUrl(uri: string, view: RequestView): string {
  let url = uri.replace(/\{([A-Za-z0-9._-]+)\+?\}/g, (_m, name: string) =>
    (view.pathParameters[name] ?? "").split("/").map(encodeURIComponent).join("/"),
  );
  if (view.routeKey === "$default") url = url.replace(/\/$/, "") + view.routePath;
  if (view.req.rawQuery !== "") url += `${url.includes("?") ? "&" : "?"}${view.req.rawQuery}`;
  return url;
}

/**
 * Runs an HTTP_PROXY integration: forwards method (or the integration's), headers and body,
 * and passes the answer back unchanged. Past the timeout 504; an unreachable URL 500.
 */
export async function integrateHttp(
  clock: Clock,
  integration: IntegrationRecord,
  view: RequestView,
): Promise<Answer> {
  const method =
    !integration.integrationMethod || integration.integrationMethod === "ANY"
      ? view.req.method
      : integration.integrationMethod;
  const headers = new Headers();
  for (const [name, value] of Object.entries(view.req.headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  headers.set("x-forwarded-for", view.sourceIp);
  headers.set("x-forwarded-proto", "http");
  headers.set("forwarded", `for=${view.sourceIp};host=${view.domainName};proto=http`);
  const abort = new AbortController();
  let timedOut = false;
  const cancel = clock.setTimer(integration.timeoutInMillis, () => {
    timedOut = true;
    abort.abort();
  });
  const started = clock.monotonic();
  try {
    const response = await fetch(proxyUrl(integration.integrationUri, view), {
      method,
      headers,
      redirect: "manual",
      signal: abort.signal,
      ...(view.req.body.length > 0 && method !== "GET" && method !== "HEAD" ? { body: view.req.body } : {}),
    });
    const body = Buffer.from(await response.arrayBuffer());
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (!DROP_RESPONSE.has(name) && name !== "set-cookie") out[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) out["set-cookie"] = cookies;
    const latency = Math.round(clock.monotonic() - started);
    return {
      status: response.status,
      headers: out,
      body,
      integrationStatus: response.status,
      integrationLatencyMs: latency,
    };
  } catch (error) {
    if (timedOut)
      return messageAnswer(
        504,
        "Service Unavailable",
        `the integration timed out after ${integration.timeoutInMillis} ms`,
      );
    return messageAnswer(
      500,
      "Internal Server Error",
      `the integration could not be reached: ${(error as Error).message}`,
    );
  } finally {
    cancel();
  }
}
