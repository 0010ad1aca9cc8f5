import { PlatformError } from "../../../core/errors.js";
import { type ProviderContext, type ResolvedProperties, STACK_ERRORS } from "../../model.js";

/**
 * Helpers of the Lambda resource providers: reading resolved properties the way CloudFormation
 * coerces them (`"30"` for an Integer, `"true"` for a Boolean), Lambda API paths, and the
 * "already gone" test for deletes.
 */

/** A property CloudFormation would refuse (its template validation error). */
export function invalid(type: string, property: string, reason: string): PlatformError {
  return new PlatformError({
    code: STACK_ERRORS.providerFailed,
    awsName: "ValidationError",
    message: `Property validation failure for ${type}: ${property} ${reason}`,
  });
}

/** A failure of the provider itself (not a service's answer). */
export function failed(message: string): PlatformError {
  return new PlatformError({ code: STACK_ERRORS.providerFailed, awsName: "ValidationError", message });
}

export function str(props: ResolvedProperties, name: string, type: string): string | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalid(type, name, "must be a string");
}

export function requiredStr(props: ResolvedProperties, name: string, type: string): string {
  const value = str(props, name, type);
  if (value === undefined || value === "") throw invalid(type, name, "is required");
  return value;
}

export function int(props: ResolvedProperties, name: string, type: string): number | undefined {
  return intValue(props[name], name, type);
}

export function intValue(value: unknown, name: string, type: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) throw invalid(type, name, "must be an integer");
  return n;
}

export function bool(props: ResolvedProperties, name: string, type: string): boolean | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw invalid(type, name, "must be true or false");
}

export function obj(
  props: ResolvedProperties,
  name: string,
  type: string,
): Record<string, unknown> | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(type, name, "must be an object");
  return value as Record<string, unknown>;
}

export function strList(props: ResolvedProperties, name: string, type: string): string[] | undefined {
  const value = props[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid(type, name, "must be a list");
  return value.map((v) => {
    if (typeof v !== "string") throw invalid(type, name, "must be a list of strings");
    return v;
  });
}

/** CloudFormation's `Tags` list (`[{Key, Value}]`) as the map Lambda takes. */
export function tagMap(props: ResolvedProperties, type: string): Record<string, string> {
  const value = props.Tags;
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw invalid(type, "Tags", "must be a list of {Key, Value}");
  const out: Record<string, string> = {};
  for (const tag of value) {
    const t = tag as { Key?: unknown; Value?: unknown } | null;
    if (typeof t?.Key !== "string") throw invalid(type, "Tags", "entries need a string Key");
    out[t.Key] = t.Value === undefined || t.Value === null ? "" : String(t.Value);
  }
  return out;
}

/** Deep equality of two resolved values (to skip API calls whose inputs did not change). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** True when any of `names` differs between the two property sets. */
export function changed(
  before: ResolvedProperties,
  after: ResolvedProperties,
  names: readonly string[],
): boolean {
  return names.some((n) => !same(before[n], after[n]));
}

/** True when `error` is a "does not exist" answer of a service. */
export function isGone(error: unknown): boolean {
  const name = (error as { awsName?: unknown } | null)?.awsName;
  return name === "ResourceNotFoundException" || name === "ProvisionedConcurrencyConfigNotFoundException";
}

/** Runs `op`, treating "does not exist" as done (deletes of something already gone). */
export async function ignoreGone(op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** `/2015-03-31/functions/<name>` with the name (or ARN) percent-encoded, plus an optional query. */
export function functionPath(
  functionName: string,
  suffix = "",
  query: Record<string, string | undefined> = {},
  prefix = "/2015-03-31/functions",
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  const qs = q.toString();
  return `${prefix}/${encodeURIComponent(functionName)}${suffix}${qs ? `?${qs}` : ""}`;
}

/** The tags CloudFormation puts on the resources it creates. */
export function stackTags(ctx: ProviderContext, logicalId: string): Record<string, string> {
  return {
    "aws:cloudformation:stack-name": ctx.stackName,
    "aws:cloudformation:stack-id": ctx.stackId,
    "aws:cloudformation:logical-id": logicalId,
  };
}

interface FunctionConfiguration {
  FunctionArn: string;
  State?: string;
  LastUpdateStatus?: string;
  LastUpdateStatusReason?: string;
}

/**
 * Waits until the function is Active and its last update Successful, as CloudFormation does
 * before it reports a function complete. Nimbus applies updates synchronously, so this is one
 * read; the loop keeps the provider right if a later version applies them in the background.
 */
export async function waitUntilUpdated(
  ctx: ProviderContext,
  functionName: string,
): Promise<FunctionConfiguration> {
  for (let attempt = 0; ; attempt++) {
    const config = await ctx.api.rest<FunctionConfiguration>(
      "lambda",
      "GET",
      functionPath(functionName, "/configuration"),
    );
    const state = config.State ?? "Active";
    const status = config.LastUpdateStatus ?? "Successful";
    if (state === "Failed" || status === "Failed") {
      throw failed(`Function ${functionName} failed to update: ${config.LastUpdateStatusReason ?? state}`);
    }
    if (state === "Active" && status === "Successful") return config;
    if (attempt >= 60) throw failed(`Function ${functionName} did not become Active in time.`);
    await new Promise<void>((resolve) => ctx.clock.setTimer(250, resolve));
  }
}
