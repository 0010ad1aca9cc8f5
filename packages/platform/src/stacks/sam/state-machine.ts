import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { s3Location, s3Object } from "./code.js";
import { SamResourceError } from "./errors.js";
import { expandEvents } from "./function.js";
import { assumeRolePolicy, ExecutionRole } from "./role.js";
import type { EventTarget } from "./types.js";
import { getAtt, isObject, literalString, passthroughAttributes, ref, tagList } from "./util.js";

const TYPE = "AWS::Serverless::StateMachine";
const KNOWN = new Set([
  "Definition",
  "DefinitionUri",
  "DefinitionSubstitutions",
  "Name",
  "Type",
  "Role",
  "Policies",
  "RolePath",
  "PermissionsBoundary",
  "Logging",
  "Tracing",
  "Tags",
  "Events",
  "AutoPublishAlias",
  "DeploymentPreference",
  "UseAliasAsEventTarget",
]);

/**
 * AWS::Serverless::StateMachine -> AWS::StepFunctions::StateMachine (+ `<SM>Role` unless Role
 * is given, and its events). The definition stays an object (`Definition`) rather than SAM's
 * Fn::Join'ed DefinitionString: CloudFormation takes both, and the engine resolves intrinsics
 * inside it either way.
 */
export function transformStateMachine(
  build: SamBuild,
  logicalId: string,
  resource: ResourceDefinition,
): void {
  const p = resource.Properties ?? {};
  build.checkProperties(logicalId, TYPE, p, KNOWN);
  const attributes = passthroughAttributes(resource);
  const machine: TemplateObject = {};
  if (p.Definition !== undefined && p.DefinitionUri !== undefined) {
    throw new SamResourceError(
      logicalId,
      "Specify either 'Definition' or 'DefinitionUri' property and not both.",
    );
  }
  if (p.Definition !== undefined) {
    if (!isObject(p.Definition)) throw new SamResourceError(logicalId, "'Definition' must be a map.");
    machine.Definition = p.Definition;
  } else if (p.DefinitionUri !== undefined) {
    machine.DefinitionS3Location = s3Object(
      s3Location(p.DefinitionUri, logicalId, "DefinitionUri", build.ctx.parameters),
    );
  } else {
    throw new SamResourceError(
      logicalId,
      "Either 'Definition' or 'DefinitionUri' property must be specified.",
    );
  }
  if (p.DefinitionSubstitutions !== undefined) machine.DefinitionSubstitutions = p.DefinitionSubstitutions;
  if (p.Name !== undefined) machine.StateMachineName = p.Name;
  if (p.Type !== undefined) machine.StateMachineType = p.Type;
  if (p.Logging !== undefined) machine.LoggingConfiguration = p.Logging;
  if (p.Tracing !== undefined) machine.TracingConfiguration = p.Tracing;
  // As SAM: `stateMachine:createdBy: SAM` first, then the template's own Tags.
  const tags = tagList("stateMachine:createdBy", p.Tags);
  machine.Tags = tags;

  let role: ExecutionRole | undefined;
  if (p.Role === undefined) {
    role = new ExecutionRole(`${logicalId}Role`, assumeRolePolicy("states.amazonaws.com"));
    role.addPolicies(p.Policies, logicalId, TYPE, build);
    machine.RoleArn = getAtt(role.logicalId, "Arn");
  } else {
    machine.RoleArn = p.Role;
  }
  const out: ResourceDefinition = {
    Type: "AWS::StepFunctions::StateMachine",
    Properties: machine,
    ...attributes,
  };
  if (resource.DependsOn !== undefined) out.DependsOn = resource.DependsOn;
  if (resource.Metadata !== undefined) out.Metadata = resource.Metadata;
  build.add(logicalId, out, logicalId);

  const aliasId = versionAndAlias(build, logicalId, p, attributes);
  if (p.UseAliasAsEventTarget === true && aliasId === undefined) {
    throw new SamResourceError(
      logicalId,
      "'UseAliasAsEventTarget' requires 'AutoPublishAlias' property to be specified.",
    );
  }
  const eventTarget = p.UseAliasAsEventTarget === true && aliasId !== undefined ? aliasId : logicalId;
  const target: EventTarget = {
    kind: "stateMachine",
    logicalId,
    arn: ref(eventTarget),
    name: ref(eventTarget),
    attributes,
    addManagedPolicy: (arn: TemplateValue) => role?.addManagedPolicy(arn),
    addStatement: () => {},
  };
  expandEvents(build, target, TYPE, p.Events);
  if (role !== undefined) {
    const extra: Parameters<ExecutionRole["resource"]>[0] = { attributes, tags };
    if (p.RolePath !== undefined) extra.path = p.RolePath;
    if (p.PermissionsBoundary !== undefined) extra.permissionsBoundary = p.PermissionsBoundary;
    build.add(role.logicalId, role.resource(extra), logicalId);
  }
}

/**
 * AutoPublishAlias: `<SM>Version` (a new version whenever the machine's revision changes;
 * retained, as SAM) and `<SM>Alias<Name>`. SAM writes the alias with a DeploymentPreference
 * (ALL_AT_ONCE unless given); Nimbus's alias provider takes RoutingConfiguration, so the alias
 * routes 100% to the new version, which is what ALL_AT_ONCE does. Gradual (CANARY / LINEAR)
 * state machine deployments are listed unsupported and also move all at once.
 */
function versionAndAlias(
  build: SamBuild,
  logicalId: string,
  p: TemplateObject,
  attributes: Partial<ResourceDefinition>,
): string | undefined {
  const aliasName = literalString(p.AutoPublishAlias, build.ctx.parameters, logicalId, "AutoPublishAlias");
  if (aliasName === undefined) {
    if (p.DeploymentPreference !== undefined) {
      throw new SamResourceError(
        logicalId,
        "'DeploymentPreference' requires 'AutoPublishAlias' property to be specified.",
      );
    }
    return undefined;
  }
  const preference = isObject(p.DeploymentPreference) ? p.DeploymentPreference : {};
  if (preference.Type !== undefined && preference.Type !== "ALL_AT_ONCE") {
    build.unsupportedProperty(
      logicalId,
      TYPE,
      "DeploymentPreference.Type",
      `${String(preference.Type)} state machine deployments are not supported by Nimbus: the alias moves to the new version at once`,
    );
  }
  const versionId = `${logicalId}Version`;
  build.add(
    versionId,
    {
      Type: "AWS::StepFunctions::StateMachineVersion",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      ...attributes,
      Properties: {
        StateMachineArn: ref(logicalId),
        StateMachineRevisionId: getAtt(logicalId, "StateMachineRevisionId"),
      },
    },
    logicalId,
  );
  const aliasId = `${logicalId}Alias${aliasName}`;
  build.add(
    aliasId,
    {
      Type: "AWS::StepFunctions::StateMachineAlias",
      Properties: {
        Name: aliasName,
        RoutingConfiguration: [{ StateMachineVersionArn: ref(versionId), Weight: 100 }],
      },
      ...attributes,
    },
    logicalId,
  );
  build.renames.set(`${logicalId}.Version`, versionId);
  build.renames.set(`${logicalId}.Alias`, aliasId);
  return aliasId;
}
