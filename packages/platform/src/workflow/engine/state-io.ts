import type { StateDefinition } from "./definition.js";
import type { Frame } from "./execution-state.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import { evaluateTemplate, isJsonataExpression, type JsonataScope } from "./jsonata-mode.js";
import type { PathScope } from "./path-scope.js";
import { evaluatePayloadTemplate } from "./path-scope.js";
import { applyParameters, applyResultPath, applyResultSelector, selectPath } from "./pipeline.js";
import { queryEvaluationError, runtimeError } from "./states-error.js";
import type { ContextExtras, StepRun } from "./step-run.js";

/**
 * Mode-aware input/output processing shared by the state handlers. JSONPath states run
 * InputPath -> Parameters -> [work] -> ResultSelector -> ResultPath -> OutputPath (Assign sees
 * the raw result); JSONata states evaluate Arguments, then Output and Assign over `$states`.
 * Assign values are always computed before any variable changes, so they see the values the
 * variables had when the state was entered.
 */
export interface Outcome {
  output: Json;
  assigned?: JsonObject;
}

/** Whether the state uses JSONata (its own QueryLanguage, else the machine's). */
export function isJsonata(run: StepRun, def: StateDefinition): boolean {
  return run.queryLanguage(def) === "JSONata";
}

/** The JSONPath scope of the frame's active state with `$` bound to `input`. */
export function pathScope(run: StepRun, frame: Frame, input: Json, extras: ContextExtras = {}): PathScope {
  return {
    input,
    context: run.contextObject(frame, extras),
    variables: (name) => run.readVariable(frame, name),
    random: () => run.env.random(),
    uuid: () => run.env.uuid(),
  };
}

/** The JSONata scope (`$states`, variables, clock, random) of the frame's active state. */
export function jsonataScope(
  run: StepRun,
  frame: Frame,
  states: { result?: Json; errorOutput?: Json; input?: Json },
  extras: ContextExtras = {},
): JsonataScope {
  return {
    states: {
      input: states.input ?? frame.active?.input ?? null,
      context: run.contextObject(frame, extras),
      ...states,
    },
    variables: run.visibleVariables(frame),
    now: run.now,
    random: () => run.env.random(),
    uuid: () => run.env.uuid(),
  };
}

/**
 * The effective input. JSONPath: InputPath, then Parameters when `parameters` is set; `selected`
 * is the value after InputPath (what `*Path` fields read). JSONata: Arguments, or the raw input.
 */
export async function prepareInput(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  options: { parameters: boolean; extras?: ContextExtras },
): Promise<{ selected: Json; effective: Json }> {
  const raw = frame.active?.input ?? null;
  const extras = options.extras ?? {};
  const inspect = run.env.inspect;
  const where = { frameId: frame.id, state: frame.active?.name ?? "" };
  if (isJsonata(run, def)) {
    const effective =
      options.parameters && def.Arguments !== undefined
        ? await evaluateTemplate(def.Arguments, "Arguments", jsonataScope(run, frame, {}, extras))
        : raw;
    inspect?.(where, "afterArguments", effective);
    return { selected: raw, effective };
  }
  const selected = selectPath(def.InputPath, pathScope(run, frame, raw, extras));
  inspect?.(where, "afterInputPath", selected);
  const effective = options.parameters
    ? applyParameters(def.Parameters, pathScope(run, frame, selected, extras))
    : selected;
  if (options.parameters) inspect?.(where, "afterParameters", effective);
  return { selected, effective };
}

async function evaluateAssign(
  assign: Json | undefined,
  field: string,
  scope: JsonataScope,
): Promise<JsonObject | undefined> {
  if (assign === undefined) return undefined;
  const value = await evaluateTemplate(assign, field, scope);
  if (!isJsonObject(value))
    throw queryEvaluationError(`The field '${field}' must evaluate to a JSON object.`);
  return value;
}

function assignJsonPath(assign: Json | undefined, scope: PathScope): JsonObject | undefined {
  if (assign === undefined) return undefined;
  const value = evaluatePayloadTemplate(assign, scope);
  if (!isJsonObject(value)) throw runtimeError("The Assign field must be a JSON object");
  return value;
}

/** Outcome of a state that produces a result: Pass, Task, Parallel, Map. */
export async function resultOutcome(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  result: Json,
): Promise<Outcome> {
  const raw = frame.active?.input ?? null;
  const inspect = run.env.inspect;
  const where = { frameId: frame.id, state: frame.active?.name ?? "" };
  inspect?.(where, "result", result);
  if (isJsonata(run, def)) {
    const scope = jsonataScope(run, frame, { result });
    const output = def.Output === undefined ? result : await evaluateTemplate(def.Output, "Output", scope);
    return withAssigned(output, await evaluateAssign(def.Assign, "Assign", scope));
  }
  const scope = pathScope(run, frame, result);
  const assigned = assignJsonPath(def.Assign, scope);
  const selected = applyResultSelector(def.ResultSelector, result, scope);
  inspect?.(where, "afterResultSelector", selected);
  const merged = applyResultPath(raw, selected, def.ResultPath);
  inspect?.(where, "afterResultPath", merged);
  return withAssigned(selectPath(def.OutputPath, { ...scope, input: merged }), assigned);
}

/**
 * Outcome of a state that passes its input on: Choice, Wait, Succeed. A matched Choice rule
 * brings its own Assign/Output (`rule`), which replace the state's.
 */
export async function passthroughOutcome(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  effective: Json,
  rule?: { fields: JsonObject; location: string },
): Promise<Outcome> {
  const source: JsonObject | StateDefinition = rule?.fields ?? def;
  const prefix = rule ? `${rule.location}/` : "";
  if (isJsonata(run, def)) {
    const scope = jsonataScope(run, frame, {});
    const output =
      source.Output === undefined
        ? scope.states.input
        : await evaluateTemplate(source.Output, `${prefix}Output`, scope);
    return withAssigned(output, await evaluateAssign(source.Assign, `${prefix}Assign`, scope));
  }
  const scope = pathScope(run, frame, effective);
  const assigned = assignJsonPath(source.Assign, scope);
  return withAssigned(selectPath(def.OutputPath, scope), assigned);
}

/** Outcome of a matched Catcher: the error output placed by ResultPath, or the catcher's Output. */
export async function catchOutcome(
  run: StepRun,
  frame: Frame,
  catcher: JsonObject,
  index: number,
  errorOutput: JsonObject,
): Promise<Outcome> {
  const def = frame.active ? run.stateDef(frame, frame.active.name) : undefined;
  const raw = frame.active?.input ?? null;
  if (def && isJsonata(run, def)) {
    const scope = jsonataScope(run, frame, { errorOutput });
    const field = `Catch[${index}]`;
    const output =
      catcher.Output === undefined
        ? errorOutput
        : await evaluateTemplate(catcher.Output, `${field}/Output`, scope);
    return withAssigned(output, await evaluateAssign(catcher.Assign, `${field}/Assign`, scope));
  }
  const scope = pathScope(run, frame, errorOutput);
  const assigned = assignJsonPath(catcher.Assign, scope);
  const resultPath = catcher.ResultPath === undefined ? undefined : (catcher.ResultPath as string | null);
  return withAssigned(applyResultPath(raw, errorOutput, resultPath), assigned);
}

function withAssigned(output: Json, assigned: JsonObject | undefined): Outcome {
  return assigned === undefined ? { output } : { output, assigned };
}

/**
 * A numeric setting that may be a literal, a `...Path` reference (JSONPath) or a `{% %}`
 * expression (JSONata): TimeoutSeconds, HeartbeatSeconds, MaxConcurrency, ToleratedFailure*.
 */
export async function numericSetting(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  field: string,
  selected: Json,
): Promise<number | undefined> {
  const literal = def[field];
  const pathField = def[`${field}Path`];
  let value: Json | undefined;
  if (isJsonataExpression(literal)) {
    value = await evaluateTemplate(literal, field, jsonataScope(run, frame, {}));
  } else if (literal !== undefined) {
    value = literal;
  } else if (typeof pathField === "string") {
    value = selectPath(pathField, pathScope(run, frame, selected));
  } else {
    return undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    const message = `The value of the field '${field}' must be a non-negative number, got '${JSON.stringify(value)}'`;
    throw isJsonataExpression(literal) ? queryEvaluationError(message) : runtimeError(message);
  }
  return value;
}
