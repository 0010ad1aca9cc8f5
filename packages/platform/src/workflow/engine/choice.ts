import { isJsonObject, type Json } from "./json.js";
import { lookupPath, type PathScope } from "./path-scope.js";
import { runtimeError } from "./states-error.js";
import { parseTimestamp } from "./timestamp.js";

/**
 * JSONPath-mode Choice rules: comparisons (`Variable` + operator, or `<Operator>Path` to compare
 * two paths), `And`, `Or`, `Not`. A type mismatch makes a comparison false; a `Variable` that
 * selects nothing fails with States.Runtime except under `IsPresent`.
 */
type Kind = "string" | "numeric" | "boolean" | "timestamp";
type Relation = "Equals" | "LessThan" | "GreaterThan" | "LessThanEquals" | "GreaterThanEquals";

const RELATIONS: readonly Relation[] = [
  "Equals",
  "LessThan",
  "GreaterThan",
  "LessThanEquals",
  "GreaterThanEquals",
];
const KINDS: Record<string, Kind> = {
  String: "string",
  Numeric: "numeric",
  Boolean: "boolean",
  Timestamp: "timestamp",
};

export interface ComparisonOperator {
  kind: Kind;
  relation: Relation;
  /** The operand is a path to another value instead of a literal. */
  path: boolean;
}

/** Every comparison operator name (`StringEquals`, `NumericLessThanPath`, ...) with its meaning. */
export const COMPARISON_OPERATORS: ReadonlyMap<string, ComparisonOperator> = (() => {
  const map = new Map<string, ComparisonOperator>();
  for (const [prefix, kind] of Object.entries(KINDS)) {
    for (const relation of RELATIONS) {
      if (kind === "boolean" && relation !== "Equals") continue;
      map.set(`${prefix}${relation}`, { kind, relation, path: false });
      map.set(`${prefix}${relation}Path`, { kind, relation, path: true });
    }
  }
  return map;
})();

/** Operators that test the type or presence of the Variable. */
export const TYPE_TEST_OPERATORS = [
  "IsNull",
  "IsPresent",
  "IsNumeric",
  "IsString",
  "IsBoolean",
  "IsTimestamp",
] as const;
/** Every operator a JSONPath Choice rule may use. */
export const CHOICE_OPERATORS: readonly string[] = [
  ...COMPARISON_OPERATORS.keys(),
  ...TYPE_TEST_OPERATORS,
  "StringMatches",
];

const OPERATOR_SET: ReadonlySet<string> = new Set(CHOICE_OPERATORS);

/** Evaluates one rule (a top-level Choice or a nested boolean expression). */
export function evaluateChoiceRule(rule: Json, scope: PathScope): boolean {
  if (!isJsonObject(rule)) throw runtimeError("A choice rule must be an object");
  if (Array.isArray(rule.And)) return rule.And.every((r) => evaluateChoiceRule(r, scope));
  if (Array.isArray(rule.Or)) return rule.Or.some((r) => evaluateChoiceRule(r, scope));
  if (rule.Not !== undefined) return !evaluateChoiceRule(rule.Not, scope);
  const variable = rule.Variable;
  if (typeof variable !== "string") throw runtimeError("A choice rule must have a Variable");
  // A rule has a handful of keys: look those up rather than scanning every operator name.
  const operator = Object.keys(rule).find((key) => OPERATOR_SET.has(key));
  if (operator === undefined) throw runtimeError("A choice rule must have a comparison operator");
  const operand = rule[operator] as Json;
  const looked = lookupPath(variable, scope);
  if (operator === "IsPresent") return looked.found === (operand === true);
  if (!looked.found) {
    throw runtimeError(
      `Invalid path '${variable}': The choice state's condition path references an invalid value.`,
    );
  }
  return test(operator, looked.value, operand, scope);
}

function test(operator: string, value: Json, operand: Json, scope: PathScope): boolean {
  switch (operator) {
    case "IsNull":
      return (value === null) === (operand === true);
    case "IsNumeric":
      return (typeof value === "number") === (operand === true);
    case "IsString":
      return (typeof value === "string") === (operand === true);
    case "IsBoolean":
      return (typeof value === "boolean") === (operand === true);
    case "IsTimestamp":
      return (typeof value === "string" && parseTimestamp(value) !== undefined) === (operand === true);
    case "StringMatches":
      return typeof value === "string" && typeof operand === "string" && wildcardMatch(operand, value);
  }
  const op = COMPARISON_OPERATORS.get(operator);
  if (!op) throw runtimeError(`Unknown choice operator ${operator}`);
  let other: Json = operand;
  if (op.path) {
    if (typeof operand !== "string") throw runtimeError(`The operand of ${operator} must be a path`);
    const looked = lookupPath(operand, scope);
    if (!looked.found) {
      throw runtimeError(
        `Invalid path '${operand}': The choice state's condition path references an invalid value.`,
      );
    }
    other = looked.value;
  }
  const order = compare(op.kind, value, other);
  if (order === undefined) return false;
  switch (op.relation) {
    case "Equals":
      return order === 0;
    case "LessThan":
      return order < 0;
    case "GreaterThan":
      return order > 0;
    case "LessThanEquals":
      return order <= 0;
    case "GreaterThanEquals":
      return order >= 0;
  }
}

/** Three-way comparison, or undefined when either side has the wrong type. */
function compare(kind: Kind, a: Json, b: Json): number | undefined {
  if (kind === "string")
    return typeof a === "string" && typeof b === "string" ? compareCodePoints(a, b) : undefined;
  if (kind === "numeric")
    return typeof a === "number" && typeof b === "number" ? Math.sign(a - b) : undefined;
  if (kind === "boolean")
    return typeof a === "boolean" && typeof b === "boolean" ? (a === b ? 0 : 1) : undefined;
  if (typeof a !== "string" || typeof b !== "string") return undefined;
  const ta = parseTimestamp(a);
  const tb = parseTimestamp(b);
  return ta === undefined || tb === undefined ? undefined : Math.sign(ta - tb);
}

/** Orders strings by Unicode code point (JavaScript's `<` orders UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** StringMatches: `*` matches any run of characters; `\*` is a literal star, `\\` a backslash. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\" && i + 1 < pattern.length) {
      source += escapeRegex(pattern[i + 1] as string);
      i++;
    } else if (ch === "*") source += ".*";
    else source += escapeRegex(ch);
  }
  return new RegExp(`^${source}$`, "su").test(value);
}

function escapeRegex(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
