import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { buildEventV1, isBinaryMediaType } from "../payload-v1/event-v1.js";
import { mapProxyResultV1, type ResponseV1 } from "../payload-v1/response-v1.js";
import { errorMessageOf } from "./authorizer-runner.js";
import { callAwsService, type ServiceAnswer, type ServiceApis } from "./aws-service-call.js";
import { awsServiceTargetOf, isLambdaUri } from "./aws-service-uri.js";
import { GATEWAY_RESPONSES, type GatewayAnswer } from "./gateway-response.js";
import type { FunctionCall } from "./integration-call.js";
import { lambdaFunctionOf, withStageVariables } from "./lambda-uri.js";
import { renderTemplate, type TemplateInput } from "./mapping-template.js";
import type { IntegrationDoc, IntegrationResponseDoc } from "./model.js";
import type { RequestFacts } from "./request-facts.js";
import { eventRequest, templateContext } from "./request-facts.js";

export interface IntegrationDeps {
  call: FunctionCall;
  clock: Clock;
  logger: Logger;
  /** The services AWS integrations call (Step Functions, SQS, SNS); late-bound by the server. */
  services?: (() => ServiceApis) | undefined;
}

/** Runs a method's integration for one request and answers what the client gets. */
export async function runIntegration(
  deps: IntegrationDeps,
  integration: IntegrationDoc,
  facts: RequestFacts,
): Promise<ResponseV1> {
  switch (integration.type) {
    case "AWS_PROXY":
      return lambdaProxy(deps, integration, facts);
    case "AWS":
      return isLambdaUri(integration.uri ?? "")
        ? lambdaCustom(deps, integration, facts)
        : serviceCustom(deps, integration, facts);
    case "MOCK":
      return mock(integration, facts);
    case "HTTP":
      return http(deps, integration, facts, false);
    case "HTTP_PROXY":
      return http(deps, integration, facts, true);
  }
}

async function lambdaProxy(
  deps: IntegrationDeps,
  integration: IntegrationDoc,
  facts: RequestFacts,
): Promise<ResponseV1> {
  const event = buildEventV1(eventRequest(facts));
  const functionName = lambdaFunctionOf(withStageVariables(integration.uri ?? "", facts.stageVariables));
  const result = await deps.call(
    functionName,
    Buffer.from(JSON.stringify(event)),
    integration.timeoutInMillis,
    facts.requestId,
  );
  if (result === "timeout") return GATEWAY_RESPONSES.timeout();
  if ("refused" in result) {
    deps.logger.info(
      { err: result.refused, apiId: facts.apiId },
      "REST API integration: Lambda refused the invoke",
    );
    return GATEWAY_RESPONSES.internalError();
  }
  const mapped = mapProxyResultV1(result, { binary: facts.binaryMediaTypes, accept: facts.headers.accept });
  if (mapped.problem === undefined) return mapped.response;
  deps.logger.info(
    { apiId: facts.apiId, problem: mapped.problem },
    "REST API proxy integration answered 502",
  );
  // API Gateway's own 502: gateway responses (INTEGRATION_FAILURE, DEFAULT_5XX) may shape it.
  const failure: GatewayAnswer = {
    ...mapped.response,
    responseType: "INTEGRATION_FAILURE",
    message: "Internal server error",
  };
  return failure;
}

async function lambdaCustom(
  deps: IntegrationDeps,
  integration: IntegrationDoc,
  facts: RequestFacts,
): Promise<ResponseV1> {
  const payload = requestPayload(integration, facts);
  if (payload === undefined) return GATEWAY_RESPONSES.unsupportedMediaType();
  const functionName = lambdaFunctionOf(withStageVariables(integration.uri ?? "", facts.stageVariables));
  const result = await deps.call(functionName, payload, integration.timeoutInMillis, facts.requestId);
  if (result === "timeout") return GATEWAY_RESPONSES.timeout();
  if ("refused" in result) return GATEWAY_RESPONSES.internalError();
  // Lambda: selection patterns match the error message; a success takes the default response.
  const selector = result.functionError !== undefined ? errorMessageOf(result.payload) : undefined;
  return integrationResponse(integration, facts, selector, result.payload, {});
}

/**
 * An AWS integration calling a service action (Step Functions, SQS, SNS): the mapped request is
 * the action's input; the service's answer (errors included) goes through integration responses,
 * selected by its status code as for HTTP integrations. The integration's credentials (role) are
 * recorded but not enforced: Nimbus calls the service as the account.
 */
async function serviceCustom(
  deps: IntegrationDeps,
  integration: IntegrationDoc,
  facts: RequestFacts,
): Promise<ResponseV1> {
  const payload = requestPayload(integration, facts);
  if (payload === undefined) return GATEWAY_RESPONSES.unsupportedMediaType();
  const target = awsServiceTargetOf(withStageVariables(integration.uri ?? "", facts.stageVariables));
  const apis = deps.services?.();
  if (!apis) {
    deps.logger.error({ apiId: facts.apiId }, "REST API AWS integration: no service calls are wired");
    return GATEWAY_RESPONSES.internalError();
  }
  const params = integrationParameters(integration, facts);
  const call = callAwsService(
    apis,
    target,
    {
      httpMethod: integration.httpMethod ?? "POST",
      payload,
      querystring: params.querystring,
      header: params.header,
      path: params.path,
    },
    deps.logger,
  );
  // When the timeout wins, the call runs on (as on AWS); its later failure must not surface.
  call.catch(() => undefined);
  let cancel: (() => void) | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    cancel = deps.clock.setTimer(integration.timeoutInMillis, () => resolve("timeout"));
  });
  let answer: ServiceAnswer | "timeout";
  try {
    answer = await Promise.race([call, timeout]);
  } finally {
    cancel?.();
  }
  if (answer === "timeout") return GATEWAY_RESPONSES.timeout();
  return integrationResponse(integration, facts, String(answer.status), answer.body, answer.headers);
}

function mock(integration: IntegrationDoc, facts: RequestFacts): ResponseV1 {
  const template = selectTemplate(integration.requestTemplates, facts);
  let status = "200";
  if (template) {
    const rendered = renderTemplate(template, templateInput(facts, facts.body.toString("utf8")));
    try {
      const parsed = JSON.parse(rendered) as { statusCode?: unknown };
      if (parsed.statusCode !== undefined) status = String(parsed.statusCode);
    } catch {
      return GATEWAY_RESPONSES.internalError();
    }
  }
  return integrationResponse(integration, facts, status, Buffer.alloc(0), {});
}

async function http(
  deps: IntegrationDeps,
  integration: IntegrationDoc,
  facts: RequestFacts,
  proxy: boolean,
): Promise<ResponseV1> {
  const params = integrationParameters(integration, facts);
  // A greedy parameter's value keeps its slashes; each segment is encoded on its own.
  let url = withStageVariables(integration.uri ?? "", facts.stageVariables).replace(
    /\{([^}+]+)\+?\}/g,
    (_m, name: string) =>
      (params.path[name] ?? facts.pathParameters[name] ?? "").split("/").map(encodeURIComponent).join("/"),
  );
  const headers = new Headers();
  let body: Buffer | string | undefined;
  if (proxy) {
    for (const [name, value] of facts.headerLines) {
      if (!HOP_HEADERS.has(name.toLowerCase())) headers.append(name, value);
    }
    if (facts.rawQuery !== "") url += (url.includes("?") ? "&" : "?") + facts.rawQuery;
    body = facts.body;
  } else {
    const payload = requestPayload(integration, facts);
    if (payload === undefined) return GATEWAY_RESPONSES.unsupportedMediaType();
    body = payload;
    headers.set("content-type", facts.headers["content-type"] ?? "application/json");
  }
  for (const [name, value] of Object.entries(params.header)) headers.set(name, value);
  const query = new URLSearchParams(params.querystring).toString();
  if (query !== "") url += (url.includes("?") ? "&" : "?") + query;
  const method = integration.httpMethod === "ANY" ? facts.method : (integration.httpMethod ?? facts.method);
  const abort = new AbortController();
  const cancel = deps.clock.setTimer(integration.timeoutInMillis, () => abort.abort());
  let response: Response;
  let responseBody: Buffer;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" || body.length === 0
        ? {}
        : { body: new Uint8Array(Buffer.from(body)) }),
      redirect: "manual",
      signal: abort.signal,
    });
    responseBody = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    if (abort.signal.aborted) return GATEWAY_RESPONSES.timeout();
    deps.logger.info({ err: error, url }, "REST API HTTP integration failed");
    return GATEWAY_RESPONSES.internalError();
  } finally {
    cancel();
  }
  const responseHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    responseHeaders[name] = value;
  });
  if (proxy) {
    const out: Record<string, string[]> = {};
    response.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name) && name !== "content-encoding") out[name] = [...(out[name] ?? []), value];
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) out["set-cookie"] = cookies;
    return { status: response.status, headers: out, body: responseBody };
  }
  // HTTP: selection patterns match the backend's status code.
  return integrationResponse(integration, facts, String(response.status), responseBody, responseHeaders);
}

const HOP_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
  "expect",
]);

/**
 * The integration request body: the request template for the request's Content-Type
 * (application/json when absent), else the body itself as the passthrough behaviour allows;
 * undefined means 415.
 */
function requestPayload(integration: IntegrationDoc, facts: RequestFacts): Buffer | undefined {
  const templates = integration.requestTemplates;
  const template = selectTemplate(templates, facts);
  const binary = isBinaryMediaType(facts.headers["content-type"], facts.binaryMediaTypes);
  // CONVERT_TO_TEXT: a binary body reaches templates and the integration as base64 text.
  const asText =
    binary && integration.contentHandling === "CONVERT_TO_TEXT"
      ? facts.body.toString("base64")
      : facts.body.toString("utf8");
  if (template !== undefined) return Buffer.from(renderTemplate(template, templateInput(facts, asText)));
  const behavior = integration.passthroughBehavior;
  if (behavior === "NEVER") return undefined;
  if (behavior === "WHEN_NO_TEMPLATES" && Object.keys(templates).length > 0) return undefined;
  if (binary && integration.contentHandling === "CONVERT_TO_TEXT") return Buffer.from(asText);
  // CONVERT_TO_BINARY: a text body is base64 to decode into the bytes passed on.
  if (!binary && integration.contentHandling === "CONVERT_TO_BINARY") return Buffer.from(asText, "base64");
  return facts.body;
}

function selectTemplate(templates: Record<string, string>, facts: RequestFacts): string | undefined {
  const contentType =
    (facts.headers["content-type"] ?? "application/json").split(";")[0]?.trim().toLowerCase() ?? "";
  for (const [type, template] of Object.entries(templates))
    if (type.toLowerCase() === contentType) return template;
  return undefined;
}

function templateInput(facts: RequestFacts, body: string): TemplateInput {
  return {
    body,
    params: { path: facts.pathParameters, querystring: facts.query, header: facts.headers },
    context: templateContext(facts),
    stageVariables: facts.stageVariables,
  };
}

/**
 * Picks the integration response whose selectionPattern fully matches `selector` (the default
 * one, without a pattern, otherwise) and renders its template and header mappings.
 */
function integrationResponse(
  integration: IntegrationDoc,
  facts: RequestFacts,
  selector: string | undefined,
  raw: Buffer,
  backendHeaders: Record<string, string>,
): ResponseV1 {
  const body = raw.toString("utf8");
  const responses = Object.values(integration.integrationResponses);
  let chosen: IntegrationResponseDoc | undefined;
  if (selector !== undefined) {
    chosen = responses.find(
      (r) =>
        r.selectionPattern !== undefined && new RegExp(`^(?:${r.selectionPattern})$`, "s").test(selector),
    );
  }
  chosen ??= responses.find((r) => r.selectionPattern === undefined);
  if (!chosen) return GATEWAY_RESPONSES.internalError();
  const headers: Record<string, string[]> = { "Content-Type": ["application/json"] };
  for (const [target, source] of Object.entries(chosen.responseParameters)) {
    const name = target.slice("method.response.header.".length);
    const value = parameterValue(source, backendHeaders, body);
    if (value === undefined) continue;
    for (const existing of Object.keys(headers))
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = [value];
  }
  const status = Number(chosen.statusCode);
  if (chosen.contentHandling === "CONVERT_TO_BINARY") {
    // The integration answered base64 (a Lambda function as a JSON string): the client gets bytes.
    let text = body;
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === "string") text = parsed;
    } catch {
      // Not JSON: the body itself is the base64 text.
    }
    return { status, headers, body: Buffer.from(text, "base64") };
  }
  if (chosen.contentHandling === "CONVERT_TO_TEXT") {
    return { status, headers, body: Buffer.from(raw.toString("base64")) };
  }
  const template = chosen.responseTemplates["application/json"] ?? Object.values(chosen.responseTemplates)[0];
  if (template === undefined || template === "") return { status, headers, body: raw };
  return { status, headers, body: Buffer.from(renderTemplate(template, templateInput(facts, body))) };
}

function parameterValue(source: string, headers: Record<string, string>, body: string): string | undefined {
  if (source.startsWith("'")) return source.slice(1, -1);
  if (source.startsWith("integration.response.header.")) return headers[source.slice(28).toLowerCase()];
  if (source === "integration.response.body") return body;
  if (source.startsWith("integration.response.body.")) {
    try {
      const value = (JSON.parse(body) as Record<string, unknown>)[source.slice(26)];
      return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The integration's request parameter mappings (`integration.request.<where>.<name>`), resolved. */
function integrationParameters(integration: IntegrationDoc, facts: RequestFacts) {
  const out = {
    path: {} as Record<string, string>,
    querystring: {} as Record<string, string>,
    header: {} as Record<string, string>,
  };
  for (const [target, source] of Object.entries(integration.requestParameters)) {
    const [, , where, name] = target.split(".") as [
      string,
      string,
      "path" | "querystring" | "header",
      string,
    ];
    let value: string | undefined;
    if (source.startsWith("'")) value = source.slice(1, -1);
    else if (source.startsWith("method.request.path.")) value = facts.pathParameters[source.slice(20)];
    else if (source.startsWith("method.request.querystring.")) value = facts.query[source.slice(27)];
    else if (source.startsWith("method.request.header.")) value = headerOf(facts.headers, source.slice(22));
    else if (source.startsWith("stageVariables.")) value = facts.stageVariables[source.slice(15)];
    else if (source.startsWith("context.")) {
      const found = source
        .slice(8)
        .split(".")
        .reduce<unknown>(
          (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
          templateContext(facts),
        );
      value = found === undefined ? undefined : String(found);
    }
    if (value !== undefined) out[where][name] = value;
  }
  return out;
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}
