import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import type { AccountScope } from "../../core/arn.js";
import { isPlatformError } from "../../core/errors.js";
import { newRequestId } from "../../core/ids.js";
import { queryMaps } from "../payload-v1/event-v1.js";
import type { ResponseV1 } from "../payload-v1/response-v1.js";
import { badRequest, unsupported } from "./errors.js";
import { GATEWAY_RESPONSES } from "./gateway-response.js";
import { type IntegrationDeps, runIntegration } from "./integrations.js";
import type { RequestFacts } from "./request-facts.js";
import { ResourceMatcher } from "./resource-match.js";
import { methodOf, type RestApiService, resourceOf } from "./rest-api-service.js";
import { read } from "./wire.js";

/**
 * TestInvokeMethod: runs a method's integration on the API as it is now (not deployed), as the
 * console's "Test" button does. Authorizers, API keys and throttles are skipped, as on AWS; the
 * answer carries status, body, headers, a short log and the latency.
 */
export function addTestInvokeRoute(
  router: RestRouter,
  apis: RestApiService,
  deps: IntegrationDeps & { scope: AccountScope },
): void {
  router.add("POST", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", async (req, p) => {
    const body = readJsonBody(req);
    read.refuse(body, { clientCertificateId: "client certificates" });
    const api = await apis.get(p.restApiId ?? "");
    const resource = resourceOf(api, p.resourceId ?? "");
    const method = methodOf(resource, p.httpMethod ?? "");
    if (!method.integration) throw badRequest("No integration defined for method");
    const httpMethod = method.httpMethod === "ANY" ? "GET" : method.httpMethod;
    const pathWithQuery = read.str(body, "pathWithQueryString") ?? resource.path;
    const q = pathWithQuery.indexOf("?");
    const path = q === -1 ? pathWithQuery : pathWithQuery.slice(0, q);
    const rawQuery = q === -1 ? "" : pathWithQuery.slice(q + 1);
    const match = new ResourceMatcher(api.resources).match(path);
    if (match && match.resource.id !== resource.id) {
      throw badRequest(`pathWithQueryString ${path} does not address the resource ${resource.path}`);
    }
    const headers = read.map<string>(body, "headers", "string") ?? {};
    if (body.multiValueHeaders !== undefined && body.multiValueHeaders !== null) {
      throw unsupported("multiValueHeaders in TestInvokeMethod (use headers)");
    }
    const payload = Buffer.from(read.str(body, "body") ?? "");
    const requestId = newRequestId();
    const facts: RequestFacts = {
      requestId,
      method: httpMethod,
      path,
      rawQuery,
      headerLines: Object.entries(headers),
      headers,
      query: queryMaps(rawQuery).single ?? {},
      pathParameters: match?.pathParameters ?? {},
      body: payload,
      apiId: api.id,
      stage: "test-invoke-stage",
      stageVariables: read.map<string>(body, "stageVariables", "string") ?? {},
      resource,
      accountId: deps.scope.accountId,
      region: deps.scope.region,
      domainName: "testPrefix.testDomainName",
      sourceIp: "test-invoke-source-ip",
      timeEpochMs: deps.clock.now(),
      binaryMediaTypes: api.binaryMediaTypes,
    };
    const started = deps.clock.monotonic();
    let response: ResponseV1;
    try {
      response = await runIntegration(deps, method.integration, facts);
    } catch (error) {
      if (!isPlatformError(error) || error.kind === "system") throw error;
      response = GATEWAY_RESPONSES.internalError();
    }
    const latency = Math.round(deps.clock.monotonic() - started);
    const single: Record<string, string> = {};
    for (const [name, values] of Object.entries(response.headers))
      single[name] = values[values.length - 1] ?? "";
    const log = [
      `Execution log for request ${requestId}`,
      `Starting execution for request: ${requestId}`,
      `HTTP Method: ${httpMethod}, Resource Path: ${path}`,
      `Method request query string: ${JSON.stringify(facts.query)}`,
      `Method request body before transformations: ${payload.toString("utf8")}`,
      `Method completed with status: ${response.status}`,
    ].join("\n");
    return jsonResult(200, {
      status: response.status,
      body: response.body.toString("utf8"),
      headers: single,
      multiValueHeaders: response.headers,
      log,
      latency,
    });
  });
}
