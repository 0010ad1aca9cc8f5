/** JSON values as the engine stores them: plain, serializable, no `undefined`. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** True for JSON objects (not arrays, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Compact JSON text, as Step Functions writes inputs and outputs into history. */
export function toJsonText(value: Json): string {
  return JSON.stringify(value);
}

/** Structural equality of two JSON values (object key order ignored). */
export function jsonEquals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEquals(item, b[i] as Json));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k] as Json, b[k] as Json));
  }
  return false;
}

/**
 * Converts a value produced by code we do not control (JSONata results, parsed text) into plain
 * JSON: drops `undefined` object members, turns non-finite numbers into null like JSON.stringify.
 * Returns undefined when the value itself is undefined or a function.
 */
export function toJson(value: unknown): Json | undefined {
  if (value === undefined || typeof value === "function") return undefined;
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}

/** UTF-8 size of the JSON text of a value. */
export function jsonSizeBytes(value: Json): number {
  return Buffer.byteLength(toJsonText(value), "utf8");
}

/** Reads a nested member of a JSON document by a list of keys and indexes. */
export function getIn(root: Json, path: readonly (string | number)[]): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path) {
    if (typeof key === "number") {
      if (!Array.isArray(node)) return undefined;
      node = node[key];
    } else {
      if (!isJsonObject(node) || !Object.hasOwn(node, key)) return undefined;
      node = node[key];
    }
  }
  return node;
}
