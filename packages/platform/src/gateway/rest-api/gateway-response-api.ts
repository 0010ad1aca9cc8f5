import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import { badRequest, notFound } from "./errors.js";
import type { GatewayResponseDoc } from "./model.js";
import type { RestApiService } from "./rest-api-service.js";
import { read } from "./wire.js";

/** Every response type API Gateway knows (some never occur in Nimbus: it has no validators, WAF or mTLS). */
const KNOWN_TYPES = new Set([
  "DEFAULT_4XX",
  "DEFAULT_5XX",
  "ACCESS_DENIED",
  "API_CONFIGURATION_ERROR",
  "AUTHORIZER_CONFIGURATION_ERROR",
  "AUTHORIZER_FAILURE",
  "BAD_REQUEST_PARAMETERS",
  "BAD_REQUEST_BODY",
  "EXPIRED_TOKEN",
  "INTEGRATION_FAILURE",
  "INTEGRATION_TIMEOUT",
  "INVALID_API_KEY",
  "INVALID_SIGNATURE",
  "MISSING_AUTHENTICATION_TOKEN",
  "QUOTA_EXCEEDED",
  "REQUEST_TOO_LARGE",
  "RESOURCE_NOT_FOUND",
  "THROTTLED",
  "UNAUTHORIZED",
  "UNSUPPORTED_MEDIA_TYPE",
  "WAF_FILTERED",
]);

/** Checks and builds a gateway response (shared with the OpenAPI importer). */
export function gatewayResponseDoc(responseType: string, body: Record<string, unknown>): GatewayResponseDoc {
  if (!KNOWN_TYPES.has(responseType)) throw badRequest(`Invalid response type specified: ${responseType}`);
  const statusCode = read.str(body, "statusCode");
  if (statusCode !== undefined && !/^[1-5]\d\d$/.test(statusCode)) {
    throw badRequest(`Invalid status code specified: ${statusCode}`);
  }
  const responseParameters = read.map<string>(body, "responseParameters", "string") ?? {};
  for (const [target, source] of Object.entries(responseParameters)) {
    if (!/^gatewayresponse\.header\.[^.]+$/.test(target))
      throw badRequest(`Invalid mapping expression specified: ${target}`);
    if (
      !/^('[^']*'|method\.request\.(header|querystring|path)\.[^.]+|stageVariables\.[^.]+|context\..+)$/.test(
        source,
      )
    ) {
      throw badRequest(`Invalid mapping expression specified: ${source}`);
    }
  }
  return {
    responseType,
    ...(statusCode !== undefined ? { statusCode } : {}),
    responseParameters,
    responseTemplates: read.map<string>(body, "responseTemplates", "string") ?? {},
  };
}

function out(doc: GatewayResponseDoc) {
  return { ...doc, defaultResponse: false };
}

/** PutGatewayResponse, GetGatewayResponse(s), DeleteGatewayResponse (effective with the next deployment). */
export function addGatewayResponseRoutes(router: RestRouter, apis: RestApiService): void {
  router
    .add("PUT", "/restapis/{restApiId}/gatewayresponses/{responseType}", async (req, p) => {
      const doc = gatewayResponseDoc(p.responseType ?? "", readJsonBody(req));
      await apis.update(p.restApiId ?? "", (api) => {
        api.gatewayResponses = { ...(api.gatewayResponses ?? {}), [doc.responseType]: doc };
      });
      return jsonResult(201, out(doc));
    })
    .add("GET", "/restapis/{restApiId}/gatewayresponses", async (_req, p) => {
      const api = await apis.get(p.restApiId ?? "");
      return jsonResult(200, { item: Object.values(api.gatewayResponses ?? {}).map(out) });
    })
    .add("GET", "/restapis/{restApiId}/gatewayresponses/{responseType}", async (_req, p) => {
      const doc = (await apis.get(p.restApiId ?? "")).gatewayResponses?.[p.responseType ?? ""];
      if (!doc) throw notFound("Invalid Gateway Response identifier specified");
      return jsonResult(200, out(doc));
    })
    .add("DELETE", "/restapis/{restApiId}/gatewayresponses/{responseType}", async (_req, p) => {
      await apis.update(p.restApiId ?? "", (api) => {
        if (!api.gatewayResponses?.[p.responseType ?? ""])
          throw notFound("Invalid Gateway Response identifier specified");
        delete api.gatewayResponses[p.responseType ?? ""];
      });
      return jsonResult(202, undefined);
    });
}
