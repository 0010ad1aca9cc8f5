import { jsonResult } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import type { ManagementDeps } from "./apis-api.js";
import { applyAuthorizerInput, applyIntegrationInput, applyRouteInput } from "./definitions.js";
import { httpApiError } from "./errors.js";
import { type AuthorizerRecord, type IntegrationRecord, newId, type RouteRecord } from "./model.js";
import { page, WireInput } from "./wire-input.js";
import { authorizerToWire, integrationToWire, routeToWire } from "./wire-output.js";

/** Routes, integrations and authorizers of an API: Create, Get, Get (list), Update, Delete. */
export function addDefinitionRoutes(router: RestRouter, deps: ManagementDeps): void {
  const { service } = deps;
  const changed = <T>(apiId: string, value: T): T => {
    deps.onChange(apiId);
    return value;
  };

  // Routes.
  router.add("POST", "/v2/apis/{ApiId}/routes", async (req, p) => {
    const input = new WireInput(req);
    input.required("routeKey");
    const apiId = p.ApiId ?? "";
    const route = await service.mutate(apiId, (doc) => {
      const base: RouteRecord = {
        routeId: newId(7),
        routeKey: "",
        authorizationType: "NONE",
        apiGatewayManaged: false,
      };
      const created = applyRouteInput(input, base, doc);
      doc.routes[created.routeId] = created;
      return { doc, value: created, definitionsChanged: true };
    });
    return jsonResult(201, routeToWire(changed(apiId, route)));
  });
  router.add("GET", "/v2/apis/{ApiId}/routes", async (req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const result = page(Object.values(doc.routes), (r) => r.routeId, req);
    return jsonResult(200, { items: result.items.map(routeToWire), nextToken: result.nextToken });
  });
  router.add("GET", "/v2/apis/{ApiId}/routes/{RouteId}", async (_req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const route = doc.routes[p.RouteId ?? ""];
    if (!route) throw httpApiError.notFound("Route", p.RouteId ?? "");
    return jsonResult(200, routeToWire(route));
  });
  router.add("PATCH", "/v2/apis/{ApiId}/routes/{RouteId}", async (req, p) => {
    const input = new WireInput(req);
    const apiId = p.ApiId ?? "";
    const route = await service.mutate(apiId, (doc) => {
      const current = doc.routes[p.RouteId ?? ""];
      if (!current) throw httpApiError.notFound("Route", p.RouteId ?? "");
      const updated = applyRouteInput(input, current, doc);
      doc.routes[updated.routeId] = updated;
      return { doc, value: updated, definitionsChanged: true };
    });
    return jsonResult(200, routeToWire(changed(apiId, route)));
  });
  router.add("DELETE", "/v2/apis/{ApiId}/routes/{RouteId}", async (_req, p) => {
    const apiId = p.ApiId ?? "";
    await service.mutate(apiId, (doc) => {
      const route = doc.routes[p.RouteId ?? ""];
      if (!route) throw httpApiError.notFound("Route", p.RouteId ?? "");
      delete doc.routes[route.routeId];
      for (const stage of Object.values(doc.stages)) delete stage.routeSettings[route.routeKey];
      return { doc, value: undefined, definitionsChanged: true };
    });
    return jsonResult(204, changed(apiId, undefined));
  });

  // Integrations.
  router.add("POST", "/v2/apis/{ApiId}/integrations", async (req, p) => {
    const input = new WireInput(req);
    const type = input.required("integrationType");
    const apiId = p.ApiId ?? "";
    const integration = await service.mutate(apiId, (doc) => {
      const base: IntegrationRecord = {
        integrationId: newId(7),
        integrationType: type === "HTTP_PROXY" ? "HTTP_PROXY" : "AWS_PROXY",
        integrationUri: "",
        payloadFormatVersion: type === "HTTP_PROXY" ? "1.0" : "2.0",
        timeoutInMillis: deps.defaultTimeoutMs,
        apiGatewayManaged: false,
      };
      if (type === "AWS_PROXY" && !input.has("payloadFormatVersion")) {
        throw httpApiError.badRequest(
          "payloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs (1.0 or 2.0).",
        );
      }
      const created = applyIntegrationInput(input, base);
      doc.integrations[created.integrationId] = created;
      return { doc, value: created, definitionsChanged: true };
    });
    return jsonResult(201, integrationToWire(changed(apiId, integration)));
  });
  router.add("GET", "/v2/apis/{ApiId}/integrations", async (req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const result = page(Object.values(doc.integrations), (i) => i.integrationId, req);
    return jsonResult(200, { items: result.items.map(integrationToWire), nextToken: result.nextToken });
  });
  router.add("GET", "/v2/apis/{ApiId}/integrations/{IntegrationId}", async (_req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const integration = doc.integrations[p.IntegrationId ?? ""];
    if (!integration) throw httpApiError.notFound("Integration", p.IntegrationId ?? "");
    return jsonResult(200, integrationToWire(integration));
  });
  router.add("PATCH", "/v2/apis/{ApiId}/integrations/{IntegrationId}", async (req, p) => {
    const input = new WireInput(req);
    const apiId = p.ApiId ?? "";
    const integration = await service.mutate(apiId, (doc) => {
      const current = doc.integrations[p.IntegrationId ?? ""];
      if (!current) throw httpApiError.notFound("Integration", p.IntegrationId ?? "");
      const updated = applyIntegrationInput(input, current);
      doc.integrations[updated.integrationId] = updated;
      return { doc, value: updated, definitionsChanged: true };
    });
    return jsonResult(200, integrationToWire(changed(apiId, integration)));
  });
  router.add("DELETE", "/v2/apis/{ApiId}/integrations/{IntegrationId}", async (_req, p) => {
    const apiId = p.ApiId ?? "";
    await service.mutate(apiId, (doc) => {
      const id = p.IntegrationId ?? "";
      if (!doc.integrations[id]) throw httpApiError.notFound("Integration", id);
      const user = Object.values(doc.routes).find((r) => r.target === `integrations/${id}`);
      if (user)
        throw httpApiError.conflict(
          `Integration ${id} is the target of route ${user.routeKey}; change or delete the route first.`,
        );
      delete doc.integrations[id];
      return { doc, value: undefined, definitionsChanged: true };
    });
    return jsonResult(204, changed(apiId, undefined));
  });

  // Authorizers.
  router.add("POST", "/v2/apis/{ApiId}/authorizers", async (req, p) => {
    const input = new WireInput(req);
    input.required("name");
    input.required("authorizerType");
    const apiId = p.ApiId ?? "";
    const authorizer = await service.mutate(apiId, (doc) => {
      const base: AuthorizerRecord = {
        authorizerId: newId(6),
        name: "",
        authorizerType: "JWT",
        identitySource: [],
        authorizerResultTtlInSeconds: 0,
        enableSimpleResponses: false,
      };
      const created = applyAuthorizerInput(input, base);
      doc.authorizers[created.authorizerId] = created;
      return { doc, value: created, definitionsChanged: true };
    });
    return jsonResult(201, authorizerToWire(changed(apiId, authorizer)));
  });
  router.add("GET", "/v2/apis/{ApiId}/authorizers", async (req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const result = page(Object.values(doc.authorizers), (a) => a.authorizerId, req);
    return jsonResult(200, { items: result.items.map(authorizerToWire), nextToken: result.nextToken });
  });
  router.add("GET", "/v2/apis/{ApiId}/authorizers/{AuthorizerId}", async (_req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const authorizer = doc.authorizers[p.AuthorizerId ?? ""];
    if (!authorizer) throw httpApiError.notFound("Authorizer", p.AuthorizerId ?? "");
    return jsonResult(200, authorizerToWire(authorizer));
  });
  router.add("PATCH", "/v2/apis/{ApiId}/authorizers/{AuthorizerId}", async (req, p) => {
    const input = new WireInput(req);
    const apiId = p.ApiId ?? "";
    const authorizer = await service.mutate(apiId, (doc) => {
      const current = doc.authorizers[p.AuthorizerId ?? ""];
      if (!current) throw httpApiError.notFound("Authorizer", p.AuthorizerId ?? "");
      const updated = applyAuthorizerInput(input, current);
      const user = Object.values(doc.routes).find(
        (r) =>
          r.authorizerId === updated.authorizerId &&
          (r.authorizationType === "JWT") !== (updated.authorizerType === "JWT"),
      );
      if (user)
        throw httpApiError.conflict(
          `Route ${user.routeKey} uses this authorizer as ${user.authorizationType}.`,
        );
      doc.authorizers[updated.authorizerId] = updated;
      return { doc, value: updated, definitionsChanged: true };
    });
    return jsonResult(200, authorizerToWire(changed(apiId, authorizer)));
  });
  router.add("DELETE", "/v2/apis/{ApiId}/authorizers/{AuthorizerId}", async (_req, p) => {
    const apiId = p.ApiId ?? "";
    await service.mutate(apiId, (doc) => {
      const id = p.AuthorizerId ?? "";
      if (!doc.authorizers[id]) throw httpApiError.notFound("Authorizer", id);
      const user = Object.values(doc.routes).find((r) => r.authorizerId === id);
      if (user)
        throw httpApiError.conflict(
          `Authorizer ${id} is used by route ${user.routeKey}; change or delete the route first.`,
        );
      delete doc.authorizers[id];
      return { doc, value: undefined, definitionsChanged: true };
    });
    return jsonResult(204, changed(apiId, undefined));
  });
}
