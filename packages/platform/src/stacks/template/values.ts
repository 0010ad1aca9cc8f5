import { NO_VALUE } from "./pseudo.js";
import { isObject } from "./structure.js";

/** Marker inside resolved values that are not known until apply (attributes of resources not yet created). */
export const UNRESOLVED = "{{nimbus:known-after-apply}}";

/** True when `value` (deeply) holds a string carrying the UNRESOLVED marker. */
export function containsUnresolved(value: unknown): boolean {
  if (typeof value === "string") return value.includes(UNRESOLVED);
  if (Array.isArray(value)) return value.some(containsUnresolved);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnresolved);
  return false;
}

/** `record[key]` when the record has that key itself (never a prototype member such as `toString`). */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The single key of an object that is an intrinsic function call, else undefined. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined) return undefined;
  return key === "Ref" || key.startsWith("Fn::") ? key : undefined;
}

export function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

export function splitOnce(value: string): [string, string] {
  const dot = value.indexOf(".");
  return dot < 0 ? [value, ""] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** `Outputs.Name` or `Endpoint.Address`: the dotted name as given, else walked through nested objects. */
export function attributeValue(attributes: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(attributes, name)) return attributes[name];
  let current: unknown = attributes;
  for (const part of name.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Values as Fn::Equals compares them: as CloudFormation strings (`1` equals `"1"`). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value.map((v) => canonical(v)));
  if (value === NO_VALUE) return "";
  return text(value) ?? JSON.stringify(value);
}
