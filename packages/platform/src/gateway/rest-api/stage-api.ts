import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import { badRequest } from "./errors.js";
import type { KeyService } from "./key-service.js";
import { patchOps } from "./rest-api-api.js";
import type { StageService } from "./stage-service.js";
import { apiKeyOut, deploymentOut, page, read, stageOut, usagePlanOut } from "./wire.js";

/** API Gateway v1 operations on deployments, stages, API keys and usage plans. */
export function addStageRoutes(router: RestRouter, stages: StageService, keys: KeyService): void {
  router
    .add("POST", "/restapis/{restApiId}/deployments", async (req, p) => {
      const body = readJsonBody(req);
      read.refuse(body, {
        cacheClusterEnabled: "stage caches",
        cacheClusterSize: "stage caches",
        tracingEnabled: "X-Ray tracing",
      });
      const canary = read.obj(body, "canarySettings");
      if (canary) read.refuse(canary, { useStageCache: "stage caches" });
      const deployment = await stages.createDeployment(p.restApiId ?? "", {
        stageName: read.str(body, "stageName"),
        stageDescription: read.str(body, "stageDescription"),
        description: read.str(body, "description"),
        variables: read.map<string>(body, "variables", "string"),
        canarySettings: canary && {
          percentTraffic: read.num(canary, "percentTraffic") ?? 0,
          stageVariableOverrides: read.map<string>(canary, "stageVariableOverrides", "string") ?? {},
        },
      });
      return jsonResult(201, deploymentOut(deployment));
    })
    .add("GET", "/restapis/{restApiId}/deployments", async (req, p) =>
      jsonResult(200, page((await stages.deployments(p.restApiId ?? "")).map(deploymentOut), req.query)),
    )
    .add("GET", "/restapis/{restApiId}/deployments/{deploymentId}", async (_req, p) =>
      jsonResult(200, deploymentOut(await stages.deployment(p.restApiId ?? "", p.deploymentId ?? ""))),
    )
    .add("DELETE", "/restapis/{restApiId}/deployments/{deploymentId}", async (_req, p) => {
      await stages.deleteDeployment(p.restApiId ?? "", p.deploymentId ?? "");
      return jsonResult(202, undefined);
    })
    .add("POST", "/restapis/{restApiId}/stages", async (req, p) => {
      const body = readJsonBody(req);
      read.refuse(body, {
        cacheClusterEnabled: "stage caches",
        cacheClusterSize: "stage caches",
        documentationVersion: "documentation versions",
        tracingEnabled: "X-Ray tracing",
      });
      const canary = read.obj(body, "canarySettings");
      if (canary) read.refuse(canary, { useStageCache: "stage caches" });
      const deploymentId = read.str(canary ?? {}, "deploymentId");
      const stage = await stages.createStage(p.restApiId ?? "", {
        stageName: read.required(body, "stageName"),
        deploymentId: read.required(body, "deploymentId"),
        description: read.str(body, "description"),
        variables: read.map<string>(body, "variables", "string"),
        tracingEnabled: read.bool(body, "tracingEnabled"),
        tags: read.map<string>(body, "tags", "string"),
        canarySettings: canary && {
          percentTraffic: read.num(canary, "percentTraffic") ?? 0,
          ...(deploymentId !== undefined ? { deploymentId } : {}),
          stageVariableOverrides: read.map<string>(canary, "stageVariableOverrides", "string") ?? {},
        },
      });
      return jsonResult(201, stageOut(stage));
    })
    .add("GET", "/restapis/{restApiId}/stages", async (_req, p) =>
      jsonResult(200, { item: (await stages.stages(p.restApiId ?? "")).map(stageOut) }),
    )
    .add("GET", "/restapis/{restApiId}/stages/{stageName}", async (_req, p) =>
      jsonResult(200, stageOut(await stages.stage(p.restApiId ?? "", p.stageName ?? ""))),
    )
    .add("PATCH", "/restapis/{restApiId}/stages/{stageName}", async (req, p) =>
      jsonResult(
        200,
        stageOut(await stages.updateStage(p.restApiId ?? "", p.stageName ?? "", patchOps(readJsonBody(req)))),
      ),
    )
    .add("DELETE", "/restapis/{restApiId}/stages/{stageName}", async (_req, p) => {
      await stages.deleteStage(p.restApiId ?? "", p.stageName ?? "");
      return jsonResult(202, undefined);
    })
    .add("POST", "/apikeys", async (req) => {
      const body = readJsonBody(req);
      read.refuse(body, { generateDistinctId: "generateDistinctId" });
      const stageKeys = body.stageKeys;
      if (stageKeys !== undefined && !Array.isArray(stageKeys)) throw badRequest("stageKeys must be a list");
      for (const item of stageKeys ?? []) {
        const sk = item as Record<string, unknown> | null;
        if (
          typeof sk !== "object" ||
          sk === null ||
          (sk.restApiId !== undefined && typeof sk.restApiId !== "string") ||
          (sk.stageName !== undefined && typeof sk.stageName !== "string")
        )
          throw badRequest("stageKeys items are {restApiId, stageName} strings");
      }
      const key = await keys.createApiKey({
        name: read.str(body, "name"),
        description: read.str(body, "description"),
        enabled: read.bool(body, "enabled"),
        value: read.str(body, "value"),
        customerId: read.str(body, "customerId"),
        stageKeys: stageKeys as { restApiId?: string; stageName?: string }[] | undefined,
        tags: read.map<string>(body, "tags", "string"),
      });
      return jsonResult(201, apiKeyOut(key, true));
    })
    .add("GET", "/apikeys", async (req) => {
      const includeValues = req.query.get("includeValues") === "true";
      const nameQuery = req.query.get("name");
      const all = (await keys.apiKeys()).filter((k) => nameQuery === null || k.name.startsWith(nameQuery));
      return jsonResult(
        200,
        page(
          all.map((k) => apiKeyOut(k, includeValues)),
          req.query,
        ),
      );
    })
    .add("GET", "/apikeys/{apiKey}", async (req, p) =>
      jsonResult(200, apiKeyOut(await keys.apiKey(p.apiKey ?? ""), req.query.get("includeValue") === "true")),
    )
    .add("PATCH", "/apikeys/{apiKey}", async (req, p) =>
      jsonResult(200, apiKeyOut(await keys.updateApiKey(p.apiKey ?? "", patchOps(readJsonBody(req))), false)),
    )
    .add("DELETE", "/apikeys/{apiKey}", async (_req, p) => {
      await keys.deleteApiKey(p.apiKey ?? "");
      return jsonResult(202, undefined);
    })
    .add("POST", "/usageplans", async (req) => {
      const body = readJsonBody(req);
      const apiStages = body.apiStages;
      if (apiStages !== undefined && !Array.isArray(apiStages)) throw badRequest("apiStages must be a list");
      const throttle = read.obj(body, "throttle");
      const quota = read.obj(body, "quota");
      const burstLimit = throttle && read.num(throttle, "burstLimit");
      const rateLimit = throttle && read.num(throttle, "rateLimit");
      const plan = await keys.createUsagePlan({
        name: read.required(body, "name"),
        description: read.str(body, "description"),
        apiStages: apiStages as { apiId?: string; stage?: string }[] | undefined,
        throttle: throttle && {
          ...(burstLimit !== undefined ? { burstLimit } : {}),
          ...(rateLimit !== undefined ? { rateLimit } : {}),
        },
        quota: quota && (quota as { limit?: number; offset?: number; period?: string }),
        tags: read.map<string>(body, "tags", "string"),
      });
      return jsonResult(201, usagePlanOut(plan));
    })
    .add("GET", "/usageplans", async (req) =>
      jsonResult(200, page((await keys.usagePlans()).map(usagePlanOut), req.query)),
    )
    .add("GET", "/usageplans/{usagePlanId}", async (_req, p) =>
      jsonResult(200, usagePlanOut(await keys.usagePlan(p.usagePlanId ?? ""))),
    )
    .add("DELETE", "/usageplans/{usagePlanId}", async (_req, p) => {
      await keys.deleteUsagePlan(p.usagePlanId ?? "");
      return jsonResult(202, undefined);
    })
    .add("POST", "/usageplans/{usagePlanId}/keys", async (req, p) => {
      const body = readJsonBody(req);
      const key = await keys.addKey(
        p.usagePlanId ?? "",
        read.required(body, "keyId"),
        read.required(body, "keyType"),
      );
      return jsonResult(201, { id: key.id, type: "API_KEY", value: key.value, name: key.name });
    })
    .add("GET", "/usageplans/{usagePlanId}/keys", async (req, p) => {
      const plan = await keys.usagePlan(p.usagePlanId ?? "");
      const out = [];
      for (const keyId of plan.keyIds) {
        const key = await keys.apiKey(keyId);
        out.push({ id: key.id, type: "API_KEY", value: key.value, name: key.name });
      }
      return jsonResult(200, page(out, req.query));
    })
    .add("DELETE", "/usageplans/{usagePlanId}/keys/{keyId}", async (_req, p) => {
      await keys.removeKey(p.usagePlanId ?? "", p.keyId ?? "");
      return jsonResult(202, undefined);
    })
    .add("GET", "/usageplans/{usagePlanId}/usage", async (req, p) => {
      const startDate = req.query.get("startDate");
      const endDate = req.query.get("endDate");
      if (!startDate || !endDate) throw badRequest("startDate and endDate are required");
      const items = await keys.usage(
        p.usagePlanId ?? "",
        startDate,
        endDate,
        req.query.get("keyId") ?? undefined,
      );
      return jsonResult(200, { usagePlanId: p.usagePlanId, startDate, endDate, values: items });
    });
}
