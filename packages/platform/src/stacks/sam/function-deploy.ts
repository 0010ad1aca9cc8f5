import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import { assumeRolePolicy, awsManagedPolicy } from "./role.js";
import {
  getAtt,
  hashedId,
  isObject,
  literalBoolean,
  literalString,
  ref,
  resolveParameterRefs,
} from "./util.js";

const TYPE = "AWS::Serverless::Function";
export const DEPLOYMENT_APPLICATION = "ServerlessDeploymentApplication";
export const CODE_DEPLOY_ROLE = "CodeDeployServiceRole";

/** DeploymentPreference types CodeDeploy predefines (`CodeDeployDefault.Lambda<Type>`). */
export const PREDEFINED_DEPLOYMENT_TYPES = new Set([
  "AllAtOnce",
  "Canary10Percent5Minutes",
  "Canary10Percent10Minutes",
  "Canary10Percent15Minutes",
  "Canary10Percent30Minutes",
  "Linear10PercentEvery1Minute",
  "Linear10PercentEvery2Minutes",
  "Linear10PercentEvery3Minutes",
  "Linear10PercentEvery10Minutes",
]);

const PREFERENCE_KNOWN = new Set([
  "Type",
  "Alarms",
  "Hooks",
  "Enabled",
  "Role",
  "TriggerConfigurations",
  "PassthroughCondition",
]);

/**
 * `<Fn>Version<hash>`: the logical id changes when the code (with parameter refs resolved),
 * Environment, MemorySize or SnapStart change (or with AutoPublishAliasAllProperties, any
 * property), so the engine creates a new version; old ones are retained, as in SAM.
 */
export function versionResource(
  build: SamBuild,
  functionId: string,
  lambda: TemplateObject,
  p: TemplateObject,
  attributes: Partial<ResourceDefinition>,
): { logicalId: string; resource: ResourceDefinition } {
  let data: TemplateObject;
  if (literalBoolean(p.AutoPublishAliasAllProperties, build.ctx.parameters) === true) {
    data = lambda;
  } else {
    data = { ...(lambda.Code as TemplateObject) };
    if (isObject(lambda.Environment)) Object.assign(data, lambda.Environment);
    if (lambda.MemorySize !== undefined) data.MemorySize = lambda.MemorySize;
    if (isObject(lambda.SnapStart) && (lambda.SnapStart.ApplyOn ?? "None") !== "None")
      data.SnapStart = lambda.SnapStart;
  }
  const sha = literalString(
    p.AutoPublishCodeSha256,
    build.ctx.parameters,
    functionId,
    "AutoPublishCodeSha256",
  );
  const logicalId = hashedId(`${functionId}Version`, resolveParameterRefs(data, build.ctx.parameters), sha);
  const properties: TemplateObject = { FunctionName: ref(functionId) };
  if (p.VersionDescription !== undefined) properties.Description = p.VersionDescription;
  return {
    logicalId,
    resource: {
      Type: "AWS::Lambda::Version",
      DeletionPolicy: "Retain",
      ...attributes,
      Properties: properties,
    },
  };
}

/** `<Fn>Alias<Name>` pointing at the version (ProvisionedConcurrencyConfig goes here). */
export function aliasResource(
  functionId: string,
  aliasName: string,
  versionId: string,
  p: TemplateObject,
  attributes: Partial<ResourceDefinition>,
): ResourceDefinition {
  const properties: TemplateObject = {
    Name: aliasName,
    FunctionName: ref(functionId),
    FunctionVersion: getAtt(versionId, "Version"),
  };
  if (p.ProvisionedConcurrencyConfig !== undefined)
    properties.ProvisionedConcurrencyConfig = p.ProvisionedConcurrencyConfig;
  return { Type: "AWS::Lambda::Alias", Properties: properties, ...attributes };
}

/**
 * DeploymentPreference: the shared `ServerlessDeploymentApplication` (and `CodeDeployServiceRole`
 * unless the preference names a Role), `<Fn>DeploymentGroup`, and the alias's
 * `UpdatePolicy.CodeDeployLambdaAliasUpdate` the gradual deployments read.
 */
export function deploymentPreference(
  build: SamBuild,
  functionId: string,
  preference: TemplateValue | undefined,
  alias: ResourceDefinition | undefined,
  attributes: Partial<ResourceDefinition>,
): void {
  if (preference === undefined) return;
  if (!isObject(preference)) throw new SamResourceError(functionId, "'DeploymentPreference' must be a map.");
  build.checkProperties(functionId, TYPE, preference, PREFERENCE_KNOWN, "DeploymentPreference.");
  if (literalBoolean(preference.Enabled, build.ctx.parameters) === false) return;
  if (alias === undefined) {
    throw new SamResourceError(
      functionId,
      "'DeploymentPreference' requires AutoPublishAlias property to be specified.",
    );
  }
  const type = literalString(preference.Type, build.ctx.parameters, functionId, "DeploymentPreference.Type");
  if (type === undefined) {
    throw new SamResourceError(functionId, "'DeploymentPreference' is missing required Property 'Type'");
  }
  if (!build.shared.has(DEPLOYMENT_APPLICATION)) {
    build.shared.add(DEPLOYMENT_APPLICATION);
    build.add(
      DEPLOYMENT_APPLICATION,
      { Type: "AWS::CodeDeploy::Application", Properties: { ComputePlatform: "Lambda" } },
      functionId,
    );
  }
  let serviceRole = preference.Role;
  if (serviceRole === undefined) {
    if (!build.shared.has(CODE_DEPLOY_ROLE)) {
      build.shared.add(CODE_DEPLOY_ROLE);
      build.add(
        CODE_DEPLOY_ROLE,
        {
          Type: "AWS::IAM::Role",
          Properties: {
            AssumeRolePolicyDocument: assumeRolePolicy("codedeploy.amazonaws.com"),
            ManagedPolicyArns: [awsManagedPolicy("service-role/AWSCodeDeployRoleForLambda")],
          },
        },
        functionId,
      );
    }
    serviceRole = getAtt(CODE_DEPLOY_ROLE, "Arn");
  }
  const group: TemplateObject = {
    ApplicationName: ref(DEPLOYMENT_APPLICATION),
    AutoRollbackConfiguration: {
      Enabled: true,
      Events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
    },
    DeploymentConfigName: PREDEFINED_DEPLOYMENT_TYPES.has(type) ? `CodeDeployDefault.Lambda${type}` : type,
    DeploymentStyle: { DeploymentType: "BLUE_GREEN", DeploymentOption: "WITH_TRAFFIC_CONTROL" },
    ServiceRoleArn: serviceRole,
  };
  const alarms = preference.Alarms;
  if (Array.isArray(alarms) && alarms.length > 0) {
    group.AlarmConfiguration = { Alarms: alarms.map((Name) => ({ Name })), Enabled: true };
  } else if (alarms !== undefined && !Array.isArray(alarms)) {
    throw new SamResourceError(functionId, "'DeploymentPreference.Alarms' must be a list of alarm names.");
  }
  if (preference.TriggerConfigurations !== undefined)
    group.TriggerConfigurations = preference.TriggerConfigurations;
  const groupId = `${functionId}DeploymentGroup`;
  build.add(
    groupId,
    { Type: "AWS::CodeDeploy::DeploymentGroup", Properties: group, ...attributes },
    functionId,
  );

  const update: TemplateObject = {
    ApplicationName: ref(DEPLOYMENT_APPLICATION),
    DeploymentGroupName: ref(groupId),
  };
  const hooks = isObject(preference.Hooks) ? preference.Hooks : {};
  for (const key of Object.keys(hooks)) {
    if (key !== "PreTraffic" && key !== "PostTraffic") {
      build.unsupportedProperty(
        functionId,
        TYPE,
        `DeploymentPreference.Hooks.${key}`,
        "only PreTraffic and PostTraffic hooks exist",
      );
    }
  }
  if (hooks.PreTraffic !== undefined) update.BeforeAllowTrafficHook = hooks.PreTraffic;
  if (hooks.PostTraffic !== undefined) update.AfterAllowTrafficHook = hooks.PostTraffic;
  alias.UpdatePolicy = { CodeDeployLambdaAliasUpdate: update };
}
