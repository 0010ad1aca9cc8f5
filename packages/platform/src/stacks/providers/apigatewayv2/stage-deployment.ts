import type { AwsCalls } from "../../aws-calls.js";
import type { ProviderContext, ResourceProvider } from "../../model.js";
import { checkMembers, ignoreGone, isGone, type Obj, objectOf, Props } from "../apigateway/props.js";
import { updateTags } from "./http-api.js";

const STAGE = "AWS::ApiGatewayV2::Stage";
const DEPLOYMENT = "AWS::ApiGatewayV2::Deployment";

/**
 * AWS::ApiGatewayV2::Stage of an HTTP API: CreateStage, UpdateStage (every listed property, so
 * a removed one goes back to its default), DeleteRouteSettings / DeleteAccessLogSettings for
 * removed settings, and the tagging operations. Not listed: ClientCertificateId (refused by the
 * API).
 */
export const httpStageProvider: ResourceProvider = {
  type: STAGE,
  properties: [
    "ApiId",
    "StageName",
    "AutoDeploy",
    "DeploymentId",
    "Description",
    "StageVariables",
    "DefaultRouteSettings",
    "RouteSettings",
    "AccessLogSettings",
    "Tags",
  ],
  required: ["ApiId", "StageName"],
  replaceOn: ["ApiId", "StageName"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(STAGE, properties);
    const apiId = props.required("ApiId");
    const stageName = props.required("StageName");
    await ctx.api.rest("apigateway", "POST", `/v2/apis/${apiId}/stages`, {
      stageName,
      ...stageBody(props),
      tags: props.strMap("Tags") ?? {},
    });
    return { physicalId: stageName, attributes: {} };
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(STAGE, properties);
    const before = new Props(STAGE, current.properties);
    const apiId = props.required("ApiId");
    const stageName = props.required("StageName");
    const path = `/v2/apis/${apiId}/stages/${encodeURIComponent(stageName)}`;
    const body = stageBody(props);
    await ctx.api.rest("apigateway", "PATCH", path, {
      autoDeploy: false,
      description: "",
      stageVariables: {},
      defaultRouteSettings: {},
      ...body,
    });
    const routeKeys = Object.keys((body.routeSettings as Obj | undefined) ?? {});
    for (const key of Object.keys(before.obj("RouteSettings") ?? {})) {
      if (!routeKeys.includes(key))
        await ignoreGone(() =>
          ctx.api.rest("apigateway", "DELETE", `${path}/routesettings/${encodeURIComponent(key)}`),
        );
    }
    if (!body.accessLogSettings && before.has("AccessLogSettings"))
      await ctx.api.rest("apigateway", "DELETE", `${path}/accesslogsettings`);
    await updateTags(
      ctx,
      `arn:aws:apigateway:${ctx.region}::/apis/${apiId}/stages/${stageName}`,
      before.strMap("Tags") ?? {},
      props.strMap("Tags") ?? {},
    );
    return { physicalId: stageName, attributes: {} };
  },

  async delete(ctx, _logicalId, current) {
    const apiId = new Props(STAGE, current.properties).str("ApiId");
    if (!apiId) return;
    await ignoreGone(() =>
      ctx.api.rest(
        "apigateway",
        "DELETE",
        `/v2/apis/${apiId}/stages/${encodeURIComponent(current.physicalId)}`,
      ),
    );
  },
};

const ROUTE_SETTINGS = [
  "DataTraceEnabled",
  "DetailedMetricsEnabled",
  "LoggingLevel",
  "ThrottlingBurstLimit",
  "ThrottlingRateLimit",
];

/** CloudFormation's route settings as the API takes them (logging and metrics: the API refuses them on). */
function routeSettingsOf(value: unknown, where: string): Obj {
  const o = objectOf(value, STAGE, where) ?? {};
  checkMembers(STAGE, where, o, ROUTE_SETTINGS);
  const out: Obj = {};
  for (const [key, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    const name = key.charAt(0).toLowerCase() + key.slice(1);
    out[name] = key.startsWith("Throttling")
      ? Number(v)
      : key === "LoggingLevel"
        ? String(v)
        : v === true || v === "true";
  }
  return out;
}

function stageBody(props: Props): Obj {
  const body: Obj = {};
  const autoDeploy = props.bool("AutoDeploy");
  if (autoDeploy !== undefined) body.autoDeploy = autoDeploy;
  const deploymentId = props.str("DeploymentId");
  if (deploymentId !== undefined) body.deploymentId = deploymentId;
  const description = props.str("Description");
  if (description !== undefined) body.description = description;
  const variables = props.strMap("StageVariables");
  if (variables) body.stageVariables = variables;
  if (props.has("DefaultRouteSettings"))
    body.defaultRouteSettings = routeSettingsOf(props.values.DefaultRouteSettings, "DefaultRouteSettings");
  const routes = props.obj("RouteSettings");
  if (routes) {
    const out: Obj = {};
    for (const [key, value] of Object.entries(routes))
      out[key] = routeSettingsOf(value, `RouteSettings.${key}`);
    body.routeSettings = out;
  }
  const log = props.obj("AccessLogSettings");
  if (log) {
    checkMembers(STAGE, "AccessLogSettings", log, ["DestinationArn", "Format"]);
    const l = new Props(STAGE, log);
    body.accessLogSettings = { destinationArn: l.required("DestinationArn"), format: l.required("Format") };
  }
  return body;
}

/**
 * AWS::ApiGatewayV2::Deployment: CreateDeployment (onto StageName when given). An update makes a
 * new deployment (a deployment is a frozen copy of the routes), then removes the old one unless
 * a stage still serves it.
 */
export const httpDeploymentProvider: ResourceProvider = {
  type: DEPLOYMENT,
  properties: ["ApiId", "Description", "StageName"],
  required: ["ApiId"],
  replaceOn: ["ApiId"],

  async create(ctx, _logicalId, properties) {
    return createDeployment(ctx.api, new Props(DEPLOYMENT, properties));
  },

  async update(ctx, logicalId, current, properties) {
    const created = await createDeployment(ctx.api, new Props(DEPLOYMENT, properties));
    await retire(ctx, logicalId, current.physicalId, new Props(DEPLOYMENT, current.properties));
    return created;
  },

  async delete(ctx, logicalId, current) {
    await retire(ctx, logicalId, current.physicalId, new Props(DEPLOYMENT, current.properties));
  },
};

async function createDeployment(api: AwsCalls, props: Props) {
  const apiId = props.required("ApiId");
  const description = props.str("Description");
  const stageName = props.str("StageName");
  const created = await api.rest<{ deploymentId: string }>(
    "apigateway",
    "POST",
    `/v2/apis/${apiId}/deployments`,
    {
      ...(description !== undefined ? { description } : {}),
      ...(stageName !== undefined ? { stageName } : {}),
    },
  );
  return { physicalId: created.deploymentId, attributes: { DeploymentId: created.deploymentId } };
}

async function retire(
  ctx: ProviderContext,
  logicalId: string,
  deploymentId: string,
  props: Props,
): Promise<void> {
  const apiId = props.str("ApiId");
  if (!apiId) return;
  let stages: Obj[];
  try {
    stages =
      (await ctx.api.rest<{ items?: Obj[] }>("apigateway", "GET", `/v2/apis/${apiId}/stages?maxResults=500`))
        .items ?? [];
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  if (stages.some((s) => s.deploymentId === deploymentId)) {
    // API Gateway refuses to delete a deployment a stage serves: it stays with its API.
    ctx.note(logicalId, `kept deployment ${deploymentId}: a stage still serves it`);
    return;
  }
  await ignoreGone(() =>
    ctx.api.rest("apigateway", "DELETE", `/v2/apis/${apiId}/deployments/${deploymentId}`),
  );
}
