import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { badRequest, conflict, notFound, unsupported } from "./errors.js";
import type { ApiKeyDoc, QuotaDoc, ThrottleDoc, UsagePlanDoc } from "./model.js";
import { newGatewayId, type RestApiStore } from "./rest-api-store.js";
import type { UsageMeter } from "./usage-meter.js";

export interface CreateApiKeyInput {
  name?: string | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
  value?: string | undefined;
  customerId?: string | undefined;
  stageKeys?: { restApiId?: string; stageName?: string }[] | undefined;
  tags?: Record<string, string> | undefined;
}

export interface CreateUsagePlanInput {
  name: string;
  description?: string | undefined;
  apiStages?: { apiId?: string; stage?: string; throttle?: unknown }[] | undefined;
  throttle?: ThrottleDoc | undefined;
  quota?: { limit?: number; offset?: number; period?: string } | undefined;
  tags?: Record<string, string> | undefined;
}

/** API keys and usage plans (the plans' throttles and quotas are applied by the data plane). */
export class KeyService {
  constructor(
    private readonly store: RestApiStore,
    private readonly meter: UsageMeter,
    private readonly clock: Clock,
  ) {}

  async createApiKey(input: CreateApiKeyInput): Promise<ApiKeyDoc> {
    const value = input.value ?? randomBytes(30).toString("base64url").slice(0, 40);
    if (value.length < 20 || value.length > 128)
      throw badRequest("API Key value should be at least 20 characters");
    if (await this.store.apiKeyByValue(value)) throw conflict("API Key already exists");
    const stageKeys: string[] = [];
    for (const sk of input.stageKeys ?? []) {
      const id = await this.checkedStageKey(sk.restApiId ?? "", sk.stageName ?? "");
      if (!stageKeys.includes(id)) stageKeys.push(id);
    }
    const now = this.clock.now();
    const key: ApiKeyDoc = {
      id: newGatewayId(),
      value,
      name: input.name ?? value.slice(0, 10),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.customerId !== undefined ? { customerId: input.customerId } : {}),
      enabled: input.enabled ?? false,
      createdAt: now,
      lastUpdatedAt: now,
      stageKeys,
      tags: input.tags ?? {},
    };
    await this.store.putApiKey(key, true);
    return key;
  }

  async apiKey(id: string): Promise<ApiKeyDoc> {
    const key = await this.store.apiKey(id);
    if (!key) throw notFound("Invalid API Key identifier specified");
    return key;
  }

  apiKeys(): Promise<ApiKeyDoc[]> {
    return this.store.apiKeys();
  }

  /**
   * UpdateApiKey: replace `/enabled`, `/name`, `/description`, `/customerId`; add or remove
   * `/stages` with the value `<restApiId>/<stageName>`.
   */
  async updateApiKey(
    id: string,
    ops: { op: string; path: string; value?: string | undefined }[],
  ): Promise<ApiKeyDoc> {
    const key = structuredClone(await this.apiKey(id));
    for (const { op, path, value } of ops) {
      if ((op === "add" || op === "remove") && path === "/stages") {
        const slash = (value ?? "").indexOf("/");
        if (!value || slash <= 0 || slash === value.length - 1)
          throw badRequest(`Invalid stage key ${String(value)}: use <restApiId>/<stageName>`);
        if (op === "add") {
          const stageKey = await this.checkedStageKey(value.slice(0, slash), value.slice(slash + 1));
          if (!key.stageKeys.includes(stageKey)) key.stageKeys.push(stageKey);
        } else {
          // Removing a stage key the API key does not have changes nothing; the stage itself
          // need not exist any more (AWS's answer for an absent one is not documented).
          key.stageKeys = key.stageKeys.filter((k) => k !== value);
        }
        continue;
      }
      if (op !== "replace") throw unsupported(`patch operation ${op} ${path} on an API key`);
      if (path === "/enabled") key.enabled = value === "true";
      else if (path === "/name" && value) key.name = value;
      else if (path === "/description") key.description = value ?? "";
      else if (path === "/customerId") key.customerId = value ?? "";
      else throw unsupported(`the API key patch path ${path}`);
    }
    key.lastUpdatedAt = this.clock.now();
    await this.store.putApiKey(key, false);
    return key;
  }

  /**
   * A stage key `<restApiId>/<stageName>` naming an existing stage. AWS fails such a key with
   * "Invalid stage identifier specified" (seen in CloudFormation events of AWS::ApiGateway::ApiKey);
   * that it is a BadRequestException (400), as for other stages named in a request body, is our
   * reading: AWS documents neither.
   */
  private async checkedStageKey(restApiId: string, stageName: string): Promise<string> {
    if (!restApiId || !stageName) throw badRequest("A stage key needs restApiId and stageName");
    if (!(await this.store.stage(restApiId, stageName)))
      throw badRequest("Invalid stage identifier specified");
    return `${restApiId}/${stageName}`;
  }

  async deleteApiKey(id: string): Promise<void> {
    const key = await this.apiKey(id);
    for (const plan of await this.store.usagePlans()) {
      if (plan.keyIds.includes(id)) {
        const found = await this.store.usagePlan(plan.id);
        if (found)
          await this.store.putUsagePlan(
            { ...found.doc, keyIds: found.doc.keyIds.filter((k) => k !== id) },
            found.revision,
          );
      }
    }
    await this.store.deleteApiKey(key);
  }

  async createUsagePlan(input: CreateUsagePlanInput): Promise<UsagePlanDoc> {
    const apiStages: UsagePlanDoc["apiStages"] = [];
    for (const s of input.apiStages ?? []) {
      if (!s.apiId || !s.stage) throw badRequest("apiStages need apiId and stage");
      const stage = await this.store.stage(s.apiId, s.stage);
      if (!stage) throw badRequest(`Invalid stage identifier specified: ${s.apiId}/${s.stage}`);
      const throttle = methodThrottles(s.throttle);
      apiStages.push({ apiId: s.apiId, stage: s.stage, ...(throttle ? { throttle } : {}) });
    }
    const plan: UsagePlanDoc = {
      id: newGatewayId().slice(0, 6),
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      apiStages,
      ...(input.throttle ? { throttle: checkThrottle(input.throttle) } : {}),
      ...(input.quota ? { quota: checkQuota(input.quota) } : {}),
      tags: input.tags ?? {},
      keyIds: [],
    };
    await this.store.putUsagePlan(plan, "absent");
    return plan;
  }

  async usagePlan(id: string): Promise<UsagePlanDoc> {
    const found = await this.store.usagePlan(id);
    if (!found) throw notFound("Invalid Usage Plan ID specified");
    return found.doc;
  }

  usagePlans(): Promise<UsagePlanDoc[]> {
    return this.store.usagePlans();
  }

  /**
   * UpdateUsagePlan: `/name`, `/description`, `/apiStages` (add/remove `<api-id>:<stage>`),
   * `/throttle/burstLimit|rateLimit`, `/quota/limit|period` and remove `/throttle` or `/quota`.
   */
  async updateUsagePlan(
    id: string,
    ops: { op: string; path: string; value?: string | undefined }[],
  ): Promise<UsagePlanDoc> {
    const found = await this.store.usagePlan(id);
    if (!found) throw notFound("Invalid Usage Plan ID specified");
    const plan = structuredClone(found.doc);
    for (const { op, path, value } of ops) {
      const number = Number(value);
      if (op === "replace" && path === "/name" && value) plan.name = value;
      else if (op === "replace" && path === "/description") plan.description = value ?? "";
      else if ((op === "add" || op === "remove") && path === "/apiStages" && value) {
        const [apiId = "", stage = ""] = value.split(":");
        plan.apiStages = plan.apiStages.filter((s) => s.apiId !== apiId || s.stage !== stage);
        if (op === "add") {
          if (!(await this.store.stage(apiId, stage)))
            throw badRequest(`Invalid stage identifier specified: ${value}`);
          plan.apiStages.push({ apiId, stage });
        }
      } else if (op === "remove" && (path === "/throttle" || path === "/quota")) {
        delete plan[path === "/throttle" ? "throttle" : "quota"];
      } else if (op === "replace" && (path === "/throttle/burstLimit" || path === "/throttle/rateLimit")) {
        if (!Number.isFinite(number) || number < 0)
          throw badRequest(`Invalid value for ${path}: ${String(value)}`);
        plan.throttle = {
          ...plan.throttle,
          [path.endsWith("burstLimit") ? "burstLimit" : "rateLimit"]: number,
        };
      } else if (op === "replace" && path === "/quota/limit") {
        plan.quota = checkQuota({ period: "DAY", ...plan.quota, limit: number });
      } else if (op === "replace" && path === "/quota/period") {
        plan.quota = checkQuota({ limit: 0, ...plan.quota, period: value ?? "" });
      } else throw unsupported(`the usage plan patch operation ${op} ${path}`);
    }
    await this.store.putUsagePlan(plan, found.revision);
    return plan;
  }

  async deleteUsagePlan(id: string): Promise<void> {
    await this.usagePlan(id);
    await this.store.deleteUsagePlan(id);
  }

  async addKey(planId: string, keyId: string, keyType: string): Promise<ApiKeyDoc> {
    if (keyType !== "API_KEY") throw badRequest(`Invalid key type: ${keyType}`);
    const found = await this.store.usagePlan(planId);
    if (!found) throw notFound("Invalid Usage Plan ID specified");
    const key = await this.apiKey(keyId);
    if (found.doc.keyIds.includes(keyId)) throw conflict("Usage Plan already contains the key");
    // A key may belong to one plan per API stage, as API Gateway enforces.
    for (const other of await this.store.usagePlans()) {
      if (other.id === planId || !other.keyIds.includes(keyId)) continue;
      const shared = other.apiStages.find((a) =>
        found.doc.apiStages.some((b) => a.apiId === b.apiId && a.stage === b.stage),
      );
      if (shared)
        throw conflict(
          `Usage Plan ${other.id} cannot be added because API Key ${keyId} is already in a usage plan for stage ${shared.apiId}:${shared.stage}`,
        );
    }
    await this.store.putUsagePlan({ ...found.doc, keyIds: [...found.doc.keyIds, keyId] }, found.revision);
    return key;
  }

  async removeKey(planId: string, keyId: string): Promise<void> {
    const found = await this.store.usagePlan(planId);
    if (!found) throw notFound("Invalid Usage Plan ID specified");
    if (!found.doc.keyIds.includes(keyId)) throw notFound("Invalid Usage Plan Key identifier specified");
    await this.store.putUsagePlan(
      { ...found.doc, keyIds: found.doc.keyIds.filter((k) => k !== keyId) },
      found.revision,
    );
  }

  /** GetUsage: requests per key per day between two dates (`YYYY-MM-DD`), as [used, remaining]. */
  async usage(
    planId: string,
    startDate: string,
    endDate: string,
    keyId?: string,
  ): Promise<Record<string, [number, number][]>> {
    const plan = await this.usagePlan(planId);
    const days: string[] = [];
    for (
      let t = Date.parse(`${startDate}T00:00:00Z`);
      t <= Date.parse(`${endDate}T00:00:00Z`);
      t += 86_400_000
    ) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    if (Number.isNaN(Date.parse(`${startDate}T00:00:00Z`)) || days.length === 0 || days.length > 90) {
      throw badRequest("Invalid date range: startDate and endDate are YYYY-MM-DD, at most 90 days apart");
    }
    const items: Record<string, [number, number][]> = {};
    for (const id of plan.keyIds) {
      if (keyId !== undefined && id !== keyId) continue;
      const quotaKey = usageKey(plan.id, id);
      const used = this.meter.usedPerDay(quotaKey);
      const remaining = plan.quota ? this.meter.remaining(quotaKey, plan.quota) : 0;
      items[id] = days.map((d) => [used.get(d) ?? 0, remaining]);
    }
    return items;
  }
}

/** The meter key of a usage plan's quota or throttle for one API key. */
export function usageKey(planId: string, keyId: string): string {
  return `plan/${planId}/${keyId}`;
}

function checkThrottle(t: ThrottleDoc): ThrottleDoc {
  if ((t.burstLimit !== undefined && t.burstLimit < 0) || (t.rateLimit !== undefined && t.rateLimit < 0)) {
    throw badRequest("Throttle limits must not be negative");
  }
  return {
    ...(t.burstLimit !== undefined ? { burstLimit: t.burstLimit } : {}),
    ...(t.rateLimit !== undefined ? { rateLimit: t.rateLimit } : {}),
  };
}

function checkQuota(q: { limit?: number; offset?: number; period?: string }): QuotaDoc {
  if (q.period !== "DAY" && q.period !== "WEEK" && q.period !== "MONTH")
    throw badRequest(`Invalid quota period: ${String(q.period)}`);
  if (q.limit === undefined || q.limit < 0) throw badRequest("Quota limit must be a non-negative number");
  if (q.offset !== undefined && q.offset !== 0)
    throw unsupported("quota offset (windows start at UTC day, Monday and month boundaries)");
  return { limit: q.limit, offset: 0, period: q.period };
}

/** `apiStages[].throttle`: `{"/items/GET": {burstLimit, rateLimit}}`, keyed by resource path and method. */
function methodThrottles(raw: unknown): Record<string, ThrottleDoc> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw badRequest("apiStages throttle must be a map");
  const out: Record<string, ThrottleDoc> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^\/.*\/(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY|\*)$/.test(key)) {
      throw badRequest(`Invalid method throttle key ${key}: use <resource path>/<METHOD>`);
    }
    const t = (value ?? {}) as Record<string, unknown>;
    out[key] = checkThrottle({
      ...(typeof t.burstLimit === "number" ? { burstLimit: t.burstLimit } : {}),
      ...(typeof t.rateLimit === "number" ? { rateLimit: t.rateLimit } : {}),
    });
  }
  return out;
}
