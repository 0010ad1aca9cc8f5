import { type Json, toJsonText } from "./json.js";
import {
  bracketNotation,
  compilePath,
  isReferencePath,
  JsonPathSyntaxError,
  setAtReferencePath,
} from "./jsonpath.js";
import { evaluatePayloadTemplate, lookupPath, type PathScope, pathRoot } from "./path-scope.js";
import { runtimeError } from "./states-error.js";

/**
 * The JSONPath-mode data pipeline, in AWS's order:
 * InputPath -> Parameters -> [work] -> ResultSelector -> ResultPath -> OutputPath.
 * Each step is a pure function; failures throw States.Runtime like AWS.
 */

/** InputPath / OutputPath: `null` gives `{}`, absent gives the whole value. */
export function selectPath(path: string | null | undefined, scope: PathScope): Json {
  if (path === undefined) return scope.input;
  if (path === null) return {};
  if (path === "$") return scope.input;
  if (scope.input === null && pathRoot(path).root === "input") {
    throw runtimeError("Unable to apply Path transformation to null or empty input.");
  }
  const result = lookupPath(path, scope);
  if (!result.found)
    throw runtimeError(`Invalid path '${path}' : No results for path: ${describePath(path)}`);
  return result.value;
}

function describePath(path: string): string {
  try {
    const compiled = compilePath(path.startsWith("$$") ? path.slice(1) : path);
    return compiled.definite ? bracketNotation(compiled) : path;
  } catch {
    return path;
  }
}

/** Parameters (or ItemSelector): a payload template evaluated against the effective input. */
export function applyParameters(template: Json | undefined, scope: PathScope): Json {
  return template === undefined ? scope.input : evaluatePayloadTemplate(template, scope);
}

/** ResultSelector: a payload template evaluated against the raw result. */
export function applyResultSelector(template: Json | undefined, result: Json, scope: PathScope): Json {
  return template === undefined ? result : evaluatePayloadTemplate(template, { ...scope, input: result });
}

/**
 * ResultPath: where the result goes inside the raw state input. `$` (default) replaces the input,
 * `null` keeps the input and discards the result, a reference path writes into a copy of the
 * input, creating missing intermediate objects.
 */
export function applyResultPath(rawInput: Json, result: Json, path: string | null | undefined): Json {
  if (path === undefined || path === "$") return result;
  if (path === null) return rawInput;
  let compiled: ReturnType<typeof compilePath>;
  try {
    compiled = compilePath(path);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) throw runtimeError(error.message);
    throw error;
  }
  if (!isReferencePath(compiled))
    throw runtimeError(`The ResultPath '${path}' is not a valid reference path`);
  const output = setAtReferencePath(rawInput, compiled, result);
  if (output === undefined) {
    throw runtimeError(`Unable to apply ReferencePath ${path} to input '${toJsonText(rawInput)}'`);
  }
  return output;
}

/** The `{Error, Cause}` object a Catcher passes on. */
export function errorOutput(error: string, cause: string): Json {
  return { Error: error, Cause: cause };
}
