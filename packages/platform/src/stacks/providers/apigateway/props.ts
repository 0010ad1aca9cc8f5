import { parse as parseYaml } from "yaml";
import { PlatformError } from "../../../core/errors.js";
import type { ProviderContext, ResolvedProperties } from "../../model.js";

/**
 * Reading resolved template values for the API Gateway providers (v1 in this folder, v2 in
 * ../apigatewayv2/), their errors, and the "already gone" test for deletes.
 */

/** Error codes of the API Gateway providers (docs/errors.md, "Stacks (API Gateway providers)"). */
export const APIGW_PROVIDER_ERRORS = {
  propertyInvalid: "ERR_STACK_APIGW_PROPERTY_INVALID",
  unsupported: "ERR_STACK_APIGW_UNSUPPORTED",
  updateUnsupported: "ERR_STACK_APIGW_UPDATE_UNSUPPORTED",
  definitionInvalid: "ERR_STACK_APIGW_DEFINITION_INVALID",
} as const;

export type Obj = Record<string, unknown>;

/** A property whose value has the wrong shape (CloudFormation's template validation error). */
export function invalid(type: string, property: string, reason: string): PlatformError {
  return new PlatformError({
    code: APIGW_PROVIDER_ERRORS.propertyInvalid,
    awsName: "ValidationError",
    message: `Property validation failure for ${type}: ${property} ${reason}`,
  });
}

/** A nested member (inside a listed property) that Nimbus does not apply: refused, naming it. */
export function unsupportedMember(
  type: string,
  member: string,
  why = "not supported by Nimbus",
): PlatformError {
  return new PlatformError({
    code: APIGW_PROVIDER_ERRORS.unsupported,
    awsName: "ValidationError",
    message: `${type}: ${member} is ${why}`,
  });
}

/** A change the API Gateway API has no operation for. */
export function updateUnsupported(type: string, property: string, why: string): PlatformError {
  return new PlatformError({
    code: APIGW_PROVIDER_ERRORS.updateUnsupported,
    awsName: "ValidationError",
    message: `${type}: changing ${property} is not supported by Nimbus (${why}); replace the resource (new logical id) instead.`,
  });
}

/** An OpenAPI definition that cannot be imported (API Gateway answers BadRequestException). */
export function definitionInvalid(message: string): PlatformError {
  return new PlatformError({
    code: APIGW_PROVIDER_ERRORS.definitionInvalid,
    awsName: "BadRequestException",
    message: `Errors found during import: ${message}`,
  });
}

/** Typed readers of one resource type's resolved properties. */
export class Props {
  constructor(
    readonly type: string,
    readonly values: ResolvedProperties,
  ) {}

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  /** A String property (CloudFormation also accepts numbers and booleans for them). */
  str(name: string): string | undefined {
    return scalarText(this.values[name], this.type, name);
  }

  required(name: string): string {
    const value = this.str(name);
    if (value === undefined || value === "") throw invalid(this.type, name, "is required");
    return value;
  }

  num(name: string): number | undefined {
    return numberOf(this.values[name], this.type, name);
  }

  bool(name: string): boolean | undefined {
    return boolOf(this.values[name], this.type, name);
  }

  obj(name: string): Obj | undefined {
    return objectOf(this.values[name], this.type, name);
  }

  list(name: string): unknown[] | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw invalid(this.type, name, "must be a list");
    return value;
  }

  strList(name: string): string[] | undefined {
    return this.list(name)?.map((item) => {
      const text = scalarText(item, this.type, name);
      if (text === undefined) throw invalid(this.type, name, "must be a list of strings");
      return text;
    });
  }

  /** A map of strings (`Variables`, `RequestTemplates`). */
  strMap(name: string): Record<string, string> | undefined {
    return stringMap(this.values[name], this.type, name);
  }

  /** CloudFormation's `Tags: [{Key, Value}]` (v1) as a map. */
  tagList(name = "Tags"): Record<string, string> {
    const out: Record<string, string> = {};
    for (const tag of this.list(name) ?? []) {
      const t = tag as { Key?: unknown; Value?: unknown } | null;
      if (typeof t?.Key !== "string" || (t.Value !== undefined && typeof t.Value !== "string"))
        throw invalid(this.type, name, "must be a list of {Key, Value} strings");
      out[t.Key] = typeof t.Value === "string" ? t.Value : "";
    }
    return out;
  }
}

export function scalarText(value: unknown, type: string, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  throw invalid(type, name, "must be a string");
}

export function numberOf(value: unknown, type: string, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw invalid(type, name, "must be a number");
  return n;
}

export function boolOf(value: unknown, type: string, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw invalid(type, name, "must be true or false");
}

export function objectOf(value: unknown, type: string, name: string): Obj | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(type, name, "must be an object");
  return value as Obj;
}

export function stringMap(value: unknown, type: string, name: string): Record<string, string> | undefined {
  const o = objectOf(value, type, name);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(o)) {
    const text = scalarText(v, type, `${name}.${key}`);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

/**
 * Refuses members of a nested structure that are not in `known` (so nothing inside a listed
 * property is silently dropped), and members in `refused` unless they hold their default.
 */
export function checkMembers(
  type: string,
  where: string,
  value: Obj,
  known: readonly string[],
  defaults: Record<string, unknown> = {},
): void {
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (key in defaults) {
      if (JSON.stringify(v) === JSON.stringify(defaults[key]) || String(v) === String(defaults[key]))
        continue;
      throw unsupportedMember(type, `${where}.${key} = ${JSON.stringify(v)}`);
    }
    if (!known.includes(key)) throw unsupportedMember(type, `${where}.${key}`);
  }
}

/** True when `error` is an API Gateway "does not exist" answer. */
export function isGone(error: unknown): boolean {
  const e = error as { awsName?: unknown; status?: unknown } | null;
  return e?.awsName === "NotFoundException" || e?.status === 404;
}

/** Runs a delete, treating "does not exist" as done (deleting something gone is not an error). */
export async function ignoreGone(op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** Same value in both property sets (deep, by JSON text). */
export function changed(before: ResolvedProperties, after: ResolvedProperties, ...names: string[]): boolean {
  return names.some((name) => JSON.stringify(before[name] ?? null) !== JSON.stringify(after[name] ?? null));
}

/** What changed between two string maps: entries to set and keys to remove. */
export function mapChanges(
  before: Record<string, string>,
  after: Record<string, string>,
): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(after)) if (before[key] !== value) set[key] = value;
  return { set, remove: Object.keys(before).filter((key) => !(key in after)) };
}

export const enc = encodeURIComponent;

/**
 * An OpenAPI definition from `Body` (an object, or its JSON/YAML text) or `BodyS3Location`
 * ({Bucket, Key, Version}; read from Nimbus's own S3). Undefined when neither is given.
 */
export async function readDefinition(ctx: ProviderContext, props: Props): Promise<Obj | undefined> {
  if (props.has("Body") && props.has("BodyS3Location"))
    throw invalid(props.type, "Body", "and BodyS3Location cannot both be given");
  const body = props.values.Body;
  if (body !== undefined && body !== null) {
    if (typeof body === "string") return parseDefinitionText(body, props.type, "Body");
    return objectOf(body, props.type, "Body");
  }
  const location = props.obj("BodyS3Location");
  if (!location) return undefined;
  // v1 spells it ETag, v2 Etag.
  checkMembers(props.type, "BodyS3Location", location, ["Bucket", "Key", "Version", "ETag", "Etag"]);
  const bucket = scalarText(location.Bucket, props.type, "BodyS3Location.Bucket");
  const key = scalarText(location.Key, props.type, "BodyS3Location.Key");
  if (!bucket || !key) throw invalid(props.type, "BodyS3Location", "needs Bucket and Key");
  const version = scalarText(location.Version, props.type, "BodyS3Location.Version");
  const etag = scalarText(location.ETag ?? location.Etag, props.type, "BodyS3Location.ETag");
  const path = `/${bucket}/${key.split("/").map(enc).join("/")}${version ? `?versionId=${enc(version)}` : ""}`;
  const object = await ctx.api.s3("GET", path, undefined, etag ? { "if-match": etag } : {});
  return parseDefinitionText(object.body.toString("utf8"), props.type, "BodyS3Location");
}

function parseDefinitionText(text: string, type: string, name: string): Obj {
  let value: unknown;
  try {
    value = text.trimStart().startsWith("{") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw invalid(type, name, `is neither JSON nor YAML: ${(error as Error).message}`);
  }
  const doc = objectOf(value, type, name);
  if (!doc) throw invalid(type, name, "is empty");
  return doc;
}

/** `info.title` of an OpenAPI definition. */
export function titleOf(definition: Obj): string | undefined {
  const title = (definition.info as Obj | undefined)?.title;
  return typeof title === "string" && title !== "" ? title : undefined;
}

/** One JSON-pointer segment (`image/png` -> `image~1png`). */
export function pointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}
