import { resolveDeploymentConfig } from "./deployment-configs.js";
import type { DeploymentStore, GroupRecord } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";

export type Input = Record<string, unknown>;

/** Fields a group takes from CreateDeploymentGroup / UpdateDeploymentGroup; others are refused. */
export async function readGroup(
  store: DeploymentStore,
  input: Input,
  base: GroupRecord,
): Promise<GroupRecord> {
  const group: GroupRecord = structuredClone(base);
  const unsupported = [
    "ec2TagFilters",
    "onPremisesInstanceTagFilters",
    "autoScalingGroups",
    "triggerConfigurations",
    "blueGreenDeploymentConfiguration",
    "loadBalancerInfo",
    "ec2TagSet",
    "ecsServices",
    "onPremisesTagSet",
    "outdatedInstancesStrategy",
    "terminationHookEnabled",
  ].filter(
    (k) => input[k] !== undefined && !(Array.isArray(input[k]) && (input[k] as unknown[]).length === 0),
  );
  if (unsupported.length > 0)
    throw codeDeployError(
      DEPLOYMENT_ERRORS.invalidInput,
      "InvalidInputException",
      `Not applied by Nimbus to Lambda deployment groups: ${unsupported.join(", ")}.`,
    );
  if (input.deploymentConfigName !== undefined) {
    group.deploymentConfigName = configName(input.deploymentConfigName);
    await resolveDeploymentConfig(store, group.deploymentConfigName);
  }
  if (input.serviceRoleArn !== undefined) group.serviceRoleArn = String(input.serviceRoleArn);
  if (input.alarmConfiguration !== undefined) {
    const alarms = object(input.alarmConfiguration, "InvalidAlarmConfigException", "alarmConfiguration");
    const names = (Array.isArray(alarms.alarms) ? alarms.alarms : []).map((a) =>
      String((a as Input)?.name ?? ""),
    );
    if (names.some((n) => n.length === 0 || n.length > 255) || names.length > 10)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.invalidInput,
        "InvalidAlarmConfigException",
        "The alarm configuration is invalid: up to 10 alarms, each with a name of 1 to 255 characters.",
      );
    group.alarms = {
      enabled: alarms.enabled === true,
      ignorePollAlarmFailure: alarms.ignorePollAlarmFailure === true,
      names,
    };
  }
  if (input.autoRollbackConfiguration !== undefined) {
    const rollback = object(
      input.autoRollbackConfiguration,
      "InvalidAutoRollbackConfigException",
      "autoRollbackConfiguration",
    );
    const events = stringList(rollback.events);
    const known = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"];
    if (events.some((e) => !known.includes(e)))
      throw codeDeployError(
        DEPLOYMENT_ERRORS.invalidInput,
        "InvalidAutoRollbackConfigException",
        `Auto rollback events must be among ${known.join(", ")}.`,
      );
    group.autoRollback = { enabled: rollback.enabled === true, events };
  }
  if (input.deploymentStyle !== undefined) {
    const style = object(input.deploymentStyle, "InvalidDeploymentStyleException", "deploymentStyle");
    const type = String(style.deploymentType ?? "BLUE_GREEN");
    const option = String(style.deploymentOption ?? "WITH_TRAFFIC_CONTROL");
    if (type !== "BLUE_GREEN" || option !== "WITH_TRAFFIC_CONTROL")
      throw codeDeployError(
        DEPLOYMENT_ERRORS.invalidInput,
        "InvalidDeploymentStyleException",
        "Lambda deployments are BLUE_GREEN WITH_TRAFFIC_CONTROL.",
      );
    group.deploymentStyle = { type, option };
  }
  return group;
}

export function applicationName(value: unknown): string {
  return name(
    value,
    "ApplicationNameRequiredException",
    "InvalidApplicationNameException",
    "Application name",
  );
}
export function groupName(value: unknown): string {
  return name(
    value,
    "DeploymentGroupNameRequiredException",
    "InvalidDeploymentGroupNameException",
    "Deployment group name",
  );
}
export function configName(value: unknown): string {
  return name(
    value,
    "DeploymentConfigNameRequiredException",
    "InvalidDeploymentConfigNameException",
    "Deployment config name",
  );
}

function name(value: unknown, requiredName: string, invalidName: string, what: string): string {
  const text = required(value, requiredName, `${what} is required`);
  if (text.length > 100)
    throw codeDeployError(
      DEPLOYMENT_ERRORS.invalidInput,
      invalidName,
      `${what} must be at most 100 characters long.`,
    );
  return text;
}

export function required(value: unknown, awsName: string, message: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw codeDeployError(DEPLOYMENT_ERRORS.invalidInput, awsName, message);
  return value;
}

export function object(value: unknown, awsName: string, what: string): Input {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw codeDeployError(DEPLOYMENT_ERRORS.invalidInput, awsName, `${what} must be an object.`);
  return value as Input;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
