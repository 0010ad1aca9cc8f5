import type { ProviderContext, ProvisionResult, ResolvedProperties, ResourceProvider } from "../../model.js";
import {
  boolOf,
  changed,
  checkMembers,
  enc,
  ignoreGone,
  isGone,
  numberOf,
  type Obj,
  Props,
  scalarText,
  stringMap,
  unsupportedMember,
  updateUnsupported,
} from "./props.js";
import {
  accessLog,
  accessLogOps,
  canaryBody,
  canaryOps,
  canarySetting,
  type MethodSetting,
  methodSettingOps,
  methodSettings,
  type PatchOp,
  variableOps,
} from "./stage-settings.js";

const DEPLOYMENT = "AWS::ApiGateway::Deployment";
const STAGE = "AWS::ApiGateway::Stage";

interface StageOut {
  stageName: string;
  deploymentId: string;
  variables?: Record<string, string>;
  tags?: Record<string, string>;
}

/** The parts of a stage's configuration a template sets (Stage properties or a StageDescription). */
interface StageConfig {
  description?: string | undefined;
  variables?: Record<string, string> | undefined;
  methodSettings: MethodSetting[];
  accessLog?: ReturnType<typeof accessLog>;
  canary?: ReturnType<typeof canarySetting>;
  tracingEnabled?: boolean | undefined;
  tags: Record<string, string>;
}

/**
 * AWS::ApiGateway::Deployment: CreateDeployment, and with StageName the stage it creates (or
 * moves to the new deployment) with the StageDescription's settings. An update makes a new
 * deployment, as CloudFormation does (a deployment is a frozen copy of the API), then removes
 * the old one when no stage serves it any more.
 */
export const deploymentProvider: ResourceProvider = {
  type: DEPLOYMENT,
  properties: ["RestApiId", "Description", "StageName", "StageDescription", "DeploymentCanarySettings"],
  required: ["RestApiId"],
  replaceOn: ["RestApiId", "DeploymentCanarySettings"],

  async create(ctx, _logicalId, properties) {
    return createDeployment(ctx, new Props(DEPLOYMENT, properties));
  },

  async update(ctx, logicalId, current, properties) {
    const created = await createDeployment(ctx, new Props(DEPLOYMENT, properties));
    await retireDeployment(ctx, logicalId, current.physicalId, current.properties, properties);
    return created;
  },

  async delete(ctx, logicalId, current) {
    await retireDeployment(ctx, logicalId, current.physicalId, current.properties, undefined);
  },
};

async function createDeployment(ctx: ProviderContext, props: Props): Promise<ProvisionResult> {
  const apiId = props.required("RestApiId");
  const stageName = props.str("StageName");
  const description = props.str("Description");
  const config = props.has("StageDescription")
    ? stageDescription(props.obj("StageDescription") ?? {})
    : { methodSettings: [], tags: {} };
  const canaryValue = props.obj("DeploymentCanarySettings");
  let deploymentId: string;
  if (canaryValue) {
    // A canary deployment on an existing stage (the API refuses it without one).
    checkMembers(
      DEPLOYMENT,
      "DeploymentCanarySettings",
      canaryValue,
      ["PercentTraffic", "StageVariableOverrides"],
      {
        UseStageCache: false,
      },
    );
    const created = await ctx.api.rest<{ id: string }>(
      "apigateway",
      "POST",
      `/restapis/${apiId}/deployments`,
      {
        ...(stageName !== undefined ? { stageName } : {}),
        ...(description !== undefined ? { description } : {}),
        canarySettings: {
          percentTraffic:
            numberOf(canaryValue.PercentTraffic, DEPLOYMENT, "DeploymentCanarySettings.PercentTraffic") ?? 0,
          stageVariableOverrides:
            stringMap(
              canaryValue.StageVariableOverrides,
              DEPLOYMENT,
              "DeploymentCanarySettings.StageVariableOverrides",
            ) ?? {},
        },
      },
    );
    deploymentId = created.id;
    if (stageName !== undefined && props.has("StageDescription"))
      await patchStage(ctx, apiId, stageName, stageConfigOps(undefined, config));
  } else {
    const created = await ctx.api.rest<{ id: string }>(
      "apigateway",
      "POST",
      `/restapis/${apiId}/deployments`,
      {
        ...(description !== undefined ? { description } : {}),
      },
    );
    deploymentId = created.id;
    if (stageName !== undefined) {
      try {
        const existing = await stageOf(ctx, apiId, stageName);
        if (existing) {
          const ops: PatchOp[] = [{ op: "replace", path: "/deploymentId", value: deploymentId }];
          if (props.has("StageDescription"))
            ops.push(
              ...stageConfigOps(
                { methodSettings: [], tags: existing.tags ?? {}, variables: existing.variables ?? {} },
                config,
              ),
            );
          await patchStage(ctx, apiId, stageName, ops);
        } else {
          await createStage(ctx, apiId, stageName, deploymentId, config);
        }
      } catch (error) {
        // The stage could not be made or moved: the new deployment goes again.
        await ignoreGone(() =>
          ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/deployments/${created.id}`),
        );
        throw error;
      }
    }
  }
  return { physicalId: deploymentId, attributes: { DeploymentId: deploymentId } };
}

/**
 * Removes an old deployment: the stage it created goes with it when that stage still serves it
 * and the template no longer names that stage; the deployment goes when no stage serves it.
 */
async function retireDeployment(
  ctx: ProviderContext,
  logicalId: string,
  deploymentId: string,
  before: ResolvedProperties,
  after: ResolvedProperties | undefined,
): Promise<void> {
  const old = new Props(DEPLOYMENT, before);
  const apiId = old.str("RestApiId");
  if (!apiId) return;
  const stageName = old.str("StageName");
  const nextStage = after ? new Props(DEPLOYMENT, after).str("StageName") : undefined;
  if (stageName !== undefined && stageName !== nextStage) {
    const stage = await stageOf(ctx, apiId, stageName);
    if (stage?.deploymentId === deploymentId)
      await ignoreGone(() =>
        ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/stages/${enc(stageName)}`),
      );
  }
  let stages: StageOut[];
  try {
    stages =
      (await ctx.api.rest<{ item?: StageOut[] }>("apigateway", "GET", `/restapis/${apiId}/stages`)).item ??
      [];
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  if (stages.some((s) => s.deploymentId === deploymentId)) {
    // Still served by a stage managed elsewhere (a Stage resource, or by hand): API Gateway
    // refuses to delete it, so it stays with its API (and goes when the API goes).
    ctx.note(logicalId, `kept deployment ${deploymentId}: a stage still serves it`);
    return;
  }
  await ignoreGone(() =>
    ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/deployments/${deploymentId}`),
  );
}

/**
 * AWS::ApiGateway::Stage: CreateStage, then UpdateStage for method settings and access logs.
 * Updates are patch operations; a change of Tags (which API Gateway v1 in Nimbus cannot patch)
 * deletes and re-creates the stage under the same name.
 */
export const stageProvider: ResourceProvider = {
  type: STAGE,
  properties: [
    "RestApiId",
    "StageName",
    "DeploymentId",
    "Description",
    "Variables",
    "MethodSettings",
    "CanarySetting",
    "AccessLogSetting",
    "TracingEnabled",
    "CacheClusterEnabled",
    "Tags",
  ],
  // Nimbus needs a stage name (CloudFormation would generate one).
  required: ["RestApiId", "StageName", "DeploymentId"],
  replaceOn: ["RestApiId", "StageName"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(STAGE, properties);
    const stageName = props.required("StageName");
    await createStage(
      ctx,
      props.required("RestApiId"),
      stageName,
      props.required("DeploymentId"),
      stageProps(props),
    );
    return { physicalId: stageName, attributes: {} };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(STAGE, properties);
    const apiId = props.required("RestApiId");
    const stageName = props.required("StageName");
    const config = stageProps(props);
    if (changed(current.properties, properties, "Tags")) {
      await ignoreGone(() =>
        ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/stages/${enc(stageName)}`),
      );
      await createStage(ctx, apiId, stageName, props.required("DeploymentId"), config);
      return { physicalId: stageName, attributes: {} };
    }
    const before = stageProps(new Props(STAGE, current.properties));
    const ops: PatchOp[] = [];
    if (changed(current.properties, properties, "DeploymentId"))
      ops.push({ op: "replace", path: "/deploymentId", value: props.required("DeploymentId") });
    ops.push(...stageConfigOps(before, config));
    await patchStage(ctx, apiId, stageName, ops);
    return { physicalId: stageName, attributes: {} };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(STAGE, current.properties).str("RestApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/stages/${enc(current.physicalId)}`),
    );
  },
};

function stageProps(props: Props): StageConfig {
  // Nimbus has no stage caches: false (what SAM may pass along) is what it does.
  if (props.bool("CacheClusterEnabled"))
    throw unsupportedMember(STAGE, "CacheClusterEnabled = true (stage caches)");
  return {
    description: props.str("Description"),
    variables: props.strMap("Variables"),
    methodSettings: methodSettings(STAGE, props.values.MethodSettings),
    accessLog: accessLog(STAGE, props.values.AccessLogSetting),
    canary: canarySetting(STAGE, props.values.CanarySetting),
    tracingEnabled: props.bool("TracingEnabled"),
    tags: props.tagList(),
  };
}

const STAGE_DESCRIPTION_MEMBERS = [
  "Description",
  "Variables",
  "MethodSettings",
  "ThrottlingBurstLimit",
  "ThrottlingRateLimit",
  "AccessLogSetting",
  "CanarySetting",
  "TracingEnabled",
  "Tags",
];

/** A Deployment's `StageDescription`; its throttling limits are the `*\/*` method setting. */
function stageDescription(value: Obj): StageConfig {
  const where = "StageDescription";
  checkMembers(DEPLOYMENT, where, value, STAGE_DESCRIPTION_MEMBERS, {
    LoggingLevel: "OFF",
    MetricsEnabled: false,
    DataTraceEnabled: false,
    CachingEnabled: false,
    CacheClusterEnabled: false,
    CacheDataEncrypted: false,
  });
  const settings = methodSettings(DEPLOYMENT, value.MethodSettings, `${where}.MethodSettings`);
  const burst = numberOf(value.ThrottlingBurstLimit, DEPLOYMENT, `${where}.ThrottlingBurstLimit`);
  const rate = numberOf(value.ThrottlingRateLimit, DEPLOYMENT, `${where}.ThrottlingRateLimit`);
  if (burst !== undefined || rate !== undefined) {
    settings.unshift({
      resourcePath: "*",
      httpMethod: "*",
      ...(burst !== undefined ? { burstLimit: burst } : {}),
      ...(rate !== undefined ? { rateLimit: rate } : {}),
    });
  }
  return {
    description: scalarText(value.Description, DEPLOYMENT, `${where}.Description`),
    variables: stringMap(value.Variables, DEPLOYMENT, `${where}.Variables`),
    methodSettings: settings,
    accessLog: accessLog(DEPLOYMENT, value.AccessLogSetting, `${where}.AccessLogSetting`),
    canary: canarySetting(DEPLOYMENT, value.CanarySetting, `${where}.CanarySetting`),
    tracingEnabled: boolOf(value.TracingEnabled, DEPLOYMENT, `${where}.TracingEnabled`),
    tags: new Props(DEPLOYMENT, { Tags: value.Tags }).tagList(),
  };
}

async function stageOf(
  ctx: ProviderContext,
  apiId: string,
  stageName: string,
): Promise<StageOut | undefined> {
  try {
    return await ctx.api.rest<StageOut>("apigateway", "GET", `/restapis/${apiId}/stages/${enc(stageName)}`);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

async function createStage(
  ctx: ProviderContext,
  apiId: string,
  stageName: string,
  deploymentId: string,
  config: StageConfig,
): Promise<void> {
  await ctx.api.rest("apigateway", "POST", `/restapis/${apiId}/stages`, {
    stageName,
    deploymentId,
    ...(config.description !== undefined ? { description: config.description } : {}),
    ...(config.variables ? { variables: config.variables } : {}),
    ...(config.tracingEnabled !== undefined ? { tracingEnabled: config.tracingEnabled } : {}),
    ...(config.canary ? { canarySettings: canaryBody(config.canary) } : {}),
    tags: config.tags,
  });
  const ops = [...methodSettingOps([], config.methodSettings), ...accessLogOps(undefined, config.accessLog)];
  try {
    await patchStage(ctx, apiId, stageName, ops);
  } catch (error) {
    // Settings the API refuses leave no half-configured stage behind.
    await ignoreGone(() =>
      ctx.api.rest("apigateway", "DELETE", `/restapis/${apiId}/stages/${enc(stageName)}`),
    );
    throw error;
  }
}

/** Patch operations from one stage configuration to the next (tags aside). */
function stageConfigOps(before: StageConfig | undefined, after: StageConfig): PatchOp[] {
  const ops: PatchOp[] = [];
  if (after.description !== undefined || before?.description !== undefined)
    ops.push(
      after.description === undefined
        ? { op: "remove", path: "/description" }
        : { op: "replace", path: "/description", value: after.description },
    );
  ops.push(...variableOps(before?.variables ?? {}, after.variables ?? {}));
  ops.push(...methodSettingOps(before?.methodSettings ?? [], after.methodSettings));
  ops.push(...accessLogOps(before?.accessLog, after.accessLog));
  ops.push(...canaryOps(before?.canary, after.canary));
  if (after.tracingEnabled !== undefined || before?.tracingEnabled !== undefined)
    ops.push({ op: "replace", path: "/tracingEnabled", value: String(after.tracingEnabled ?? false) });
  if (before && JSON.stringify(before.tags) !== JSON.stringify(after.tags))
    throw updateUnsupported(
      DEPLOYMENT,
      "StageDescription.Tags",
      "stage tags cannot be changed on an existing stage",
    );
  return ops;
}

async function patchStage(
  ctx: ProviderContext,
  apiId: string,
  stageName: string,
  ops: PatchOp[],
): Promise<void> {
  if (ops.length === 0) return;
  await ctx.api.rest("apigateway", "PATCH", `/restapis/${apiId}/stages/${enc(stageName)}`, {
    patchOperations: ops,
  });
}
