import { BlockList, isIP } from "node:net";

/**
 * EventBridge event patterns (events.md section 10): the one implementation behind rules,
 * TestEventPattern and Lambda's FilterCriteria (sources/). `compilePattern` checks a pattern once
 * and returns a matcher for parsed JSON values.
 */
export type PatternMatcher = (event: unknown) => boolean;

/** Thrown for a pattern that breaks the language's rules; the message says where. */
export class PatternError extends Error {}

type Leaf = (value: unknown) => boolean;

interface Compiled {
  fields: { key: string; leaf?: LeafRule; nested?: Compiled }[];
  ors: Compiled[][];
}

interface LeafRule {
  /** Matchers tried against each scalar at the path (any may match). */
  matchers: Leaf[];
  /** `exists` matchers decide on the presence of scalars rather than on each value. */
  exists: boolean[];
}

/** Compiles pattern JSON text; throws PatternError when it is not a valid pattern. */
export function compilePattern(text: string): PatternMatcher {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PatternError("the pattern is not valid JSON");
  }
  if (!isObject(parsed)) throw new PatternError("the pattern must be a JSON object");
  const compiled = compileObject(parsed, "");
  return (event) => matchObject(compiled, event);
}

function compileObject(pattern: Record<string, unknown>, path: string): Compiled {
  const compiled: Compiled = { fields: [], ors: [] };
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject))
        throw new PatternError(`${at} must be a list of at least two patterns`);
      compiled.ors.push(value.map((p) => compileObject(p as Record<string, unknown>, path)));
    } else if (Array.isArray(value)) {
      compiled.fields.push({ key, leaf: compileLeaf(value, at) });
    } else if (isObject(value)) {
      compiled.fields.push({ key, nested: compileObject(value, at) });
    } else {
      throw new PatternError(`${at} must be a list of matchers or a nested pattern`);
    }
  }
  return compiled;
}

function compileLeaf(list: unknown[], at: string): LeafRule {
  if (list.length === 0) throw new PatternError(`${at}: Empty arrays are not allowed`);
  const rule: LeafRule = { matchers: [], exists: [] };
  for (const item of list) {
    if (item === null || typeof item === "string" || typeof item === "number" || typeof item === "boolean") {
      rule.matchers.push((v) => v === item);
      continue;
    }
    if (!isObject(item)) throw new PatternError(`${at}: a matcher must be a value or an object`);
    const entries = Object.entries(item);
    if (entries.length !== 1) throw new PatternError(`${at}: a matcher object has exactly one key`);
    const [op, arg] = entries[0] as [string, unknown];
    if (op === "exists") {
      if (typeof arg !== "boolean") throw new PatternError(`${at}: exists takes true or false`);
      rule.exists.push(arg);
    } else if (op === "anything-but") {
      const inner = anythingBut(arg, at);
      rule.matchers.push((v) => isScalar(v) && !inner(v));
    } else if (op === "numeric") {
      rule.matchers.push(numeric(arg, at));
    } else if (op === "cidr") {
      rule.matchers.push(cidr(arg, at));
    } else {
      rule.matchers.push(stringMatcher(op, arg, at));
    }
  }
  return rule;
}

/** prefix, suffix, equals-ignore-case, wildcard (with the ignore-case forms of prefix/suffix). */
function stringMatcher(op: string, arg: unknown, at: string): Leaf {
  if ((op === "prefix" || op === "suffix") && isObject(arg)) {
    const folded = arg["equals-ignore-case"];
    if (Object.keys(arg).length !== 1 || typeof folded !== "string")
      throw new PatternError(`${at}: ${op} takes a string or {"equals-ignore-case": string}`);
    const want = folded.toLowerCase();
    return op === "prefix"
      ? (v) => typeof v === "string" && v.toLowerCase().startsWith(want)
      : (v) => typeof v === "string" && v.toLowerCase().endsWith(want);
  }
  if (typeof arg !== "string") throw new PatternError(`${at}: ${op} takes a string`);
  switch (op) {
    case "prefix":
      return (v) => typeof v === "string" && v.startsWith(arg);
    case "suffix":
      return (v) => typeof v === "string" && v.endsWith(arg);
    case "equals-ignore-case": {
      const want = arg.toLowerCase();
      return (v) => typeof v === "string" && v.toLowerCase() === want;
    }
    case "wildcard": {
      const re = wildcard(arg, at);
      return (v) => typeof v === "string" && re.test(v);
    }
    default:
      throw new PatternError(`${at}: unknown matcher ${op}`);
  }
}

function anythingBut(arg: unknown, at: string): Leaf {
  if (typeof arg === "string" || typeof arg === "number") return (v) => v === arg;
  if (Array.isArray(arg)) {
    const list: unknown[] = arg;
    const allStrings = list.every((a) => typeof a === "string");
    const allNumbers = list.every((a) => typeof a === "number");
    if (list.length === 0 || !(allStrings || allNumbers))
      throw new PatternError(`${at}: anything-but takes a list of all strings or all numbers`);
    return (v) => list.some((x) => x === v);
  }
  if (isObject(arg)) {
    const entries = Object.entries(arg);
    const [op, inner] = (entries[0] ?? []) as [string, unknown];
    if (entries.length !== 1 || !["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(op))
      throw new PatternError(`${at}: anything-but takes prefix, suffix, equals-ignore-case or wildcard`);
    const list = Array.isArray(inner) ? inner : [inner];
    const matchers = list.map((i) => stringMatcher(op, i, at));
    return (v) => matchers.some((m) => m(v));
  }
  throw new PatternError(`${at}: anything-but takes a string, a number, a list or a matcher`);
}

/**
 * `=` alone, or a lower bound (`>`/`>=`), an upper bound (`<`/`<=`), or both in that order with
 * lower < upper, as Ruler requires.
 */
function numeric(arg: unknown, at: string): Leaf {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4))
    throw new PatternError(`${at}: numeric takes one or two comparisons`);
  const checks: ((n: number) => boolean)[] = [];
  const ops: string[] = [];
  const bounds: number[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    if (typeof bound !== "number" || !Number.isFinite(bound))
      throw new PatternError(`${at}: Value of numeric must be a number`);
    ops.push(String(op));
    bounds.push(bound);
    if (op === "=") checks.push((n) => n === bound);
    else if (op === "<") checks.push((n) => n < bound);
    else if (op === "<=") checks.push((n) => n <= bound);
    else if (op === ">") checks.push((n) => n > bound);
    else if (op === ">=") checks.push((n) => n >= bound);
    else throw new PatternError(`${at}: Unrecognized numeric range operator: ${String(op)}`);
  }
  if (ops.length === 2) {
    const [lower, upper] = ops as [string, string];
    if (lower === "=" || upper === "=" || lower.startsWith("<") || upper.startsWith(">"))
      throw new PatternError(`${at}: Bad numeric range operator: ${upper}`);
    if ((bounds[0] as number) >= (bounds[1] as number))
      throw new PatternError(`${at}: Bottom must be less than top`);
  }
  return (v) => typeof v === "number" && checks.every((c) => c(v));
}

function cidr(arg: unknown, at: string): Leaf {
  const [address, bits] = typeof arg === "string" ? arg.split("/") : [];
  const family = isIP(address ?? "");
  const prefix = Number(bits);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
    throw new PatternError(`${at}: cidr takes an IPv4 or IPv6 range such as 10.0.0.0/24`);
  const list = new BlockList();
  list.addSubnet(address as string, prefix, family === 4 ? "ipv4" : "ipv6");
  return (v) => {
    if (typeof v !== "string") return false;
    const f = isIP(v);
    return f !== 0 && list.check(v, f === 4 ? "ipv4" : "ipv6");
  };
}

function wildcard(arg: string, at: string): RegExp {
  if (arg.includes("**")) throw new PatternError(`${at}: wildcard must not contain consecutive stars`);
  let source = "";
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i] as string;
    if (c === "\\") {
      const next = arg[i + 1];
      if (next !== "*" && next !== "\\") throw new PatternError(`${at}: invalid escape in wildcard`);
      source += `\\${next}`;
      i++;
    } else if (c === "*") source += ".*";
    else source += c.replace(/[.+?^${}()|[\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

function matchObject(compiled: Compiled, value: unknown): boolean {
  for (const field of compiled.fields) {
    // Fast path (most events): a plain object holding a scalar, an object or nothing at the key.
    if (!Array.isArray(value)) {
      const child = isObject(value) && Object.hasOwn(value, field.key) ? value[field.key] : undefined;
      if (!Array.isArray(child)) {
        if (
          field.leaf
            ? !matchLeafValue(field.leaf, child)
            : !matchObject(field.nested as Compiled, isObject(child) ? child : undefined)
        )
          return false;
        continue;
      }
    }
    const found = childValues(value, field.key);
    if (field.leaf) {
      if (!matchLeaf(field.leaf, found)) return false;
    } else if (field.nested) {
      const nested = field.nested;
      const candidates = found.filter((f) => isObject(f));
      if (
        candidates.length === 0
          ? !matchObject(nested, undefined)
          : !candidates.some((c) => matchObject(nested, c))
      )
        return false;
    }
  }
  for (const alternatives of compiled.ors) {
    let any = false;
    for (const alt of alternatives) {
      if (matchObject(alt, value)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

/** A leaf against one value that is not an array (undefined when the key is absent). */
function matchLeafValue(rule: LeafRule, value: unknown): boolean {
  const scalar = value !== undefined && isScalar(value);
  for (const want of rule.exists) if (want === scalar) return true;
  if (!scalar) return false;
  for (const m of rule.matchers) if (m(value)) return true;
  return false;
}

function matchLeaf(rule: LeafRule, found: unknown[]): boolean {
  const scalars = found.filter(isScalar);
  if (rule.exists.some((want) => want === scalars.length > 0)) return true;
  return rule.matchers.some((m) => scalars.some((s) => m(s)));
}

/** The values at `key`, arrays flattened (arrays of objects too, as EventBridge does). */
function childValues(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => childValues(v, key));
  if (!isObject(value) || !(key in value)) return [];
  const child = value[key];
  return Array.isArray(child) ? child.flat(Number.POSITIVE_INFINITY) : [child];
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
