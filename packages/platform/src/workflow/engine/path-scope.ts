import { IntrinsicSyntaxError } from "./intrinsic-parser.js";
import { evaluateIntrinsic } from "./intrinsics.js";
import { type Json, toJsonText } from "./json.js";
import { compilePath, JsonPathSyntaxError, type PathResult, queryPath } from "./jsonpath.js";
import { runtimeError } from "./states-error.js";

/** Reads a workflow variable visible from the current state; undefined when not declared. */
export type VariableReader = (name: string) => Json | undefined;

/** Everything a JSONPath-mode expression can refer to. */
export interface PathScope {
  /** What `$` selects from. */
  input: Json;
  /** What `$$` selects from: the context object. */
  context: Json;
  variables: VariableReader;
  random(): number;
  uuid(): string;
}

const VARIABLE_ROOT = /^\$([\p{L}_][\p{L}\p{N}_]*)/u;

/** The root a path refers to: `$` input, `$$` context, or `$name` a variable. */
export function pathRoot(path: string): {
  root: "input" | "context" | "variable";
  name?: string;
  rest: string;
} {
  if (path.startsWith("$$")) return { root: "context", rest: path.slice(1) };
  const variable = VARIABLE_ROOT.exec(path);
  if (variable?.[1] !== undefined) {
    return { root: "variable", name: variable[1], rest: `$${path.slice(variable[0].length)}` };
  }
  return { root: "input", rest: path };
}

/** Evaluates a path in a scope. Syntax errors become States.Runtime. */
export function lookupPath(path: string, scope: PathScope): PathResult {
  const { root, name, rest } = pathRoot(path);
  let doc: Json | undefined;
  if (root === "context") doc = scope.context;
  else if (root === "variable") doc = scope.variables(name ?? "");
  else doc = scope.input;
  if (doc === undefined) return { found: false };
  try {
    return queryPath(compilePath(rest), doc);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) throw runtimeError(error.message);
    throw error;
  }
}

/**
 * Evaluates the value of a `"key.$"` field: a path, a context path, a variable or an
 * intrinsic function. A path that matches nothing fails with States.Runtime as AWS does.
 */
export function evaluateDynamicValue(expression: string, field: string, scope: PathScope): Json {
  if (expression.startsWith("States.")) {
    try {
      return evaluateIntrinsic(expression, {
        resolvePath: (path) => requirePath(path, field, scope),
        random: scope.random,
        uuid: scope.uuid,
      });
    } catch (error) {
      if (error instanceof IntrinsicSyntaxError) throw runtimeError(error.message);
      throw error;
    }
  }
  if (!expression.startsWith("$")) {
    throw runtimeError(
      `The value for the field '${field}' must be a valid JSONPath or a valid intrinsic function call`,
    );
  }
  return requirePath(expression, field, scope);
}

function requirePath(path: string, field: string, scope: PathScope): Json {
  const result = lookupPath(path, scope);
  if (result.found) return result.value;
  const { root } = pathRoot(path);
  const where =
    root === "context"
      ? `the context object '${toJsonText(scope.context)}'`
      : root === "variable"
        ? "the declared variables"
        : `the input '${toJsonText(scope.input)}'`;
  throw runtimeError(
    `The JSONPath '${path}' specified for the field '${field}' could not be found in ${where}`,
  );
}

/**
 * Builds a payload template (Parameters, ResultSelector, ItemSelector, Credentials, Assign):
 * keys ending in `.$` are evaluated and lose the suffix; other values are copied, recursing into
 * nested objects and arrays.
 */
export function evaluatePayloadTemplate(template: Json, scope: PathScope): Json {
  if (Array.isArray(template)) return template.map((item) => evaluatePayloadTemplate(item, scope));
  if (template === null || typeof template !== "object") return template;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith(".$") && key.length > 2) {
      if (typeof value !== "string") {
        throw runtimeError(`The value for the field '${key}' must be a STRING that contains a JSONPath`);
      }
      out[key.slice(0, -2)] = evaluateDynamicValue(value, key, scope);
    } else {
      out[key] = evaluatePayloadTemplate(value, scope);
    }
  }
  return out;
}
