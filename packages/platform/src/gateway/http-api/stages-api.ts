import { jsonResult } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import type { ManagementDeps } from "./apis-api.js";
import { parseAccessLog, parseThrottle } from "./definitions.js";
import { httpApiError } from "./errors.js";
import { type HttpApiDocument, newId, type StageRecord, snapshotOf, type ThrottleSettings } from "./model.js";
import { parseRouteKey } from "./route-match.js";
import { page, WireInput } from "./wire-input.js";
import { deploymentToWire, stageToWire } from "./wire-output.js";

const STAGE_NAME = /^(\$default|[A-Za-z0-9_-]{1,128})$/;
const VARIABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const VARIABLE_VALUE = /^[A-Za-z0-9-._~:/?#&=,]{0,512}$/;

/** Stages (with RouteSettings and AccessLogSettings) and deployments. */
export function addStageRoutes(router: RestRouter, deps: ManagementDeps): void {
  const { service } = deps;

  router.add("POST", "/v2/apis/{ApiId}/stages", async (req, p) => {
    const input = new WireInput(req);
    const stageName = input.required("stageName");
    if (!STAGE_NAME.test(stageName)) throw httpApiError.badRequest(`Invalid stageName ${stageName}.`);
    const apiId = p.ApiId ?? "";
    const stage = await service.mutate(apiId, (doc) => {
      if (doc.stages[stageName]) throw httpApiError.conflict(`Stage ${stageName} already exists`);
      const now = deps.clock.now();
      const base: StageRecord = {
        stageName,
        autoDeploy: false,
        stageVariables: {},
        defaultRouteSettings: {},
        routeSettings: {},
        tags: input.map("tags") ?? {},
        apiGatewayManaged: false,
        createdAt: now,
        updatedAt: now,
      };
      const created = applyStageInput(input, base, doc);
      doc.stages[stageName] = created;
      // An AutoDeploy stage starts serving the current definitions at once.
      return { doc, value: created, definitionsChanged: created.autoDeploy };
    });
    deps.onChange(apiId);
    return jsonResult(201, stageToWire(stage));
  });
  router.add("GET", "/v2/apis/{ApiId}/stages", async (req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const result = page(Object.values(doc.stages), (s) => s.stageName, req);
    return jsonResult(200, { items: result.items.map(stageToWire), nextToken: result.nextToken });
  });
  router.add("GET", "/v2/apis/{ApiId}/stages/{StageName}", async (_req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    return jsonResult(200, stageToWire(stageOf(doc, p.StageName)));
  });
  router.add("PATCH", "/v2/apis/{ApiId}/stages/{StageName}", async (req, p) => {
    const input = new WireInput(req);
    const apiId = p.ApiId ?? "";
    const stage = await service.mutate(apiId, (doc) => {
      const current = stageOf(doc, p.StageName);
      const updated = applyStageInput(input, { ...current, updatedAt: deps.clock.now() }, doc);
      doc.stages[updated.stageName] = updated;
      return { doc, value: updated, definitionsChanged: updated.autoDeploy && !current.autoDeploy };
    });
    deps.onChange(apiId);
    return jsonResult(200, stageToWire(stage));
  });
  router.add("DELETE", "/v2/apis/{ApiId}/stages/{StageName}", async (_req, p) => {
    const apiId = p.ApiId ?? "";
    await service.mutate(apiId, (doc) => {
      const stage = stageOf(doc, p.StageName);
      delete doc.stages[stage.stageName];
      return { doc, value: undefined };
    });
    deps.onChange(apiId);
    return jsonResult(204, undefined);
  });
  router.add("DELETE", "/v2/apis/{ApiId}/stages/{StageName}/routesettings/{RouteKey}", async (_req, p) => {
    const apiId = p.ApiId ?? "";
    await service.mutate(apiId, (doc) => {
      const stage = stageOf(doc, p.StageName);
      const key = p.RouteKey ?? "";
      if (!stage.routeSettings[key]) throw httpApiError.notFound("RouteSettings", key);
      delete stage.routeSettings[key];
      return { doc, value: undefined };
    });
    deps.onChange(apiId);
    return jsonResult(204, undefined);
  });
  router.add("DELETE", "/v2/apis/{ApiId}/stages/{StageName}/accesslogsettings", async (_req, p) => {
    const apiId = p.ApiId ?? "";
    await service.mutate(apiId, (doc) => {
      delete stageOf(doc, p.StageName).accessLogSettings;
      return { doc, value: undefined };
    });
    deps.onChange(apiId);
    return jsonResult(204, undefined);
  });
  router.add("DELETE", "/v2/apis/{ApiId}/stages/{StageName}/cache/authorizers", async (_req, p) => {
    stageOf(await service.get(p.ApiId ?? ""), p.StageName);
    // Cached Lambda authorizer results are kept per API: dropping them resets every stage's.
    deps.onChange(p.ApiId ?? "");
    return jsonResult(204, undefined);
  });

  router.add("POST", "/v2/apis/{ApiId}/deployments", async (req, p) => {
    const input = new WireInput(req);
    const stageName = input.str("stageName");
    const description = input.str("description");
    const apiId = p.ApiId ?? "";
    const deployment = await service.mutate(apiId, (doc) => {
      const stage = stageName === undefined ? undefined : stageOf(doc, stageName);
      if (stage?.autoDeploy) {
        throw httpApiError.badRequest(
          `Stage ${stage.stageName} has AutoDeploy enabled: it deploys every change itself.`,
        );
      }
      const deploymentId = newId(6);
      const now = deps.clock.now();
      const info = {
        deploymentId,
        autoDeployed: false,
        createdAt: now,
        ...(description ? { description } : {}),
      };
      doc.deployments[deploymentId] = info;
      if (stage) {
        stage.deploymentId = deploymentId;
        stage.updatedAt = now;
        stage.lastDeploymentStatusMessage = `Successfully deployed stage with deployment ID '${deploymentId}'`;
      }
      return { doc, value: info, newDeployment: { apiId, deploymentId, snapshot: snapshotOf(doc) } };
    });
    deps.onChange(apiId);
    return jsonResult(201, deploymentToWire(deployment));
  });
  router.add("GET", "/v2/apis/{ApiId}/deployments", async (req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const result = page(Object.values(doc.deployments), (d) => d.deploymentId, req);
    return jsonResult(200, { items: result.items.map(deploymentToWire), nextToken: result.nextToken });
  });
  router.add("GET", "/v2/apis/{ApiId}/deployments/{DeploymentId}", async (_req, p) => {
    const doc = await service.get(p.ApiId ?? "");
    const deployment = doc.deployments[p.DeploymentId ?? ""];
    if (!deployment) throw httpApiError.notFound("Deployment", p.DeploymentId ?? "");
    return jsonResult(200, deploymentToWire(deployment));
  });
  router.add("PATCH", "/v2/apis/{ApiId}/deployments/{DeploymentId}", async (req, p) => {
    const input = new WireInput(req);
    const deployment = await service.mutate(p.ApiId ?? "", (doc) => {
      const found = doc.deployments[p.DeploymentId ?? ""];
      if (!found) throw httpApiError.notFound("Deployment", p.DeploymentId ?? "");
      const description = input.str("description");
      if (description !== undefined) found.description = description;
      return { doc, value: found };
    });
    return jsonResult(200, deploymentToWire(deployment));
  });
  router.add("DELETE", "/v2/apis/{ApiId}/deployments/{DeploymentId}", async (_req, p) => {
    const id = p.DeploymentId ?? "";
    await service.mutate(p.ApiId ?? "", (doc) => {
      if (!doc.deployments[id]) throw httpApiError.notFound("Deployment", id);
      if (Object.values(doc.stages).some((s) => s.deploymentId === id)) {
        throw httpApiError.badRequest("Active stages pointing to this deployment must be moved or deleted");
      }
      delete doc.deployments[id];
      return { doc, value: undefined, deleteDeployments: [id] };
    });
    return jsonResult(204, undefined);
  });
}

function stageOf(doc: HttpApiDocument, name: string | undefined): StageRecord {
  const stage = doc.stages[name ?? ""];
  if (!stage) throw httpApiError.notFound("Stage", name ?? "");
  return stage;
}

/** CreateStage / UpdateStage members applied to `base`; route settings merge by route key. */
function applyStageInput(input: WireInput, base: StageRecord, doc: HttpApiDocument): StageRecord {
  input.refuse("clientCertificateId");
  const out: StageRecord = { ...base, routeSettings: { ...base.routeSettings } };
  const autoDeploy = input.bool("autoDeploy");
  if (autoDeploy !== undefined) out.autoDeploy = autoDeploy;
  const description = input.str("description");
  if (description !== undefined) out.description = description;
  const deploymentId = input.str("deploymentId");
  if (deploymentId !== undefined) {
    if (!doc.deployments[deploymentId])
      throw httpApiError.badRequest(`Invalid deployment identifier specified ${deploymentId}`);
    out.deploymentId = deploymentId;
  }
  const variables = input.map("stageVariables");
  if (variables) {
    for (const [name, value] of Object.entries(variables)) {
      if (!VARIABLE_NAME.test(name)) throw httpApiError.badRequest(`Invalid stage variable name ${name}.`);
      if (!VARIABLE_VALUE.test(value))
        throw httpApiError.badRequest(`Invalid value for stage variable ${name}.`);
    }
    out.stageVariables = variables;
  }
  if (input.has("defaultRouteSettings")) {
    out.defaultRouteSettings = parseThrottle(input.body.defaultRouteSettings, "defaultRouteSettings");
  }
  const routeSettings = input.object("routeSettings");
  if (routeSettings) {
    for (const [routeKey, value] of Object.entries(routeSettings)) {
      if (typeof parseRouteKey(routeKey) === "string")
        throw httpApiError.badRequest(`Invalid route key ${routeKey} in routeSettings.`);
      if (!Object.values(doc.routes).some((r) => r.routeKey === routeKey)) {
        throw httpApiError.notFound("Route key", routeKey);
      }
      const settings: ThrottleSettings = parseThrottle(value, `routeSettings.${routeKey}`);
      out.routeSettings[routeKey] = settings;
    }
  }
  const accessLog = parseAccessLog(input.object("accessLogSettings"));
  if (accessLog) out.accessLogSettings = accessLog;
  return out;
}
