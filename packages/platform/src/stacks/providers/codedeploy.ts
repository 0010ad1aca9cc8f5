import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import { alreadyExists, ignoreGone, invalidProperty, isGone, object, scalar } from "./service-props.js";

const APPLICATION = "AWS::CodeDeploy::Application";
const GROUP = "AWS::CodeDeploy::DeploymentGroup";
const CONFIG = "AWS::CodeDeploy::DeploymentConfig";
const TARGET = "CodeDeploy_20141006";
const call = <T = Record<string, unknown>>(
  ctx: ProviderContext,
  op: string,
  input: Record<string, unknown>,
) => ctx.api.json<T>(`${TARGET}.${op}`, input);

/**
 * CodeDeploy resources for SAM's DeploymentPreference (Lambda compute platform only), applied
 * through Nimbus's CodeDeploy API (stacks/deployments/codedeploy-api.ts). The deployments they
 * configure run when an alias with UpdatePolicy.CodeDeployLambdaAliasUpdate changes version.
 */
export function codeDeployProviders(): ResourceProvider[] {
  return [applicationProvider, groupProvider, configProvider];
}

const applicationProvider: ResourceProvider = {
  type: APPLICATION,
  properties: ["ApplicationName", "ComputePlatform"],
  replaceOn: ["ApplicationName", "ComputePlatform"],
  async create(ctx, logicalId, props) {
    const name =
      scalar(props, "ApplicationName", APPLICATION) ?? ctx.physicalName(logicalId, { maxLength: 100 });
    try {
      await call(ctx, "CreateApplication", {
        applicationName: name,
        computePlatform: scalar(props, "ComputePlatform", APPLICATION) ?? "Server",
      });
    } catch (error) {
      if (isGone(error, ["ApplicationAlreadyExistsException"])) throw alreadyExists(APPLICATION, name);
      throw error;
    }
    return { physicalId: name, attributes: {} };
  },
  // Both properties replace; nothing else to change.
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: {} };
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(["ApplicationDoesNotExistException"], () =>
      call(ctx, "DeleteApplication", { applicationName: current.physicalId }),
    );
  },
};

const groupProvider: ResourceProvider = {
  type: GROUP,
  properties: [
    "ApplicationName",
    "DeploymentGroupName",
    "DeploymentConfigName",
    "ServiceRoleArn",
    "AlarmConfiguration",
    "AutoRollbackConfiguration",
    "DeploymentStyle",
  ],
  required: ["ApplicationName", "ServiceRoleArn"],
  replaceOn: ["ApplicationName", "DeploymentGroupName"],
  async create(ctx, logicalId, props) {
    const applicationName = scalar(props, "ApplicationName", GROUP) ?? "";
    const name =
      scalar(props, "DeploymentGroupName", GROUP) ?? ctx.physicalName(logicalId, { maxLength: 100 });
    try {
      await call(ctx, "CreateDeploymentGroup", {
        applicationName,
        deploymentGroupName: name,
        ...groupSettings(props),
      });
    } catch (error) {
      if (isGone(error, ["DeploymentGroupAlreadyExistsException"])) throw alreadyExists(GROUP, name);
      throw error;
    }
    return { physicalId: name, attributes: {} };
  },
  async update(ctx, _logicalId, current, props) {
    await call(ctx, "UpdateDeploymentGroup", {
      applicationName: scalar(props, "ApplicationName", GROUP) ?? "",
      currentDeploymentGroupName: current.physicalId,
      ...groupSettings(props),
    });
    return { physicalId: current.physicalId, attributes: {} };
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(["ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException"], () =>
      call(ctx, "DeleteDeploymentGroup", {
        applicationName: scalar(current.properties, "ApplicationName", GROUP) ?? "",
        deploymentGroupName: current.physicalId,
      }),
    );
  },
};

/** Every setting, with CodeDeploy's defaults for the ones the template leaves out (updates reset them). */
function groupSettings(props: ResolvedProperties): Record<string, unknown> {
  const alarms = object(props, "AlarmConfiguration", GROUP) ?? {};
  const alarmList = alarms.Alarms ?? [];
  if (!Array.isArray(alarmList)) throw invalidProperty(GROUP, "AlarmConfiguration.Alarms", "must be a list");
  const rollback = object(props, "AutoRollbackConfiguration", GROUP) ?? {};
  const events = rollback.Events ?? [];
  if (!Array.isArray(events))
    throw invalidProperty(GROUP, "AutoRollbackConfiguration.Events", "must be a list");
  const style = object(props, "DeploymentStyle", GROUP) ?? {};
  return {
    deploymentConfigName: scalar(props, "DeploymentConfigName", GROUP) ?? "CodeDeployDefault.LambdaAllAtOnce",
    serviceRoleArn: scalar(props, "ServiceRoleArn", GROUP) ?? "",
    alarmConfiguration: {
      // CloudFormation: alarms are enabled when the group lists some unless Enabled says otherwise.
      enabled: bool(alarms.Enabled, alarmList.length > 0),
      ignorePollAlarmFailure: bool(alarms.IgnorePollAlarmFailure, false),
      alarms: alarmList.map((a) => ({ name: String((a as { Name?: unknown } | null)?.Name ?? "") })),
    },
    autoRollbackConfiguration: { enabled: bool(rollback.Enabled, false), events: events.map(String) },
    deploymentStyle: {
      deploymentType: String(style.DeploymentType ?? "BLUE_GREEN"),
      deploymentOption: String(style.DeploymentOption ?? "WITH_TRAFFIC_CONTROL"),
    },
  };
}

const configProvider: ResourceProvider = {
  type: CONFIG,
  properties: ["DeploymentConfigName", "ComputePlatform", "TrafficRoutingConfig"],
  replaceOn: ["DeploymentConfigName", "ComputePlatform", "TrafficRoutingConfig"],
  async create(ctx, logicalId, props) {
    const name =
      scalar(props, "DeploymentConfigName", CONFIG) ?? ctx.physicalName(logicalId, { maxLength: 100 });
    const routing = object(props, "TrafficRoutingConfig", CONFIG);
    try {
      await call(ctx, "CreateDeploymentConfig", {
        deploymentConfigName: name,
        computePlatform: scalar(props, "ComputePlatform", CONFIG) ?? "Server",
        ...(routing ? { trafficRoutingConfig: routingWire(routing) } : {}),
      });
    } catch (error) {
      if (isGone(error, ["DeploymentConfigAlreadyExistsException"])) throw alreadyExists(CONFIG, name);
      throw error;
    }
    return { physicalId: name, attributes: {} };
  },
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: {} };
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(["DeploymentConfigDoesNotExistException"], () =>
      call(ctx, "DeleteDeploymentConfig", { deploymentConfigName: current.physicalId }),
    );
  },
};

/** TrafficRoutingConfig from the template's PascalCase to the API's camelCase. */
function routingWire(routing: Record<string, unknown>): Record<string, unknown> {
  const canary = routing.TimeBasedCanary as Record<string, unknown> | undefined;
  const linear = routing.TimeBasedLinear as Record<string, unknown> | undefined;
  return {
    type: routing.Type,
    ...(canary
      ? {
          timeBasedCanary: {
            canaryPercentage: num(canary.CanaryPercentage),
            canaryInterval: num(canary.CanaryInterval),
          },
        }
      : {}),
    ...(linear
      ? {
          timeBasedLinear: {
            linearPercentage: num(linear.LinearPercentage),
            linearInterval: num(linear.LinearInterval),
          },
        }
      : {}),
  };
}

const num = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? Number(value) : value);

function bool(value: unknown, otherwise: boolean): boolean {
  if (value === undefined || value === null) return otherwise;
  return value === true || value === "true";
}
