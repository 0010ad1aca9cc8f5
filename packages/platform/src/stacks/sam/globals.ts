import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import { SamResourceError } from "./errors.js";
import { clone, isIntrinsic, isObject } from "./util.js";

/** Properties each Globals section may set (SAM's globals.py). */
const SUPPORTED: Record<string, { type: string; properties: readonly string[] }> = {
  Function: {
    type: "AWS::Serverless::Function",
    properties: [
      "Handler",
      "Runtime",
      "CodeUri",
      "DeadLetterQueue",
      "Description",
      "MemorySize",
      "Timeout",
      "VpcConfig",
      "Environment",
      "Tags",
      "PropagateTags",
      "Tracing",
      "KmsKeyArn",
      "Layers",
      "AutoPublishAlias",
      "AutoPublishAliasAllProperties",
      "DeploymentPreference",
      "RolePath",
      "PermissionsBoundary",
      "ReservedConcurrentExecutions",
      "ProvisionedConcurrencyConfig",
      "AssumeRolePolicyDocument",
      "EventInvokeConfig",
      "FileSystemConfigs",
      "CodeSigningConfigArn",
      "Architectures",
      "SnapStart",
      "EphemeralStorage",
      "FunctionUrlConfig",
      "RuntimeManagementConfig",
      "LoggingConfig",
      "RecursiveLoop",
      "SourceKMSKeyArn",
    ],
  },
  Api: {
    type: "AWS::Serverless::Api",
    properties: [
      "Auth",
      "Name",
      "DefinitionUri",
      "CacheClusterEnabled",
      "CacheClusterSize",
      "MergeDefinitions",
      "Variables",
      "EndpointConfiguration",
      "MethodSettings",
      "BinaryMediaTypes",
      "MinimumCompressionSize",
      "Cors",
      "GatewayResponses",
      "AccessLogSetting",
      "CanarySetting",
      "TracingEnabled",
      "OpenApiVersion",
      "Domain",
      "AlwaysDeploy",
      "PropagateTags",
    ],
  },
  HttpApi: {
    type: "AWS::Serverless::HttpApi",
    properties: [
      "Auth",
      "AccessLogSettings",
      "StageVariables",
      "Tags",
      "CorsConfiguration",
      "DefaultRouteSettings",
      "Domain",
      "RouteSettings",
      "FailOnWarnings",
      "PropagateTags",
    ],
  },
  SimpleTable: {
    type: "AWS::Serverless::SimpleTable",
    properties: ["SSESpecification", "PointInTimeRecoverySpecification"],
  },
  StateMachine: { type: "AWS::Serverless::StateMachine", properties: ["PropagateTags"] },
  LayerVersion: { type: "AWS::Serverless::LayerVersion", properties: ["PropagateTags"] },
};

/** Checks the Globals section; throws (with SAM's wording) on a section or property SAM rejects. */
export function validateGlobals(globals: TemplateObject | undefined): void {
  if (globals === undefined) return;
  if (!isObject(globals)) throw new SamResourceError("Globals", "'Globals' section must be a map.");
  for (const [section, values] of Object.entries(globals)) {
    const spec = SUPPORTED[section];
    if (spec === undefined) {
      throw new SamResourceError(
        "Globals",
        `'${section}' is not a supported resource type in the Globals section. Must be one of the following values - [${Object.keys(SUPPORTED).join(", ")}]`,
      );
    }
    if (!isObject(values))
      throw new SamResourceError("Globals", `Globals section '${section}' must be a map.`);
    for (const property of Object.keys(values)) {
      if (!spec.properties.includes(property)) {
        throw new SamResourceError(
          "Globals",
          `'${property}' is not a supported property of '${section}'. Must be one of the following values - [${spec.properties.join(", ")}]`,
        );
      }
    }
  }
}

/**
 * Applies Globals to one SAM resource as SAM merges them: maps are merged key by key
 * (recursively), lists are the global items followed by the resource's, and anything else
 * (or a type mismatch, or an intrinsic on either side) takes the resource's value.
 */
export function applyGlobals(
  resource: ResourceDefinition,
  globals: TemplateObject | undefined,
): ResourceDefinition {
  if (globals === undefined) return resource;
  const section = Object.entries(SUPPORTED).find(([, spec]) => spec.type === resource.Type)?.[0];
  const values = section === undefined ? undefined : globals[section];
  if (!isObject(values)) return resource;
  const local = resource.Properties ?? {};
  const merged = mergeValue(values, local);
  return { ...resource, Properties: merged as TemplateObject };
}

function mergeValue(global: TemplateValue, local: TemplateValue | undefined): TemplateValue {
  if (local === undefined) return clone(global);
  if (isIntrinsic(global) || isIntrinsic(local)) return local;
  if (Array.isArray(global) && Array.isArray(local)) return [...clone(global), ...local];
  if (isObject(global) && isObject(local)) {
    const out: TemplateObject = {};
    for (const [k, v] of Object.entries(global)) out[k] = mergeValue(v, local[k]);
    for (const [k, v] of Object.entries(local)) if (!(k in global)) out[k] = v;
    return out;
  }
  return local;
}
