import jsonata from "jsonata";
import { CHOICE_OPERATORS, COMPARISON_OPERATORS } from "./choice.js";
import { at, DIAGNOSTIC_CODES, type DiagnosticList } from "./diagnostics.js";
import { IntrinsicSyntaxError, isIntrinsicCall, parseIntrinsic } from "./intrinsic-parser.js";
import { INTRINSIC_NAMES } from "./intrinsics.js";
import { isJsonObject, type Json } from "./json.js";
import { expressionBody, isJsonataExpression } from "./jsonata-mode.js";
import { compilePath, isReferencePath } from "./jsonpath.js";
import { pathRoot } from "./path-scope.js";
import { STATES_ERRORS } from "./states-error.js";
import { isTimestamp } from "./timestamp.js";

/** Field-level checks shared by the state validators: paths, templates, Retry, Catch, Choice rules. */

/** JSON type name of a value, for messages. */
export function typeName(value: Json | undefined): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Reports a diagnostic unless `value` has the expected JSON type. */
export function expectType(
  d: DiagnosticList,
  value: Json | undefined,
  expected: string,
  location: string,
): boolean {
  const ok =
    expected === "integer"
      ? typeof value === "number" && Number.isInteger(value)
      : expected === "object"
        ? isJsonObject(value)
        : typeName(value) === expected;
  if (!ok) d.schema(`Expected value of type ${expected} but got ${typeName(value)}`, location);
  return ok;
}

/** A JsonPath (`reference` = names and indexes only); `$$` and `$var` roots are allowed. */
export function checkPath(
  d: DiagnosticList,
  value: Json | undefined,
  location: string,
  reference: boolean,
): void {
  if (typeof value !== "string" || !value.startsWith("$")) {
    d.schema(`The value must be a ${reference ? "reference path" : "JsonPath"} starting with '$'`, location);
    return;
  }
  try {
    const compiled = compilePath(pathRoot(value).rest);
    if (reference && !isReferencePath(compiled))
      d.schema(`The value '${value}' is not a valid reference path`, location);
  } catch (error) {
    d.schema(error instanceof Error ? error.message : String(error), location);
  }
}

/** The value of a `"key.$"` field: a path or an intrinsic function call. */
export function checkDynamicValue(d: DiagnosticList, value: Json | undefined, location: string): void {
  if (typeof value === "string" && isIntrinsicCall(value)) {
    checkIntrinsic(d, value, location);
    return;
  }
  if (typeof value !== "string" || !value.startsWith("$")) {
    d.schema(
      "The value of a field ending in '.$' must be a valid JSONPath or a valid intrinsic function call",
      location,
    );
    return;
  }
  checkPath(d, value, location, false);
}

function checkIntrinsic(d: DiagnosticList, value: string, location: string): void {
  try {
    const visit = (call: ReturnType<typeof parseIntrinsic>): void => {
      if (!INTRINSIC_NAMES.includes(call.name))
        d.schema(`The intrinsic function '${call.name}' does not exist`, location);
      for (const arg of call.args) {
        if (arg.kind === "call") visit(arg);
        else if (arg.kind === "path") checkPath(d, arg.path, location, false);
      }
    };
    visit(parseIntrinsic(value));
  } catch (error) {
    if (!(error instanceof IntrinsicSyntaxError)) throw error;
    d.schema(error.message, location);
  }
}

/** Parameters / ResultSelector / ItemSelector / Assign in JSONPath mode. */
export function checkPayloadTemplate(d: DiagnosticList, value: Json | undefined, location: string): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkPayloadTemplate(d, item, at(location, i));
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, member] of Object.entries(value)) {
    const loc = at(location, key);
    if (key.endsWith(".$")) checkDynamicValue(d, member, loc);
    else {
      if (
        typeof member === "string" &&
        (member.startsWith("$.") || member.startsWith("$$.") || isIntrinsicCall(member))
      ) {
        d.warn(
          DIAGNOSTIC_CODES.noDollar,
          `The value of the field '${key}' looks like a JSONPath or an intrinsic function but the field name does not end with '.$'`,
          loc,
        );
      }
      checkPayloadTemplate(d, member, loc);
    }
  }
}

/** Every `{% %}` expression below `value` must compile. */
export function checkJsonataTemplate(d: DiagnosticList, value: Json | undefined, location: string): void {
  if (isJsonataExpression(value)) {
    try {
      jsonata(expressionBody(value));
    } catch (error) {
      d.schema(
        `Invalid JSONata expression: ${error instanceof Error ? error.message : String(error)}`,
        location,
      );
    }
  } else if (Array.isArray(value))
    for (const [i, item] of value.entries()) checkJsonataTemplate(d, item, at(location, i));
  else if (isJsonObject(value))
    for (const [k, v] of Object.entries(value)) checkJsonataTemplate(d, v, at(location, k));
}

/** Variable names declared by an Assign block (`name` or `name.$`). */
export function assignedNames(assign: Json | undefined, jsonata: boolean): string[] {
  if (!isJsonObject(assign)) return [];
  return Object.keys(assign).map((k) => (!jsonata && k.endsWith(".$") ? k.slice(0, -2) : k));
}

const VARIABLE_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** Assign: an object of valid variable names whose values are valid templates. */
export function checkAssign(
  d: DiagnosticList,
  assign: Json | undefined,
  location: string,
  jsonata: boolean,
): void {
  if (assign === undefined) return;
  if (!expectType(d, assign, "object", location) || !isJsonObject(assign)) return;
  for (const name of assignedNames(assign, jsonata)) {
    if (!VARIABLE_NAME.test(name) || name.length > 80 || name === "states") {
      d.schema(`The variable name '${name}' is invalid`, at(location, name));
    }
  }
  if (jsonata) checkJsonataTemplate(d, assign, location);
  else checkPayloadTemplate(d, assign, location);
}

function checkErrorEquals(d: DiagnosticList, entry: Json, location: string, last: boolean): void {
  const list = isJsonObject(entry) ? entry.ErrorEquals : undefined;
  const loc = at(location, "ErrorEquals");
  if (!Array.isArray(list) || list.length === 0 || !list.every((e) => typeof e === "string")) {
    d.schema("ErrorEquals must be a non-empty array of strings", loc);
    return;
  }
  if (list.includes(STATES_ERRORS.all) && (list.length > 1 || !last)) {
    d.schema("States.ALL must appear alone in its ErrorEquals and in the last entry", loc);
  }
}

function checkNumber(
  d: DiagnosticList,
  entry: Record<string, Json>,
  field: string,
  location: string,
  min: number,
  integer: boolean,
  max?: number,
): void {
  const value = entry[field];
  if (value === undefined) return;
  const ok =
    typeof value === "number" &&
    (!integer || Number.isInteger(value)) &&
    value >= min &&
    (max === undefined || value <= max);
  if (!ok)
    d.schema(
      `${field} must be ${integer ? "an integer" : "a number"} >= ${min}${max === undefined ? "" : ` and <= ${max}`}`,
      at(location, field),
    );
}

/** Retry: ErrorEquals rules and the numeric ranges of every retrier field. */
export function checkRetry(d: DiagnosticList, retry: Json | undefined, location: string): void {
  if (retry === undefined) return;
  if (!Array.isArray(retry)) {
    d.schema("Retry must be an array", location);
    return;
  }
  for (const [i, entry] of retry.entries()) {
    const loc = at(location, i);
    if (!isJsonObject(entry)) {
      d.schema("A retrier must be an object", loc);
      continue;
    }
    checkErrorEquals(d, entry, loc, i === retry.length - 1);
    checkNumber(d, entry, "IntervalSeconds", loc, 1, true, 99999999);
    checkNumber(d, entry, "MaxAttempts", loc, 0, true, 99999999);
    checkNumber(d, entry, "BackoffRate", loc, 1, false);
    checkNumber(d, entry, "MaxDelaySeconds", loc, 1, true, 31622400);
    if (
      entry.JitterStrategy !== undefined &&
      entry.JitterStrategy !== "FULL" &&
      entry.JitterStrategy !== "NONE"
    ) {
      d.schema("JitterStrategy must be FULL or NONE", at(loc, "JitterStrategy"));
    }
    for (const key of Object.keys(entry)) {
      if (
        ![
          "ErrorEquals",
          "IntervalSeconds",
          "MaxAttempts",
          "BackoffRate",
          "MaxDelaySeconds",
          "JitterStrategy",
          "Comment",
        ].includes(key)
      ) {
        d.schema(`The field "${key}" is not supported by Step Functions`, at(loc, key));
      }
    }
  }
}

/** Catch: ErrorEquals rules, Next targets and the catcher's output fields. */
export function checkCatch(
  d: DiagnosticList,
  list: Json | undefined,
  location: string,
  names: ReadonlySet<string>,
  jsonata: boolean,
): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    d.schema("Catch must be an array", location);
    return;
  }
  for (const [i, entry] of list.entries()) {
    const loc = at(location, i);
    if (!isJsonObject(entry)) {
      d.schema("A catcher must be an object", loc);
      continue;
    }
    checkErrorEquals(d, entry, loc, i === list.length - 1);
    if (typeof entry.Next !== "string") d.schema("These fields are required: [Next]", loc);
    else if (!names.has(entry.Next))
      d.error(
        DIAGNOSTIC_CODES.missingTransitionTarget,
        `Missing 'Next' target: ${entry.Next}`,
        at(loc, "Next"),
      );
    const allowed = jsonata
      ? ["ErrorEquals", "Next", "Comment", "Output", "Assign"]
      : ["ErrorEquals", "Next", "Comment", "ResultPath", "Assign"];
    for (const key of Object.keys(entry))
      if (!allowed.includes(key))
        d.schema(`The field "${key}" is not supported by Step Functions`, at(loc, key));
    if (entry.ResultPath !== undefined && entry.ResultPath !== null && !jsonata)
      checkPath(d, entry.ResultPath, at(loc, "ResultPath"), true);
    if (jsonata) checkJsonataTemplate(d, entry.Output, at(loc, "Output"));
    checkAssign(d, entry.Assign, at(loc, "Assign"), jsonata);
  }
}

/** A JSONPath-mode Choice rule; `top` rules need Next, nested ones must not have it. */
export function checkChoiceRule(
  d: DiagnosticList,
  rule: Json,
  location: string,
  top: boolean,
  names: ReadonlySet<string>,
): void {
  if (!isJsonObject(rule)) {
    d.schema("A choice rule must be an object", location);
    return;
  }
  checkRuleNext(d, rule, location, top, names);
  const combinators = ["And", "Or", "Not"].filter((k) => rule[k] !== undefined);
  const operators = CHOICE_OPERATORS.filter((k) => rule[k] !== undefined);
  if (combinators.length + operators.length !== 1) {
    d.schema("A choice rule must have exactly one of And, Or, Not or a comparison operator", location);
    return;
  }
  const [combinator] = combinators;
  if (combinator === "Not") {
    checkChoiceRule(d, rule.Not as Json, at(location, "Not"), false, names);
    return;
  }
  if (combinator === "And" || combinator === "Or") {
    const list = rule[combinator];
    if (!Array.isArray(list) || list.length === 0) {
      d.schema(`${combinator} must be a non-empty array`, at(location, combinator));
      return;
    }
    for (const [i, r] of list.entries()) checkChoiceRule(d, r, at(at(location, combinator), i), false, names);
    return;
  }
  const operator = operators[0] as string;
  if (rule.Variable === undefined) d.schema("These fields are required: [Variable]", location);
  else checkPath(d, rule.Variable, at(location, "Variable"), false);
  checkOperand(d, operator, rule[operator] as Json, at(location, operator));
}

function checkRuleNext(
  d: DiagnosticList,
  rule: Record<string, Json>,
  location: string,
  top: boolean,
  names: ReadonlySet<string>,
): void {
  if (!top) {
    if (rule.Next !== undefined)
      d.schema("Next is only allowed in top-level choice rules", at(location, "Next"));
    return;
  }
  if (typeof rule.Next !== "string") d.schema("These fields are required: [Next]", location);
  else if (!names.has(rule.Next))
    d.error(
      DIAGNOSTIC_CODES.missingTransitionTarget,
      `Missing 'Next' target: ${rule.Next}`,
      at(location, "Next"),
    );
}

function checkOperand(d: DiagnosticList, operator: string, operand: Json, location: string): void {
  if (operator.startsWith("Is")) {
    if (typeof operand !== "boolean") d.schema(`${operator} requires a boolean`, location);
    return;
  }
  if (operator === "StringMatches") {
    if (typeof operand !== "string") d.schema("StringMatches requires a string", location);
    return;
  }
  const op = COMPARISON_OPERATORS.get(operator);
  if (!op) return;
  if (op.path) {
    checkPath(d, operand, location, false);
    return;
  }
  const valid =
    op.kind === "string"
      ? typeof operand === "string"
      : op.kind === "numeric"
        ? typeof operand === "number"
        : op.kind === "boolean"
          ? typeof operand === "boolean"
          : isTimestamp(operand);
  if (!valid)
    d.schema(
      `${operator} requires a ${op.kind === "timestamp" ? "RFC 3339 timestamp string" : op.kind} value`,
      location,
    );
}
