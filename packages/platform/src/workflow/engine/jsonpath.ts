import { isJsonObject, type Json, type JsonObject } from "./json.js";
import { evaluateFilter, type FilterExpr, parseFilter } from "./jsonpath-filter.js";

/**
 * JsonPath as Step Functions evaluates it (the Jayway dialect): `$.a.b`, `$['a b']`, `$.a[0]`,
 * `$.a[-1]`, slices `$.a[1:3]`, `$.a[-2:]`, wildcards `$.a[*]` / `$.a.*`, unions `$.a[0,2]` /
 * `$['a','b']`, deep scan `$..x`, filters `$.a[?(@.x > 1)]`.
 * A *definite* path (only names and indexes) selects one node or nothing; any other path
 * collects its matches into an array, which may be empty.
 */
export type Segment =
  | { kind: "child"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "slice"; start: number | undefined; end: number | undefined; step: number | undefined }
  | { kind: "names"; names: string[] }
  | { kind: "indexes"; indexes: number[] }
  | { kind: "descendant"; inner: Segment }
  | { kind: "filter"; expr: FilterExpr };

export interface CompiledPath {
  readonly text: string;
  readonly segments: readonly Segment[];
  /** Names and indexes only: the path addresses at most one node. */
  readonly definite: boolean;
}

/** A path that does not parse. */
export class JsonPathSyntaxError extends Error {
  constructor(path: string, detail: string) {
    super(`Invalid JsonPath '${path}': ${detail}`);
    this.name = "JsonPathSyntaxError";
  }
}

export type PathResult = { found: true; value: Json } | { found: false };

/** Parses a path that starts with `$`. Throws JsonPathSyntaxError. */
export function compilePath(text: string): CompiledPath {
  if (!text.startsWith("$")) throw new JsonPathSyntaxError(text, "a path must start with '$'");
  const segments: Segment[] = [];
  let i = 1;
  while (i < text.length) {
    const ch = text[i];
    if (text.startsWith("..", i)) {
      i += 2;
      const parsed = text[i] === "[" ? parseBracket(text, i) : parseDotName(text, i);
      segments.push({ kind: "descendant", inner: parsed.segment });
      i = parsed.next;
    } else if (ch === ".") {
      const parsed = parseDotName(text, i + 1);
      segments.push(parsed.segment);
      i = parsed.next;
    } else if (ch === "[") {
      const parsed = parseBracket(text, i);
      segments.push(parsed.segment);
      i = parsed.next;
    } else {
      throw new JsonPathSyntaxError(text, `unexpected character '${ch}' at position ${i}`);
    }
  }
  const definite = segments.every((s) => s.kind === "child" || s.kind === "index");
  return { text, segments, definite };
}

/** A reference path: names and non-negative indexes only, as ResultPath and *Path fields require. */
export function isReferencePath(path: CompiledPath): boolean {
  return path.segments.every((s) => s.kind === "child" || (s.kind === "index" && s.index >= 0));
}

interface Parsed {
  segment: Segment;
  next: number;
}

function parseDotName(text: string, start: number): Parsed {
  if (text[start] === "*") return { segment: { kind: "wildcard" }, next: start + 1 };
  let end = start;
  while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
  const name = text.slice(start, end);
  if (name.length === 0) throw new JsonPathSyntaxError(text, `missing property name at position ${start}`);
  return { segment: { kind: "child", name }, next: end };
}

function parseBracket(text: string, start: number): Parsed {
  const close = findBracketEnd(text, start);
  const inner = text.slice(start + 1, close).trim();
  const next = close + 1;
  if (inner === "*") return { segment: { kind: "wildcard" }, next };
  if (inner.startsWith("?")) {
    const body = inner.slice(1).trim();
    if (!body.startsWith("(") || !body.endsWith(")")) throw new JsonPathSyntaxError(text, "malformed filter");
    return { segment: { kind: "filter", expr: parseFilter(body.slice(1, -1), text) }, next };
  }
  if (inner.startsWith("'") || inner.startsWith('"')) {
    const names = splitTopLevel(inner).map((part) => unquote(part.trim(), text));
    const [only] = names;
    if (names.length === 1 && only !== undefined) return { segment: { kind: "child", name: only }, next };
    return { segment: { kind: "names", names }, next };
  }
  if (inner.includes(":")) {
    const parts = inner.split(":").map((p) => p.trim());
    if (parts.length > 3) throw new JsonPathSyntaxError(text, `malformed slice [${inner}]`);
    const [start0, end0, step0] = parts.map((p) => (p === "" ? undefined : parseInteger(p, text)));
    return { segment: { kind: "slice", start: start0, end: end0, step: step0 }, next };
  }
  const indexes = inner.split(",").map((p) => parseInteger(p.trim(), text));
  const [single] = indexes;
  if (indexes.length === 1 && single !== undefined)
    return { segment: { kind: "index", index: single }, next };
  return { segment: { kind: "indexes", indexes }, next };
}

function findBracketEnd(text: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "[" || ch === "(") depth++;
    else if (ch === "]" || ch === ")") {
      depth--;
      if (depth === 0 && ch === "]") return i;
    }
  }
  throw new JsonPathSyntaxError(text, `unclosed '[' at position ${start}`);
}

function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let current = "";
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    if (quote) {
      if (ch === "\\") {
        current += ch + (inner[i + 1] ?? "");
        i++;
        continue;
      }
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ",") {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(part: string, text: string): string {
  const q = part[0];
  if ((q !== "'" && q !== '"') || part[part.length - 1] !== q || part.length < 2) {
    throw new JsonPathSyntaxError(text, `malformed quoted name ${part}`);
  }
  return part.slice(1, -1).replace(/\\(.)/g, "$1");
}

function parseInteger(part: string, text: string): number {
  if (!/^-?\d+$/.test(part)) throw new JsonPathSyntaxError(text, `'${part}' is not an integer index`);
  return Number(part);
}

/** Evaluates a path against a document. */
export function queryPath(path: CompiledPath | string, root: Json): PathResult {
  const compiled = typeof path === "string" ? compilePath(path) : path;
  if (compiled.definite) {
    let node: Json = root;
    for (const seg of compiled.segments) {
      const next = step(node, seg, root);
      const [first] = next;
      if (first === undefined) return { found: false };
      node = first;
    }
    return { found: true, value: node };
  }
  let nodes: Json[] = [root];
  for (const seg of compiled.segments) nodes = nodes.flatMap((n) => step(n, seg, root));
  return { found: true, value: nodes };
}

function step(node: Json, seg: Segment, root: Json): Json[] {
  switch (seg.kind) {
    case "child":
      return isJsonObject(node) && Object.hasOwn(node, seg.name) ? [node[seg.name] as Json] : [];
    case "names":
      return isJsonObject(node)
        ? seg.names.filter((n) => Object.hasOwn(node, n)).map((n) => node[n] as Json)
        : [];
    case "index":
      return at(node, seg.index);
    case "indexes":
      return seg.indexes.flatMap((i) => at(node, i));
    case "wildcard":
      return children(node);
    case "slice":
      return Array.isArray(node) ? slice(node, seg.start, seg.end, seg.step) : [];
    case "descendant":
      return descendants(node).flatMap((n) => step(n, seg.inner, root));
    case "filter": {
      const candidates = Array.isArray(node) ? node : isJsonObject(node) ? [node] : [];
      return candidates.filter((item) => evaluateFilter(seg.expr, item, root));
    }
  }
}

function at(node: Json, index: number): Json[] {
  if (!Array.isArray(node)) return [];
  const i = index < 0 ? node.length + index : index;
  return i >= 0 && i < node.length ? [node[i] as Json] : [];
}

function children(node: Json): Json[] {
  if (Array.isArray(node)) return node;
  if (isJsonObject(node)) return Object.values(node);
  return [];
}

function descendants(node: Json): Json[] {
  const out: Json[] = [node];
  for (const child of children(node)) out.push(...descendants(child));
  return out;
}

function slice(arr: Json[], start?: number, end?: number, stepBy?: number): Json[] {
  const len = arr.length;
  const stride = stepBy ?? 1;
  if (stride <= 0) return [];
  const norm = (v: number) => (v < 0 ? Math.max(0, len + v) : Math.min(len, v));
  const from = start === undefined ? 0 : norm(start);
  const to = end === undefined ? len : norm(end);
  const out: Json[] = [];
  for (let i = from; i < to; i += stride) out.push(arr[i] as Json);
  return out;
}

/**
 * Writes `value` at a reference path inside a copy of `root`, creating missing intermediate
 * objects (ResultPath semantics). Returns undefined when the path cannot be applied, for example
 * when an intermediate node is a string.
 */
export function setAtReferencePath(root: Json, path: CompiledPath, value: Json): Json | undefined {
  if (path.segments.length === 0) return value;
  const copy = structuredClone(root);
  let node: Json = copy;
  const segs = path.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Segment;
    const last = i === segs.length - 1;
    if (seg.kind === "child") {
      if (!isJsonObject(node)) return undefined;
      const obj: JsonObject = node;
      if (last) obj[seg.name] = value;
      else {
        if (!Object.hasOwn(obj, seg.name)) obj[seg.name] = {};
        node = obj[seg.name] as Json;
      }
    } else if (seg.kind === "index") {
      if (!Array.isArray(node) || seg.index < 0 || seg.index >= node.length) return undefined;
      if (last) node[seg.index] = value;
      else node = node[seg.index] as Json;
    } else {
      return undefined;
    }
  }
  return copy;
}

/** Jayway-style rendering of a definite path, e.g. `$['a']['b'][0]`, used in AWS error causes. */
export function bracketNotation(path: CompiledPath): string {
  return `$${path.segments.map((s) => (s.kind === "child" ? `['${s.name}']` : s.kind === "index" ? `[${s.index}]` : "")).join("")}`;
}
