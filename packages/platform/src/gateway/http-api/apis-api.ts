import { jsonResult } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import type { Clock } from "../../core/clock.js";
import { parseCors, quickIntegration } from "./definitions.js";
import { httpApiError } from "./errors.js";
import type { HttpApiService } from "./http-api-service.js";
import { type HttpApiDocument, newId } from "./model.js";
import { parseRouteKey } from "./route-match.js";
import { page, WireInput } from "./wire-input.js";
import { apiToWire } from "./wire-output.js";

export interface ManagementDeps {
  service: HttpApiService;
  clock: Clock;
  /** Integration timeout when none is given (`gateway.integrationTimeoutMs`). */
  defaultTimeoutMs: number;
  /** Called after an API is deleted or changed, so the data plane drops what it keeps. */
  onChange(apiId: string): void;
}

/** CreateApi (with quick create), GetApi(s), UpdateApi, DeleteApi, DeleteCorsConfiguration. */
export function addApiRoutes(router: RestRouter, deps: ManagementDeps): void {
  const { service } = deps;
  router.add("POST", "/v2/apis", async (req) => {
    const input = new WireInput(req);
    const name = input.required("name");
    const protocol = input.required("protocolType");
    if (protocol === "WEBSOCKET") throw httpApiError.unsupported("protocolType WEBSOCKET");
    if (protocol !== "HTTP") throw httpApiError.badRequest(`Invalid protocolType ${protocol}.`);
    refuseApiMembers(input);
    const apiId = await service.freshApiId();
    const now = deps.clock.now();
    const doc: HttpApiDocument = {
      api: {
        apiId,
        name,
        disableExecuteApiEndpoint: input.bool("disableExecuteApiEndpoint") ?? false,
        tags: input.map("tags") ?? {},
        createdAt: now,
      },
      routes: {},
      integrations: {},
      authorizers: {},
      stages: {},
      deployments: {},
    };
    const cors = parseCors(input.object("corsConfiguration"));
    if (cors) doc.api.cors = cors;
    const description = input.str("description");
    if (description !== undefined) doc.api.description = description;
    const version = input.str("version");
    if (version !== undefined) doc.api.version = version;
    const target = input.str("target");
    const routeKey = input.str("routeKey");
    if (target !== undefined) quickCreate(doc, target, routeKey ?? "$default", deps);
    else if (routeKey !== undefined)
      throw httpApiError.badRequest("routeKey is only used with target (quick create).");
    await service.create(doc);
    return jsonResult(201, apiToWire(doc.api, req.origin));
  });
  router.add("GET", "/v2/apis", async (req) => {
    const all = await service.list();
    const result = page(all, (d) => d.api.apiId, req);
    return jsonResult(200, {
      items: result.items.map((d) => apiToWire(d.api, req.origin)),
      nextToken: result.nextToken,
    });
  });
  router.add("GET", "/v2/apis/{ApiId}", async (req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    return jsonResult(200, apiToWire(doc.api, req.origin));
  });
  router.add("PATCH", "/v2/apis/{ApiId}", async (req, p) => {
    const input = new WireInput(req);
    refuseApiMembers(input);
    input.refuse("target", "routeKey");
    const protocol = input.str("protocolType");
    if (protocol !== undefined && protocol !== "HTTP")
      throw httpApiError.badRequest("protocolType cannot be changed.");
    const cors = parseCors(input.object("corsConfiguration"));
    const apiId = p.ApiId ?? "";
    const doc = await service.mutate(apiId, (d) => {
      const name = input.str("name");
      if (name !== undefined && name !== "") d.api.name = name;
      const description = input.str("description");
      if (description !== undefined) d.api.description = description;
      const version = input.str("version");
      if (version !== undefined) d.api.version = version;
      const disable = input.bool("disableExecuteApiEndpoint");
      if (disable !== undefined) d.api.disableExecuteApiEndpoint = disable;
      if (cors) d.api.cors = cors;
      return { doc: d, value: d };
    });
    deps.onChange(apiId);
    return jsonResult(200, apiToWire(doc.api, req.origin));
  });
  router.add("DELETE", "/v2/apis/{ApiId}", async (_req, p) => {
    await service.delete(p.ApiId ?? "");
    deps.onChange(p.ApiId ?? "");
    return jsonResult(204, undefined);
  });
  router.add("DELETE", "/v2/apis/{ApiId}/cors", async (_req, p) => {
    await service.mutate(p.ApiId ?? "", (d) => {
      delete d.api.cors;
      return { doc: d, value: undefined };
    });
    deps.onChange(p.ApiId ?? "");
    return jsonResult(204, undefined);
  });
}

function refuseApiMembers(input: WireInput): void {
  input.refuse("credentialsArn", "disableSchemaValidation", "body");
  const keySelection = input.str("apiKeySelectionExpression");
  if (keySelection !== undefined && keySelection !== "$request.header.x-api-key") {
    throw httpApiError.unsupported("apiKeySelectionExpression");
  }
  const routeSelection = input.str("routeSelectionExpression");
  if (routeSelection !== undefined && routeSelection !== "$request.method $request.path") {
    throw httpApiError.unsupported(`routeSelectionExpression ${routeSelection}`);
  }
  const ipType = input.str("ipAddressType");
  if (ipType !== undefined && ipType !== "ipv4") throw httpApiError.unsupported(`ipAddressType ${ipType}`);
}

/** Quick create: an integration for the target, a route to it and an auto-deployed `$default` stage. */
function quickCreate(doc: HttpApiDocument, target: string, routeKey: string, deps: ManagementDeps): void {
  const parsed = parseRouteKey(routeKey);
  if (typeof parsed === "string") throw httpApiError.badRequest(parsed);
  const integration = quickIntegration(target, newId(7), deps.defaultTimeoutMs);
  const routeId = newId(7);
  doc.integrations[integration.integrationId] = integration;
  doc.routes[routeId] = {
    routeId,
    routeKey,
    authorizationType: "NONE",
    target: `integrations/${integration.integrationId}`,
    apiGatewayManaged: true,
  };
  const now = deps.clock.now();
  doc.stages.$default = {
    stageName: "$default",
    autoDeploy: true,
    stageVariables: {},
    defaultRouteSettings: {},
    routeSettings: {},
    tags: {},
    apiGatewayManaged: true,
    createdAt: now,
    updatedAt: now,
  };
}
