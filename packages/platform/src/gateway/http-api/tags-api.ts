import { jsonResult } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import type { ManagementDeps } from "./apis-api.js";
import { httpApiError } from "./errors.js";
import type { HttpApiDocument } from "./model.js";
import { WireInput } from "./wire-input.js";

/** `arn:aws:apigateway:<region>::/apis/<api-id>[/stages/<stage>]`: the taggable HTTP API resources. */
const TAGGABLE = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+::\/apis\/([a-z0-9]+)(?:\/stages\/([^/]+))?$/;

/** GetTags, TagResource and UntagResource for APIs and stages. */
export function addTagRoutes(router: RestRouter, deps: ManagementDeps): void {
  const { service } = deps;
  const target = (arn: string | undefined) => {
    const match = TAGGABLE.exec(arn ?? "");
    if (!match?.[1])
      throw httpApiError.badRequest(`Invalid resource ARN ${arn ?? ""}: tag an API or a stage.`);
    return { apiId: match[1], stageName: match[2] };
  };
  const tagsOf = (doc: HttpApiDocument, stageName: string | undefined): Record<string, string> => {
    if (stageName === undefined) return doc.api.tags;
    const stage = doc.stages[stageName];
    if (!stage) throw httpApiError.notFound("Stage", stageName);
    return stage.tags;
  };

  router.add("GET", "/v2/tags/{ResourceArn}", async (_req, p) => {
    const { apiId, stageName } = target(p.ResourceArn);
    return jsonResult(200, { tags: tagsOf(await service.get(apiId), stageName) });
  });
  router.add("POST", "/v2/tags/{ResourceArn}", async (req, p) => {
    const tags = new WireInput(req).map("tags") ?? {};
    const { apiId, stageName } = target(p.ResourceArn);
    await service.mutate(apiId, (doc) => {
      const current = tagsOf(doc, stageName);
      if (Object.keys({ ...current, ...tags }).length > 50)
        throw httpApiError.badRequest("A resource can have at most 50 tags.");
      Object.assign(current, tags);
      return { doc, value: undefined };
    });
    return jsonResult(201, {});
  });
  router.add("DELETE", "/v2/tags/{ResourceArn}", async (req, p) => {
    const keys = req.query.getAll("tagKeys");
    const { apiId, stageName } = target(p.ResourceArn);
    await service.mutate(apiId, (doc) => {
      const current = tagsOf(doc, stageName);
      for (const key of keys) delete current[key];
      return { doc, value: undefined };
    });
    return jsonResult(204, undefined);
  });
}

/** API Gateway v2 operations Nimbus does not serve: refused by name rather than as unknown paths. */
const REFUSED: [string, string, string][] = [
  ["PUT", "/v2/apis", "ImportApi"],
  ["PUT", "/v2/apis/{ApiId}", "ReimportApi"],
  ["GET", "/v2/apis/{ApiId}/exports/{Specification}", "ExportApi"],
  ["POST", "/v2/apis/{ApiId}/models", "CreateModel (models)"],
  ["GET", "/v2/apis/{ApiId}/models", "GetModels (models)"],
  [
    "POST",
    "/v2/apis/{ApiId}/routes/{RouteId}/routeresponses",
    "CreateRouteResponse (WebSocket route responses)",
  ],
  [
    "GET",
    "/v2/apis/{ApiId}/routes/{RouteId}/routeresponses",
    "GetRouteResponses (WebSocket route responses)",
  ],
  [
    "POST",
    "/v2/apis/{ApiId}/integrations/{IntegrationId}/integrationresponses",
    "CreateIntegrationResponse (WebSocket integration responses)",
  ],
  [
    "GET",
    "/v2/apis/{ApiId}/integrations/{IntegrationId}/integrationresponses",
    "GetIntegrationResponses (WebSocket integration responses)",
  ],
  [
    "DELETE",
    "/v2/apis/{ApiId}/routes/{RouteId}/requestparameters/{RequestParameterKey}",
    "DeleteRouteRequestParameter",
  ],
  ["POST", "/v2/domainnames", "CreateDomainName (custom domain names)"],
  ["GET", "/v2/domainnames", "GetDomainNames (custom domain names)"],
  ["POST", "/v2/vpclinks", "CreateVpcLink (VPC links)"],
  ["GET", "/v2/vpclinks", "GetVpcLinks (VPC links)"],
];

/** Adds the refusals of REFUSED. */
export function addRefusedRoutes(router: RestRouter): void {
  for (const [method, path, name] of REFUSED) {
    router.add(method, path, async () => {
      throw httpApiError.unsupported(name);
    });
  }
}
