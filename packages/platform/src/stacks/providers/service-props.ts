import { PlatformError } from "../../core/errors.js";
import type { ResolvedProperties } from "../model.js";

/**
 * Small helpers shared by the providers of the messaging, objects, events and workflow
 * services (sqs.ts, sns.ts, s3.ts, events.ts, scheduler.ts, stepfunctions.ts): reading resolved
 * template values the way CloudFormation coerces them, tag lists, and the "already gone" test.
 */

/** Error codes of these providers (listed in docs/errors.md, "Stacks (service providers)"). */
export const SERVICE_PROVIDER_ERRORS = {
  propertyInvalid: "ERR_STACK_SERVICE_PROPERTY_INVALID",
  alreadyExists: "ERR_STACK_SERVICE_RESOURCE_EXISTS",
  updateUnsupported: "ERR_STACK_SERVICE_UPDATE_UNSUPPORTED",
} as const;

/** A property whose value has the wrong shape (CloudFormation's template validation error). */
export function invalidProperty(type: string, property: string, reason: string): PlatformError {
  return new PlatformError({
    code: SERVICE_PROVIDER_ERRORS.propertyInvalid,
    awsName: "ValidationError",
    message: `Property validation failure for ${type}: ${property} ${reason}`,
  });
}

/** A named resource that already exists outside the stack (CloudFormation's AlreadyExists). */
export function alreadyExists(type: string, identifier: string): PlatformError {
  return new PlatformError({
    code: SERVICE_PROVIDER_ERRORS.alreadyExists,
    awsName: "AlreadyExistsException",
    message: `Resource of type '${type}' with identifier '${identifier}' already exists.`,
    status: 409,
  });
}

/** A change the service has no operation for (Nimbus cannot apply it in place). */
export function updateUnsupported(type: string, property: string, why: string): PlatformError {
  return new PlatformError({
    code: SERVICE_PROVIDER_ERRORS.updateUnsupported,
    awsName: "ValidationError",
    message: `${type}: changing ${property} is not supported by Nimbus (${why}); remove and re-add the resource, or rename it.`,
  });
}

/** True when `error` is one of the service's "does not exist" answers (by AWS name). */
export function isGone(error: unknown, names: readonly string[]): boolean {
  const name = (error as { awsName?: unknown } | null)?.awsName;
  return typeof name === "string" && names.includes(name);
}

/** Runs `op`, treating the service's "does not exist" answers as success (deletes). */
export async function ignoreGone(names: readonly string[], op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (error) {
    if (!isGone(error, names)) throw error;
  }
}

/**
 * A scalar property as the string the service API wants. CloudFormation accepts `30` and
 * `"30"`, `true` and `"true"` alike for String/Integer/Boolean properties.
 */
export function scalar(props: ResolvedProperties, name: string, type: string): string | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  throw invalidProperty(type, name, "must be a string, number or boolean");
}

/** A boolean property (`true`, `"true"`, `false`, `"false"`). */
export function flag(props: ResolvedProperties, name: string, type: string): boolean | undefined {
  const value = scalar(props, name, type);
  if (value === undefined) return undefined;
  if (value !== "true" && value !== "false") throw invalidProperty(type, name, "must be true or false");
  return value === "true";
}

/** A Json property: objects become their JSON text, strings are taken as given. */
export function jsonText(props: ResolvedProperties, name: string, type: string): string | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  throw invalidProperty(type, name, "must be a JSON object or its text");
}

/** An object property (a structure in the template). */
export function object(
  props: ResolvedProperties,
  name: string,
  type: string,
): Record<string, unknown> | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidProperty(type, name, "must be an object");
  return value as Record<string, unknown>;
}

/** A list property. */
export function list(props: ResolvedProperties, name: string, type: string): unknown[] {
  const value = props[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidProperty(type, name, "must be a list");
  return value;
}

/** A list of strings (`Queues`, `Topics`). */
export function stringList(props: ResolvedProperties, name: string, type: string): string[] {
  return list(props, name, type).map((item) => {
    if (typeof item !== "string") throw invalidProperty(type, name, "must be a list of strings");
    return item;
  });
}

/** CloudFormation's `Tags: [{Key, Value}]` as a map. */
export function tagMap(props: ResolvedProperties, type: string, name = "Tags"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of list(props, name, type)) {
    const t = tag as { Key?: unknown; Value?: unknown } | null;
    if (typeof t?.Key !== "string" || (t.Value !== undefined && typeof t.Value !== "string"))
      throw invalidProperty(type, name, "must be a list of {Key, Value} strings");
    out[t.Key] = typeof t.Value === "string" ? t.Value : "";
  }
  return out;
}

/** What changed between two tag maps: tags to set and keys to remove. */
export function tagChanges(
  before: Record<string, string>,
  after: Record<string, string>,
): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(after)) if (before[key] !== value) set[key] = value;
  const remove = Object.keys(before).filter((key) => !(key in after));
  return { set, remove };
}

/** Same value in both property sets (deep, by JSON text). */
export function sameValue(a: ResolvedProperties, b: ResolvedProperties, name: string): boolean {
  return JSON.stringify(a[name]) === JSON.stringify(b[name]);
}

/**
 * A target's RetryPolicy with numbers where a parameter gave strings (`"3"`): the APIs want
 * numbers (rules and schedules share the shape).
 */
export function numericRetry(target: Record<string, unknown>): Record<string, unknown> {
  const retry = target.RetryPolicy;
  if (typeof retry !== "object" || retry === null || Array.isArray(retry)) return target;
  const out: Record<string, unknown> = { ...(retry as Record<string, unknown>) };
  for (const key of ["MaximumRetryAttempts", "MaximumEventAgeInSeconds"])
    if (typeof out[key] === "string" && out[key] !== "") out[key] = Number(out[key]);
  return { ...target, RetryPolicy: out };
}

/**
 * Service attributes set from template properties of the same name (SQS queue attributes, SNS
 * topic and subscription attributes): how each is read, and the service's value when unset.
 */
export type AttributeSpec = Record<string, { kind: "scalar" | "json"; reset: string }>;

/** The attributes the template sets, as the strings the service stores. */
export function attributesOf(
  props: ResolvedProperties,
  spec: AttributeSpec,
  type: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(spec)) {
    const value = s.kind === "json" ? jsonText(props, name, type) : scalar(props, name, type);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The attribute writes of an update: changed attributes, and attributes the template no longer
 * sets put back to the service's defaults (as CloudFormation does).
 */
export function attributeChanges(
  before: ResolvedProperties,
  after: ResolvedProperties,
  spec: AttributeSpec,
  type: string,
): Record<string, string> {
  const old = attributesOf(before, spec, type);
  const next = attributesOf(after, spec, type);
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(spec)) {
    const value = next[name];
    if (value !== undefined) {
      if (value !== old[name]) out[name] = value;
    } else if (old[name] !== undefined) out[name] = s.reset;
  }
  return out;
}
