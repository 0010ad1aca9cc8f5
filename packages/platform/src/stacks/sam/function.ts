import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import { httpApiEvent, restApiEvent } from "./api-events.js";
import type { SamBuild } from "./builder.js";
import { lambdaCode, s3Location } from "./code.js";
import { SamResourceError } from "./errors.js";
import { API_EVENT_TYPES, expandEvent } from "./events.js";
import { aliasResource, deploymentPreference, versionResource } from "./function-deploy.js";
import { eventInvokeConfig, functionUrl } from "./function-extras.js";
import { assumeRolePolicy, awsManagedPolicy, ExecutionRole } from "./role.js";
import type { EventTarget } from "./types.js";
import { getAtt, isObject, literalString, passthroughAttributes, ref, tagList } from "./util.js";

const TYPE = "AWS::Serverless::Function";

/** SAM properties copied to AWS::Lambda::Function under the same name. */
const PASS_THROUGH = [
  "Handler",
  "Runtime",
  "MemorySize",
  "Timeout",
  "Description",
  "FunctionName",
  "Architectures",
  "EphemeralStorage",
  "Environment",
  "Layers",
  "ReservedConcurrentExecutions",
  "KmsKeyArn",
  "VpcConfig",
  "FileSystemConfigs",
  "CodeSigningConfigArn",
  "ImageConfig",
  "SnapStart",
  "RuntimeManagementConfig",
  "LoggingConfig",
  "RecursiveLoop",
] as const;

/** Properties handled here (anything else on a function is reported unsupported). */
const KNOWN = new Set<string>([
  ...PASS_THROUGH,
  "CodeUri",
  "InlineCode",
  "ImageUri",
  "PackageType",
  "Tags",
  "Role",
  "Policies",
  "AssumeRolePolicyDocument",
  "RolePath",
  "PermissionsBoundary",
  "DeadLetterQueue",
  "Tracing",
  "Events",
  "AutoPublishAlias",
  "AutoPublishCodeSha256",
  "AutoPublishAliasAllProperties",
  "VersionDescription",
  "ProvisionedConcurrencyConfig",
  "DeploymentPreference",
  "EventInvokeConfig",
  "FunctionUrlConfig",
]);

/**
 * AWS::Serverless::Function -> AWS::Lambda::Function (+ `<Fn>Role`, `<Fn>Version<hash>`,
 * `<Fn>Alias<Name>`, CodeDeploy group, `<Fn>EventInvokeConfig`, `<Fn>Url`, and the
 * resources of each event source). Event sources point at the alias when there is one.
 */
export function transformFunction(build: SamBuild, logicalId: string, resource: ResourceDefinition): void {
  const p = resource.Properties ?? {};
  const params = build.ctx.parameters;
  if (
    p.PackageType === "Image" ||
    (p.ImageUri !== undefined && p.CodeUri === undefined && p.InlineCode === undefined)
  ) {
    build.unsupported.push({
      logicalId,
      type: TYPE,
      property: "PackageType",
      reason: "container image functions are not supported by Nimbus (the function is not deployed)",
    });
    return;
  }
  build.checkProperties(logicalId, TYPE, p, KNOWN);
  const attributes = passthroughAttributes(resource);

  const lambda: TemplateObject = { Code: code(logicalId, p, params) };
  for (const name of PASS_THROUGH) if (p[name] !== undefined) lambda[name] = p[name] as TemplateValue;
  if (p.PackageType !== undefined) lambda.PackageType = p.PackageType;
  if (p.Tracing !== undefined) lambda.TracingConfig = { Mode: p.Tracing };
  const tags = tagList("lambda:createdBy", p.Tags);
  lambda.Tags = tags;

  let role: ExecutionRole | undefined;
  if (p.Role === undefined) {
    role = new ExecutionRole(
      `${logicalId}Role`,
      p.AssumeRolePolicyDocument ?? assumeRolePolicy("lambda.amazonaws.com"),
    );
    role.addManagedPolicy(awsManagedPolicy("service-role/AWSLambdaBasicExecutionRole"));
    if (p.Tracing === "Active") role.addManagedPolicy(awsManagedPolicy("AWSXrayWriteOnlyAccess"));
    if (p.VpcConfig !== undefined)
      role.addManagedPolicy(awsManagedPolicy("service-role/AWSLambdaVPCAccessExecutionRole"));
    role.addPolicies(p.Policies, logicalId, TYPE, build);
    lambda.Role = getAtt(role.logicalId, "Arn");
  } else {
    // As in SAM, Policies (and the other role properties) apply only to a generated role.
    lambda.Role = p.Role;
  }
  const statements: TemplateObject[] = [];

  if (p.DeadLetterQueue !== undefined) {
    const dlq = p.DeadLetterQueue;
    if (!isObject(dlq) || (dlq.Type !== "SQS" && dlq.Type !== "SNS") || dlq.TargetArn === undefined) {
      throw new SamResourceError(logicalId, "'DeadLetterQueue' requires Type (SQS or SNS) and TargetArn.");
    }
    lambda.DeadLetterConfig = { TargetArn: dlq.TargetArn };
    role?.addInlinePolicy("DeadLetterQueuePolicy", [
      {
        Action: dlq.Type === "SQS" ? "sqs:SendMessage" : "sns:Publish",
        Effect: "Allow",
        Resource: dlq.TargetArn,
      },
    ]);
  }

  const functionResource: ResourceDefinition = {
    Type: "AWS::Lambda::Function",
    Properties: lambda,
    ...attributes,
  };
  if (resource.DependsOn !== undefined) functionResource.DependsOn = resource.DependsOn;
  if (resource.Metadata !== undefined) functionResource.Metadata = resource.Metadata;
  build.add(logicalId, functionResource, logicalId);

  // AutoPublishAlias: a version per code change, and the alias event sources point at.
  const aliasName = literalString(p.AutoPublishAlias, params, logicalId, "AutoPublishAlias");
  let alias: ResourceDefinition | undefined;
  let aliasId: string | undefined;
  if (aliasName !== undefined) {
    if (!/^[A-Za-z0-9]+$/.test(aliasName)) {
      throw new SamResourceError(logicalId, "AutoPublishAlias must contain only alphanumeric characters.");
    }
    const version = versionResource(build, logicalId, lambda, p, attributes);
    build.add(version.logicalId, version.resource, logicalId);
    build.renames.set(`${logicalId}.Version`, version.logicalId);
    aliasId = `${logicalId}Alias${aliasName}`;
    alias = aliasResource(logicalId, aliasName, version.logicalId, p, attributes);
    build.add(aliasId, alias, logicalId);
    build.renames.set(`${logicalId}.Alias`, aliasId);
  } else if (p.ProvisionedConcurrencyConfig !== undefined) {
    throw new SamResourceError(
      logicalId,
      "To set ProvisionedConcurrencyConfig AutoPublishALias must be defined on the function",
    );
  }
  deploymentPreference(build, logicalId, p.DeploymentPreference, alias, attributes);

  const target: EventTarget = {
    kind: "function",
    logicalId,
    arn: aliasId === undefined ? getAtt(logicalId, "Arn") : ref(aliasId),
    name: ref(aliasId ?? logicalId),
    attributes,
    addManagedPolicy: (arn) => role?.addManagedPolicy(arn),
    addStatement: (statement) => {
      statements.push(statement);
    },
  };
  expandEvents(build, target, TYPE, p.Events);
  eventInvokeConfig(build, logicalId, p.EventInvokeConfig, aliasName, target);
  functionUrl(build, logicalId, p.FunctionUrlConfig, target, aliasId);

  if (role !== undefined) {
    if (statements.length > 0) role.addInlinePolicy(`${logicalId}DestinationsPolicy`, statements);
    const extra: Parameters<ExecutionRole["resource"]>[0] = { attributes, tags };
    if (p.RolePath !== undefined) extra.path = p.RolePath;
    if (p.PermissionsBoundary !== undefined) extra.permissionsBoundary = p.PermissionsBoundary;
    build.add(role.logicalId, role.resource(extra), logicalId);
  }
}

function code(
  logicalId: string,
  p: TemplateObject,
  params: Record<string, string | string[]>,
): TemplateObject {
  if (p.InlineCode !== undefined && p.CodeUri !== undefined) {
    throw new SamResourceError(logicalId, "Specify only one of 'InlineCode' or 'CodeUri'.");
  }
  if (p.InlineCode !== undefined) return { ZipFile: p.InlineCode };
  if (p.CodeUri === undefined)
    throw new SamResourceError(logicalId, "Either 'InlineCode' or 'CodeUri' must be set.");
  return lambdaCode(s3Location(p.CodeUri, logicalId, "CodeUri", params));
}

/** Expands the `Events` map of a function or state machine. */
export function expandEvents(
  build: SamBuild,
  target: EventTarget,
  ownerType: string,
  events: TemplateValue | undefined,
): void {
  if (events === undefined) return;
  if (!isObject(events)) throw new SamResourceError(target.logicalId, "'Events' must be a map.");
  for (const [name, event] of Object.entries(events)) {
    const eventId = `${target.logicalId}${name}`;
    if (!isObject(event) || typeof event.Type !== "string") {
      throw new SamResourceError(eventId, "Event must have a 'Type' string.");
    }
    const properties = isObject(event.Properties) ? event.Properties : {};
    if (API_EVENT_TYPES.has(event.Type) && !(event.Type === "HttpApi" && target.kind === "stateMachine")) {
      if (event.Type === "Api") restApiEvent(build, target, ownerType, name, properties);
      else httpApiEvent(build, target, ownerType, name, properties);
    } else {
      expandEvent(build, target, ownerType, name, event.Type, properties);
    }
  }
}
