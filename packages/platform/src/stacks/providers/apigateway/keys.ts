import type { ResourceProvider } from "../../model.js";
import {
  checkMembers,
  enc,
  ignoreGone,
  invalid,
  numberOf,
  type Obj,
  objectOf,
  Props,
  scalarText,
  unsupportedMember,
} from "./props.js";

const API_KEY = "AWS::ApiGateway::ApiKey";
const USAGE_PLAN = "AWS::ApiGateway::UsagePlan";
const USAGE_PLAN_KEY = "AWS::ApiGateway::UsagePlanKey";

/**
 * AWS::ApiGateway::ApiKey: CreateApiKey, UpdateApiKey. StageKeys are stored on the key (add and
 * remove `/stages` on update); as in AWS, access is decided by usage plans. Not listed:
 * GenerateDistinctId (deprecated; the API refuses it).
 */
export const apiKeyProvider: ResourceProvider = {
  type: API_KEY,
  properties: ["Name", "Description", "Enabled", "Value", "CustomerId", "StageKeys", "Tags"],
  // Tags: CloudFormation updates them in place; Nimbus has no tagging operation for API keys,
  // so a change makes a new key (with a new value unless Value is given).
  replaceOn: ["Name", "Value", "Tags"],

  async create(ctx, logicalId, properties) {
    const props = new Props(API_KEY, properties);
    const body: Obj = {
      name: props.str("Name") ?? ctx.physicalName(logicalId, { maxLength: 128 }),
      enabled: props.bool("Enabled") ?? false,
      tags: props.tagList(),
    };
    for (const name of ["Description", "Value", "CustomerId"]) {
      const value = props.str(name);
      if (value !== undefined) body[name.charAt(0).toLowerCase() + name.slice(1)] = value;
    }
    const stageKeys = stageKeysOf(props);
    if (stageKeys.length > 0)
      body.stageKeys = stageKeys.map((k) => {
        const slash = k.indexOf("/");
        return { restApiId: k.slice(0, slash), stageName: k.slice(slash + 1) };
      });
    const created = await ctx.api.rest<{ id: string }>("apigateway", "POST", "/apikeys", body);
    return { physicalId: created.id, attributes: { APIKeyId: created.id } };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(API_KEY, properties);
    const wanted = stageKeysOf(props);
    const before = stageKeysOf(new Props(API_KEY, current.properties));
    await ctx.api.rest("apigateway", "PATCH", `/apikeys/${enc(current.physicalId)}`, {
      patchOperations: [
        { op: "replace", path: "/enabled", value: String(props.bool("Enabled") ?? false) },
        { op: "replace", path: "/description", value: props.str("Description") ?? "" },
        { op: "replace", path: "/customerId", value: props.str("CustomerId") ?? "" },
        ...before
          .filter((k) => !wanted.includes(k))
          .map((value) => ({ op: "remove", path: "/stages", value })),
        ...wanted.filter((k) => !before.includes(k)).map((value) => ({ op: "add", path: "/stages", value })),
      ],
    });
    return { physicalId: current.physicalId, attributes: { APIKeyId: current.physicalId } };
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", `/apikeys/${enc(current.physicalId)}`));
  },
};

/** `StageKeys: [{RestApiId, StageName}]` as API Gateway's `<restApiId>/<stageName>` strings. */
export function stageKeysOf(props: Props): string[] {
  const out: string[] = [];
  (props.list("StageKeys") ?? []).forEach((item, i) => {
    const where = `StageKeys[${i}]`;
    const k = objectOf(item, API_KEY, where) ?? {};
    checkMembers(API_KEY, where, k, ["RestApiId", "StageName"]);
    const restApiId = scalarText(k.RestApiId, API_KEY, `${where}.RestApiId`);
    const stageName = scalarText(k.StageName, API_KEY, `${where}.StageName`);
    // Both members are optional in the CloudFormation schema, but a stage key names one stage.
    if (!restApiId || !stageName) throw invalid(API_KEY, where, "needs RestApiId and StageName");
    const key = `${restApiId}/${stageName}`;
    if (!out.includes(key)) out.push(key);
  });
  return out;
}

/**
 * AWS::ApiGateway::UsagePlan: CreateUsagePlan, UpdateUsagePlan (name, description, throttle,
 * quota).
 */
export const usagePlanProvider: ResourceProvider = {
  type: USAGE_PLAN,
  properties: ["UsagePlanName", "Description", "ApiStages", "Quota", "Throttle", "Tags"],
  // CloudFormation updates both in place. Nimbus cannot patch a stage's per-method throttles in
  // a plan, nor tags: a change makes a new plan, and its UsagePlanKeys follow the new id.
  replaceOn: ["ApiStages", "Tags"],

  async create(ctx, logicalId, properties) {
    const props = new Props(USAGE_PLAN, properties);
    const throttle = throttleOf(props.values.Throttle, "Throttle");
    const quota = quotaOf(props.values.Quota);
    const description = props.str("Description");
    const created = await ctx.api.rest<{ id: string }>("apigateway", "POST", "/usageplans", {
      name: props.str("UsagePlanName") ?? ctx.physicalName(logicalId),
      ...(description !== undefined ? { description } : {}),
      apiStages: (props.list("ApiStages") ?? []).map(apiStageOf),
      ...(throttle ? { throttle } : {}),
      ...(quota ? { quota } : {}),
      tags: props.tagList(),
    });
    return { physicalId: created.id, attributes: { Id: created.id } };
  },

  async update(ctx, logicalId, current, properties) {
    const props = new Props(USAGE_PLAN, properties);
    const before = new Props(USAGE_PLAN, current.properties);
    const ops: { op: string; path: string; value?: string }[] = [
      { op: "replace", path: "/name", value: props.str("UsagePlanName") ?? ctx.physicalName(logicalId) },
      { op: "replace", path: "/description", value: props.str("Description") ?? "" },
    ];
    const throttle = throttleOf(props.values.Throttle, "Throttle");
    if (!throttle) {
      if (before.has("Throttle")) ops.push({ op: "remove", path: "/throttle" });
    } else {
      for (const [name, value] of Object.entries(throttle))
        ops.push({ op: "replace", path: `/throttle/${name}`, value: String(value) });
    }
    const quota = quotaOf(props.values.Quota);
    if (!quota) {
      if (before.has("Quota")) ops.push({ op: "remove", path: "/quota" });
    } else {
      if (quota.offset) throw unsupportedMember(USAGE_PLAN, "Quota.Offset (windows start at UTC boundaries)");
      ops.push({ op: "replace", path: "/quota/period", value: String(quota.period) });
      ops.push({ op: "replace", path: "/quota/limit", value: String(quota.limit) });
    }
    await ctx.api.rest("apigateway", "PATCH", `/usageplans/${enc(current.physicalId)}`, {
      patchOperations: ops,
    });
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", `/usageplans/${enc(current.physicalId)}`));
  },
};

function apiStageOf(item: unknown, i: number): Obj {
  const where = `ApiStages[${i}]`;
  const s = objectOf(item, USAGE_PLAN, where) ?? {};
  checkMembers(USAGE_PLAN, where, s, ["ApiId", "Stage", "Throttle"]);
  const apiId = scalarText(s.ApiId, USAGE_PLAN, `${where}.ApiId`);
  const stage = scalarText(s.Stage, USAGE_PLAN, `${where}.Stage`);
  if (!apiId || !stage) throw invalid(USAGE_PLAN, where, "needs ApiId and Stage");
  const throttles = objectOf(s.Throttle, USAGE_PLAN, `${where}.Throttle`);
  const throttle: Obj = {};
  for (const [method, value] of Object.entries(throttles ?? {})) {
    throttle[method] = throttleOf(value, `${where}.Throttle.${method}`) ?? {};
  }
  return { apiId, stage, ...(throttles ? { throttle } : {}) };
}

function throttleOf(value: unknown, where: string): { burstLimit?: number; rateLimit?: number } | undefined {
  const t = objectOf(value, USAGE_PLAN, where);
  if (!t) return undefined;
  checkMembers(USAGE_PLAN, where, t, ["BurstLimit", "RateLimit"]);
  const burstLimit = numberOf(t.BurstLimit, USAGE_PLAN, `${where}.BurstLimit`);
  const rateLimit = numberOf(t.RateLimit, USAGE_PLAN, `${where}.RateLimit`);
  return {
    ...(burstLimit !== undefined ? { burstLimit } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
  };
}

function quotaOf(value: unknown): { limit: number; period: string; offset?: number } | undefined {
  const q = objectOf(value, USAGE_PLAN, "Quota");
  if (!q) return undefined;
  checkMembers(USAGE_PLAN, "Quota", q, ["Limit", "Period", "Offset"]);
  const limit = numberOf(q.Limit, USAGE_PLAN, "Quota.Limit");
  const period = scalarText(q.Period, USAGE_PLAN, "Quota.Period");
  if (limit === undefined || !period) throw invalid(USAGE_PLAN, "Quota", "needs Limit and Period");
  const offset = numberOf(q.Offset, USAGE_PLAN, "Quota.Offset");
  return { limit, period, ...(offset !== undefined ? { offset } : {}) };
}

/** AWS::ApiGateway::UsagePlanKey: CreateUsagePlanKey. Every property replaces it. */
export const usagePlanKeyProvider: ResourceProvider = {
  type: USAGE_PLAN_KEY,
  properties: ["KeyId", "KeyType", "UsagePlanId"],
  required: ["KeyId", "KeyType", "UsagePlanId"],
  replaceOn: ["KeyId", "KeyType", "UsagePlanId"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(USAGE_PLAN_KEY, properties);
    const planId = props.required("UsagePlanId");
    const keyId = props.required("KeyId");
    await ctx.api.rest("apigateway", "POST", `/usageplans/${enc(planId)}/keys`, {
      keyId,
      keyType: props.required("KeyType"),
    });
    // Ref is `<key id>:<usage plan id>` (CloudFormation's form); the Id attribute is the key's id.
    return { physicalId: `${keyId}:${planId}`, attributes: { Id: keyId } };
  },

  // Every property is in replaceOn: an update never changes anything here.
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, _logicalId, current) {
    const props = new Props(USAGE_PLAN_KEY, current.properties);
    const planId = props.str("UsagePlanId");
    const keyId = props.str("KeyId");
    if (!planId || !keyId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/usageplans/${enc(planId)}/keys/${enc(keyId)}`),
    );
  },
};

/**
 * AWS::ApiGateway::Account: the account's CloudWatch Logs role. Recorded only: Nimbus writes
 * access logs without a role and does not evaluate IAM.
 */
export const accountProvider: ResourceProvider = {
  type: "AWS::ApiGateway::Account",
  properties: ["CloudWatchRoleArn"],
  recordedOnly: true,

  async create(ctx, logicalId) {
    const id = ctx.physicalName(logicalId);
    return { physicalId: id, attributes: { Id: id } };
  },

  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete() {},
};
