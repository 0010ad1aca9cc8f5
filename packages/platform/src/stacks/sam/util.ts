import { createHash } from "node:crypto";
import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import { SamResourceError } from "./errors.js";

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is TemplateObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const INTRINSIC_KEYS = new Set([
  "Ref",
  "Condition",
  "Fn::GetAtt",
  "Fn::Sub",
  "Fn::Join",
  "Fn::If",
  "Fn::Select",
  "Fn::Split",
  "Fn::FindInMap",
  "Fn::ImportValue",
  "Fn::Base64",
  "Fn::GetAZs",
  "Fn::Equals",
  "Fn::And",
  "Fn::Or",
  "Fn::Not",
  "Fn::Cidr",
  "Fn::Length",
  "Fn::ToJsonString",
]);

/** True for `{ Ref }` / `{ "Fn::X": ... }` (one key, an intrinsic name). */
export function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSIC_KEYS.has(keys[0] as string);
}

export const ref = (logicalId: string): TemplateObject => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): TemplateObject => ({
  "Fn::GetAtt": [logicalId, attribute],
});
export const sub = (text: string, variables?: TemplateObject): TemplateObject => ({
  "Fn::Sub": variables === undefined ? text : [text, variables],
});

/** A deep copy of a JSON value. */
export function clone<T extends TemplateValue | undefined>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

/**
 * JSON with sorted keys and no spaces, as SAM's LogicalIdGenerator stringifies the data it
 * hashes (`json.dumps(data, separators=(",", ":"), sort_keys=True)`).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * SAM's generated logical ids: `<prefix><first 10 hex of sha1(data)>`; a string is hashed as
 * is, anything else as canonical JSON. `extra` (AutoPublishCodeSha256) is appended to the
 * hashed text, so either a content change or a new user hash gives a new id.
 */
export function hashedId(prefix: string, data: unknown, extra?: string): string {
  return `${prefix}${sha1Hex(data, extra).slice(0, 10)}`;
}

export function sha1Hex(data: unknown, extra?: string): string {
  const text = (typeof data === "string" ? data : canonicalJson(data)) + (extra ?? "");
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/**
 * Replaces `{ Ref: <parameter> }` with the parameter's resolved value, anywhere inside `value`
 * (SAM resolves parameter refs before hashing, so a new CodeUri parameter value publishes a
 * new version).
 */
export function resolveParameterRefs(
  value: TemplateValue | undefined,
  parameters: Record<string, string | string[]>,
): TemplateValue | undefined {
  if (Array.isArray(value)) return value.map((v) => resolveParameterRefs(v, parameters) ?? null);
  if (isObject(value)) {
    const r = value.Ref;
    if (Object.keys(value).length === 1 && typeof r === "string" && Object.hasOwn(parameters, r)) {
      return clone(parameters[r] as TemplateValue);
    }
    const out: TemplateObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveParameterRefs(v, parameters) ?? null;
    return out;
  }
  return value;
}

/**
 * A literal string for a property SAM needs to know at transform time (AutoPublishAlias,
 * StageName, DeploymentPreference Type...): a string, or a Ref to a resolved parameter.
 */
export function literalString(
  value: TemplateValue | undefined,
  parameters: Record<string, string | string[]>,
  logicalId: string,
  property: string,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  const resolved = resolveParameterRefs(value, parameters);
  if (typeof resolved === "string") return resolved;
  if (typeof resolved === "number" || typeof resolved === "boolean") return String(resolved);
  throw new SamResourceError(
    logicalId,
    `'${property}' must be a string or a Ref to a template parameter (SAM resolves it when transforming).`,
  );
}

/** A literal boolean (true/false or "true"/"false", or a Ref to a parameter holding one). */
export function literalBoolean(
  value: TemplateValue | undefined,
  parameters: Record<string, string | string[]>,
): boolean | undefined {
  const resolved = resolveParameterRefs(value, parameters);
  if (typeof resolved === "boolean") return resolved;
  if (resolved === "true" || resolved === "True") return true;
  if (resolved === "false" || resolved === "False") return false;
  return undefined;
}

/** Only the letters and digits (SAM's stage-name suffixes of logical ids). */
export const alphanumeric = (text: string): string => text.replace(/[^A-Za-z0-9]/g, "");

/** `{k: v}` tags -> `[{Key, Value}]`, with SAM's own tag first. */
export function tagList(samKey: string, tags: TemplateValue | undefined): TemplateValue[] {
  const list: TemplateValue[] = [{ Key: samKey, Value: "SAM" }];
  if (isObject(tags)) for (const [Key, Value] of Object.entries(tags)) list.push({ Key, Value });
  return list;
}

/** Resource attributes SAM copies to every resource it generates from one SAM resource. */
export function passthroughAttributes(resource: ResourceDefinition): Partial<ResourceDefinition> {
  const out: Partial<ResourceDefinition> = {};
  if (resource.Condition !== undefined) out.Condition = resource.Condition;
  if (resource.DeletionPolicy !== undefined) out.DeletionPolicy = resource.DeletionPolicy;
  if (resource.UpdateReplacePolicy !== undefined) out.UpdateReplacePolicy = resource.UpdateReplacePolicy;
  return out;
}

/** Adds `id` to a resource's DependsOn (kept a string when it was one and stays single). */
export function addDependsOn(resource: ResourceDefinition, id: string): void {
  const current = resource.DependsOn;
  if (current === undefined) resource.DependsOn = id;
  else if (typeof current === "string") {
    if (current !== id) resource.DependsOn = [current, id];
  } else if (!current.includes(id)) current.push(id);
}

/**
 * A path method as SAM writes it for a resource with a Condition:
 * `{ "Fn::If": [condition, method, { Ref: AWS::NoValue }] }`.
 */
export function conditional(method: TemplateObject, condition: string | undefined): TemplateObject {
  return condition === undefined ? method : { "Fn::If": [condition, method, { Ref: "AWS::NoValue" }] };
}

/** The method object inside a (possibly conditional) path method. */
export function unwrapConditional(method: TemplateValue): TemplateObject | undefined {
  if (!isObject(method)) return undefined;
  const branches = method["Fn::If"];
  if (Object.keys(method).length === 1 && Array.isArray(branches)) {
    return isObject(branches[1]) ? branches[1] : undefined;
  }
  return method;
}
