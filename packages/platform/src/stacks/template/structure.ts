import type { Template, TemplateValue } from "../model.js";
import { templateError } from "./errors.js";
import { parameterKind } from "./parameters.js";
import { checkRulesStructure } from "./rules.js";

export const SAM_TRANSFORM = "AWS::Serverless-2016-10-31";

/** The intrinsic functions Nimbus evaluates (Fn::Transform and the language extensions are refused). */
export const FUNCTIONS = [
  "Fn::Base64",
  "Fn::Cidr",
  "Fn::FindInMap",
  "Fn::GetAtt",
  "Fn::GetAZs",
  "Fn::ImportValue",
  "Fn::Join",
  "Fn::Select",
  "Fn::Split",
  "Fn::Sub",
  "Fn::If",
  "Fn::Equals",
  "Fn::And",
  "Fn::Or",
  "Fn::Not",
] as const;
const KNOWN = new Set<string>(FUNCTIONS);
/** Functions of the AWS::LanguageExtensions transform, which Nimbus does not run. */
const LANGUAGE_EXTENSIONS = new Set(["Fn::Length", "Fn::ToJsonString", "Fn::ForEach"]);

const SECTIONS = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
]);
export const RESOURCE_ATTRIBUTES = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Metadata",
  "UpdatePolicy",
  "CreationPolicy",
]);
/** Resource attributes only the SAM transform knows. */
export const SAM_RESOURCE_ATTRIBUTES = new Set(["Connectors", "IgnoreGlobals"]);
const DELETION_POLICIES = new Set(["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]);
const PARAMETER_PROPERTIES = new Set([
  "Type",
  "Default",
  "AllowedValues",
  "AllowedPattern",
  "MinLength",
  "MaxLength",
  "MinValue",
  "MaxValue",
  "NoEcho",
  "Description",
  "ConstraintDescription",
]);
const OUTPUT_PROPERTIES = new Set(["Value", "Description", "Export", "Condition"]);
const LIMITS = { resources: 500, parameters: 200, outputs: 200, mappings: 200 } as const;
const ALPHANUMERIC = /^[A-Za-z0-9]+$/;

export function isObject(value: unknown): value is { [key: string]: TemplateValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The transforms a template declares (`Transform: X` or `Transform: [X, Y]`). */
export function transforms(template: { Transform?: unknown }): string[] {
  const t = template.Transform;
  if (t === undefined || t === null) return [];
  return Array.isArray(t) ? t.map((x) => (typeof x === "string" ? x : JSON.stringify(x))) : [String(t)];
}

/**
 * Messages follow CloudFormation's where they are known from its answers ("At least one Resources
 * member must be defined.", "Every Outputs member must contain a Value object", "Invalid template
 * resource property 'X'", "Resource name X is non alphanumeric.", the limits); the others
 * (unsupported function lists, section shapes) are worded after them but not verified.
 *
 * Checks the structure of a parsed template as CloudFormation's template validation does and
 * returns it typed. References between sections are checked later (`resourceDependencies`),
 * because a SAM template references resources that only its transform creates.
 */
export function checkStructure(value: TemplateValue): Template {
  if (!isObject(value)) throw templateError.format("Template must be a JSON or YAML object");
  const sam = checkTransform(value.Transform);
  const unknown = Object.keys(value).filter((k) => !SECTIONS.has(k) && !(sam && k === "Globals"));
  if (unknown.length > 0)
    throw templateError.format(`Invalid template property or properties [${unknown.join(", ")}]`);
  const version = value.AWSTemplateFormatVersion;
  if (version !== undefined && version !== "2010-09-09") {
    throw templateError.format(
      `Unsupported template format version ${String(version)}; the only valid value is 2010-09-09`,
    );
  }
  if (value.Description !== undefined && typeof value.Description !== "string") {
    throw templateError.format("Description must be a string");
  }
  if (typeof value.Description === "string" && Buffer.byteLength(value.Description) > 1024) {
    throw templateError.format("'Description' length is greater than 1024.");
  }
  checkRulesStructure(value.Rules);
  for (const section of ["Metadata", "Parameters", "Mappings", "Conditions", "Outputs", "Globals"]) {
    if (value[section] !== undefined && value[section] !== null && !isObject(value[section])) {
      throw templateError.format(`The ${section} section must be an object`);
    }
  }
  checkResources(value.Resources, sam);
  checkParameters(value.Parameters);
  checkMappings(value.Mappings);
  checkOutputs(value.Outputs);
  if (isObject(value.Parameters) && isObject(value.Resources)) {
    const resources = value.Resources;
    const shared = Object.keys(value.Parameters).filter((name) => Object.hasOwn(resources, name));
    if (shared.length > 0)
      throw templateError.format(
        `Duplicate logical IDs across Parameters and Resources: [${shared.join(", ")}]`,
      );
  }
  for (const section of ["Resources", "Outputs", "Conditions", "Globals"]) checkFunctions(value[section]);
  return value as unknown as Template;
}

function checkTransform(transform: TemplateValue | undefined): boolean {
  if (transform === undefined) return false;
  const list = Array.isArray(transform) ? transform : [transform];
  for (const t of list) {
    if (typeof t !== "string")
      throw templateError.unsupported("A Transform with parameters (AWS::Include, macros)");
    if (t === "AWS::LanguageExtensions")
      throw templateError.unsupported("The AWS::LanguageExtensions transform");
    if (t !== SAM_TRANSFORM) throw templateError.unsupported(`The transform ${t} (macros)`);
  }
  return list.length > 0;
}

function checkResources(resources: TemplateValue | undefined, sam: boolean): void {
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    throw templateError.format("At least one Resources member must be defined.");
  }
  const count = Object.keys(resources).length;
  limit("resources", count, LIMITS.resources);
  for (const [id, resource] of Object.entries(resources)) {
    if (id.startsWith("Fn::ForEach"))
      throw templateError.unsupported("Fn::ForEach (AWS::LanguageExtensions)");
    if (!ALPHANUMERIC.test(id)) throw templateError.format(`Resource name ${id} is non alphanumeric.`);
    if (!isObject(resource) || typeof resource.Type !== "string" || resource.Type === "") {
      throw templateError.format(`[/Resources/${id}] Every Resources object must contain a Type member.`);
    }
    // The SAM transform reads only the attributes it knows from an AWS::Serverless::* resource
    // and ignores any other key (samtranslator's Resource.from_dict), so a `Description:` next to
    // `Properties:` deploys on AWS; the transform lists such keys as not applied.
    const samResource = sam && resource.Type.startsWith("AWS::Serverless::");
    for (const key of samResource ? [] : Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(key) && !(sam && SAM_RESOURCE_ATTRIBUTES.has(key))) {
        throw templateError.format(`Invalid template resource property '${key}'`);
      }
    }
    const { Properties, DependsOn, Condition, DeletionPolicy, UpdateReplacePolicy } = resource;
    if (Properties !== undefined && Properties !== null && !isObject(Properties)) {
      throw templateError.format(`[/Resources/${id}/Properties] Properties must be an object`);
    }
    const dependsOn = Array.isArray(DependsOn) ? DependsOn : DependsOn === undefined ? [] : [DependsOn];
    if (dependsOn.some((d) => typeof d !== "string")) {
      throw templateError.format(
        `[/Resources/${id}/DependsOn] DependsOn must be a string or a list of strings`,
      );
    }
    if (Condition !== undefined && typeof Condition !== "string") {
      throw templateError.format(`[/Resources/${id}/Condition] Condition must be a string`);
    }
    for (const [name, policy] of [
      ["DeletionPolicy", DeletionPolicy],
      ["UpdateReplacePolicy", UpdateReplacePolicy],
    ] as const) {
      // Policies given as intrinsics (Fn::If) are allowed by CloudFormation; the engine resolves them.
      if (typeof policy === "string" && !DELETION_POLICIES.has(policy)) {
        throw templateError.format(`Unrecognized ${name} ${policy} for resource ${id}`);
      }
    }
  }
}

function checkParameters(parameters: TemplateValue | undefined): void {
  if (!isObject(parameters)) return;
  limit("parameters", Object.keys(parameters).length, LIMITS.parameters);
  for (const [name, def] of Object.entries(parameters)) {
    if (!ALPHANUMERIC.test(name)) throw templateError.format(`Parameter name ${name} is non alphanumeric.`);
    if (!isObject(def) || typeof def.Type !== "string") {
      throw templateError.format(`Every Parameters object must contain a Type member.`);
    }
    parameterKind(def.Type);
    for (const key of Object.keys(def)) {
      if (!PARAMETER_PROPERTIES.has(key))
        throw templateError.format(`Invalid template parameter property '${key}'`);
    }
    if (def.AllowedValues !== undefined && !Array.isArray(def.AllowedValues)) {
      throw templateError.format(`Every AllowedValues object in parameter ${name} must be a list`);
    }
    for (const key of ["MinLength", "MaxLength", "MinValue", "MaxValue"] as const) {
      const v = def[key];
      if (v !== undefined && !Number.isFinite(Number(v))) {
        throw templateError.format(`Parameter ${name} ${key} must be a number`);
      }
    }
    if (def.AllowedPattern !== undefined) {
      try {
        new RegExp(String(def.AllowedPattern));
      } catch {
        throw templateError.format(`Parameter ${name} AllowedPattern is not a valid regular expression`);
      }
    }
  }
}

function checkMappings(mappings: TemplateValue | undefined): void {
  if (!isObject(mappings)) return;
  limit("mappings", Object.keys(mappings).length, LIMITS.mappings);
  for (const [name, map] of Object.entries(mappings)) {
    if (!ALPHANUMERIC.test(name)) throw templateError.format(`Mapping name ${name} is non alphanumeric.`);
    if (!isObject(map) || Object.values(map).some((second) => !isObject(second))) {
      throw templateError.format(`Mappings attribute ${name} must be a map of maps`);
    }
  }
}

function checkOutputs(outputs: TemplateValue | undefined): void {
  if (!isObject(outputs)) return;
  limit("outputs", Object.keys(outputs).length, LIMITS.outputs);
  for (const [name, output] of Object.entries(outputs)) {
    if (!ALPHANUMERIC.test(name)) throw templateError.format(`Output name ${name} is non alphanumeric.`);
    if (!isObject(output) || output.Value === undefined || output.Value === null) {
      throw templateError.format("Every Outputs member must contain a Value object");
    }
    for (const key of Object.keys(output)) {
      if (!OUTPUT_PROPERTIES.has(key))
        throw templateError.format(`Invalid template output property '${key}'`);
    }
    if (output.Export !== undefined && (!isObject(output.Export) || output.Export.Name === undefined)) {
      throw templateError.format(
        `Output ${name} is malformed. The Name field of every Export member must be specified`,
      );
    }
  }
}

function limit(what: string, count: number, max: number): void {
  if (count > max)
    throw templateError.format(`Number of ${what}, ${count}, is greater than maximum allowed, ${max}`);
}

/** Every `Fn::` key must name a function Nimbus evaluates; `Ref` takes one string. */
function checkFunctions(value: TemplateValue | undefined): void {
  if (Array.isArray(value)) {
    for (const item of value) checkFunctions(item);
    return;
  }
  if (!isObject(value)) return;
  const keys = Object.keys(value);
  // Fn::Transform may sit beside other keys (it merges a macro's output into its object).
  if (keys.includes("Fn::Transform")) throw templateError.unsupported("Fn::Transform (macros)");
  if (keys.length === 1) {
    const key = keys[0] as string;
    if (key === "Ref" && typeof value.Ref !== "string") {
      throw templateError.format("Every Ref object must have a single String value.");
    }
    if (LANGUAGE_EXTENSIONS.has(key)) throw templateError.unsupported(`${key} (AWS::LanguageExtensions)`);
    if (key.startsWith("Fn::") && !KNOWN.has(key)) {
      throw templateError.format(
        `Encountered unsupported function: ${key} Supported functions are: [${FUNCTIONS.join(", ")}]`,
      );
    }
  }
  for (const v of Object.values(value)) checkFunctions(v);
}
