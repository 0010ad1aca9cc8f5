import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { lambdaCode, s3Location } from "./code.js";
import { SamResourceError } from "./errors.js";
import { hashedId, passthroughAttributes, resolveParameterRefs } from "./util.js";

const TYPE = "AWS::Serverless::LayerVersion";
const KNOWN = new Set([
  "ContentUri",
  "CompatibleRuntimes",
  "CompatibleArchitectures",
  "LayerName",
  "Description",
  "LicenseInfo",
  "RetentionPolicy",
]);

/**
 * The logical id SAM gives the AWS::Lambda::LayerVersion: `<Layer><hash10>` over its
 * properties, so new content publishes a new layer version. We do as SAM does: the driver
 * rewrites every Ref / GetAtt / Sub / DependsOn naming the SAM id to this one, so
 * `!Ref MyLayer` in functions and outputs keeps working and follows new versions.
 */
export function layerLogicalId(build: SamBuild, logicalId: string, resource: ResourceDefinition): string {
  const p = resource.Properties ?? {};
  return hashedId(logicalId, resolveParameterRefs(p, build.ctx.parameters));
}

/** AWS::Serverless::LayerVersion -> AWS::Lambda::LayerVersion (RetentionPolicy -> DeletionPolicy). */
export function transformLayer(
  build: SamBuild,
  logicalId: string,
  newId: string,
  resource: ResourceDefinition,
): void {
  const p = resource.Properties ?? {};
  build.checkProperties(logicalId, TYPE, p, KNOWN);
  const properties: TemplateObject = {
    Content: lambdaCode(s3Location(p.ContentUri, logicalId, "ContentUri", build.ctx.parameters)),
    // SAM names the layer after its logical id when LayerName is not given.
    LayerName: p.LayerName ?? logicalId,
  };
  for (const name of ["Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"]) {
    if (p[name] !== undefined) properties[name] = p[name] as TemplateValue;
  }
  const retention = resolveParameterRefs(p.RetentionPolicy, build.ctx.parameters) ?? "Retain";
  if (typeof retention !== "string" || !["retain", "delete"].includes(retention.toLowerCase())) {
    throw new SamResourceError(
      logicalId,
      "'RetentionPolicy' must be one of the following values: ['Retain', 'Delete']",
    );
  }
  const out: ResourceDefinition = {
    Type: "AWS::Lambda::LayerVersion",
    Properties: properties,
    ...passthroughAttributes(resource),
    DeletionPolicy: retention.toLowerCase() === "retain" ? "Retain" : "Delete",
  };
  if (resource.DependsOn !== undefined) out.DependsOn = resource.DependsOn;
  if (resource.Metadata !== undefined) out.Metadata = resource.Metadata;
  build.add(newId, out, logicalId);
}
