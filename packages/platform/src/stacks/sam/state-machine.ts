import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { s3Location, s3Object } from "./code.js";
import { SamResourceError } from "./errors.js";
import { expandEvents } from "./function.js";
import { assumeRolePolicy, ExecutionRole } from "./role.js";
import type { EventTarget } from "./types.js";
import { getAtt, isObject, passthroughAttributes, ref, tagList } from "./util.js";

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
  for (const name of ["AutoPublishAlias", "DeploymentPreference", "UseAliasAsEventTarget"]) {
    if (p[name] !== undefined) {
      build.unsupportedProperty(
        logicalId,
        TYPE,
        name,
        "state machine versions and aliases are not supported by Nimbus",
      );
    }
  }
  const known = new Set([...KNOWN, "AutoPublishAlias", "DeploymentPreference", "UseAliasAsEventTarget"]);
  build.checkProperties(logicalId, TYPE, p, known);
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

  const target: EventTarget = {
    kind: "stateMachine",
    logicalId,
    arn: ref(logicalId),
    name: ref(logicalId),
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
