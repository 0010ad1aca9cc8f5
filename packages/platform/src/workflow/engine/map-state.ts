import type { StateDefinition } from "./definition.js";
import type { Frame, MapPhase } from "./execution-state.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import { evaluateTemplate, isJsonataExpression } from "./jsonata-mode.js";
import { evaluatePayloadTemplate } from "./path-scope.js";
import { selectPath } from "./pipeline.js";
import {
  isJsonata,
  jsonataScope,
  numericSetting,
  pathScope,
  prepareInput,
  resultOutcome,
} from "./state-io.js";
import { queryEvaluationError, runtimeError, STATES_ERRORS } from "./states-error.js";
import type { FrameResult, StepRun } from "./step-run.js";

/**
 * Map: runs the ItemProcessor (legacy Iterator) once per item, each in its own frame, at most
 * MaxConcurrency at a time (0 = all at once). The result is the array of iteration outputs in
 * item order. A failed iteration fails the state unless ToleratedFailureCount/Percentage allow
 * it; a tolerated failure leaves its `{Error, Cause}` in the result array, and exceeding the
 * threshold fails with States.ExceedToleratedFailureThreshold. DISTRIBUTED mode runs the same
 * way, inline (no child executions, ItemReader or ResultWriter), except that its iterations
 * cannot see outer variables, as AWS's child executions cannot.
 */
export async function runMap(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const active = frame.active;
  if (!active) return;
  const { selected } = await prepareInput(run, frame, def, { parameters: false });
  const source = await itemsOf(run, frame, def, selected);
  const { items, keys } = toItems(source, isJsonata(run, def));
  const maxConcurrency = (await numericSetting(run, frame, def, "MaxConcurrency", selected)) ?? 0;
  const toleratedCount = await numericSetting(run, frame, def, "ToleratedFailureCount", selected);
  const toleratedPercent = await numericSetting(run, frame, def, "ToleratedFailurePercentage", selected);
  if (toleratedPercent !== undefined && toleratedPercent > 100) {
    throw runtimeError("ToleratedFailurePercentage must be between 0 and 100");
  }
  run.emit(frame, "MapStateStarted", { length: items.length });
  const phase: MapPhase = {
    kind: "map",
    effectiveInput: selected,
    items,
    keys,
    next: 0,
    running: {},
    results: items.map(() => null),
    succeeded: 0,
    failed: 0,
    maxConcurrency: Math.floor(maxConcurrency),
    toleratedFailureCount: toleratedCount ?? null,
    toleratedFailurePercentage: toleratedPercent ?? null,
  };
  active.phase = phase;
  await startIterations(run, frame, def, phase);
}

async function itemsOf(run: StepRun, frame: Frame, def: StateDefinition, selected: Json): Promise<Json> {
  if (isJsonata(run, def)) {
    if (def.Items === undefined) return frame.active?.input ?? null;
    return isJsonataExpression(def.Items)
      ? evaluateTemplate(def.Items, "Items", jsonataScope(run, frame, {}))
      : def.Items;
  }
  return selectPath(def.ItemsPath ?? "$", pathScope(run, frame, selected));
}

function toItems(source: Json, jsonata: boolean): { items: Json[]; keys: string[] | null } {
  if (Array.isArray(source)) return { items: source, keys: null };
  if (isJsonObject(source)) return { items: Object.values(source), keys: Object.keys(source) };
  const message = `The Map state's items must be a JSON array or object, got '${JSON.stringify(source)}'`;
  throw jsonata ? queryEvaluationError(message) : runtimeError(message);
}

async function iterationInput(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  phase: MapPhase,
  index: number,
): Promise<Json> {
  const value = phase.items[index] ?? null;
  const key = phase.keys?.[index];
  const mapItem = key === undefined ? { index, value } : { index, value, key };
  const selector = def.ItemSelector ?? (isJsonata(run, def) ? undefined : def.Parameters);
  if (selector === undefined) return value;
  if (isJsonata(run, def))
    return evaluateTemplate(selector, "ItemSelector", jsonataScope(run, frame, {}, { mapItem }));
  return evaluatePayloadTemplate(selector, pathScope(run, frame, phase.effectiveInput, { mapItem }));
}

async function startIterations(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  phase: MapPhase,
): Promise<void> {
  const active = frame.active;
  if (!active) return;
  const processor = def.ItemProcessor !== undefined ? "ItemProcessor" : "Iterator";
  while (phase.next < phase.items.length) {
    if (phase.maxConcurrency > 0 && Object.keys(phase.running).length >= phase.maxConcurrency) break;
    const index = phase.next;
    phase.next += 1;
    const input = await iterationInput(run, frame, def, phase, index);
    const startedId = run.emit(frame, "MapIterationStarted", { name: active.name, index });
    const child: Frame = {
      id: run.nextId("iteration"),
      parent: { frameId: frame.id, index },
      machinePath: [...run.statePath(frame, active.name), processor],
      variables: {},
      lastEventId: startedId,
    };
    if (isDistributed(def)) child.isolated = true;
    run.state.frames[child.id] = child;
    phase.running[String(index)] = child.id;
    run.enqueue(child, run.machine(child).StartAt, input);
  }
  if (phase.succeeded + phase.failed === phase.items.length) {
    active.phase = { kind: "idle" };
    run.emit(frame, "MapStateSucceeded");
    await run.exitState(frame, await resultOutcome(run, frame, def, phase.results), def.Next);
  }
}

/** An iteration ended: record its result, apply failure tolerance, start more or finish the Map. */
export async function onIterationFinished(
  run: StepRun,
  frame: Frame,
  phase: MapPhase,
  index: number,
  child: Frame,
  result: FrameResult,
): Promise<void> {
  const active = frame.active;
  const key = String(index);
  if (!active || phase.running[key] !== child.id) return;
  delete phase.running[key];
  const def = run.stateDef(frame, active.name);
  const details = { name: active.name, index };
  if (result.ok) {
    run.emit(frame, "MapIterationSucceeded", details);
    phase.results[index] = result.output;
    phase.succeeded += 1;
  } else {
    run.emit(frame, "MapIterationFailed", details);
    phase.failed += 1;
    const error: JsonObject = { Error: result.error ?? "", Cause: result.cause ?? "" };
    phase.results[index] = error;
    // States.Runtime always fails the execution, whatever the tolerance.
    const verdict = result.error === STATES_ERRORS.runtime ? "strict" : tolerance(phase);
    if (verdict !== "tolerated") {
      abortRunning(run, frame, phase);
      run.emit(frame, "MapStateFailed");
      if (verdict === "exceeded") {
        await run.failState(
          frame,
          STATES_ERRORS.exceedToleratedFailureThreshold,
          "The specified tolerated failure threshold was exceeded",
        );
      } else await run.failState(frame, result.error, result.cause);
      return;
    }
  }
  await run.guard(frame, () => startIterations(run, frame, def, phase));
}

function isDistributed(def: StateDefinition): boolean {
  const processor = def.ItemProcessor;
  const config = isJsonObject(processor) ? processor.ProcessorConfig : undefined;
  return isJsonObject(config) && config.Mode === "DISTRIBUTED";
}

/** "strict" when no threshold is set (any failure fails the Map). */
function tolerance(phase: MapPhase): "strict" | "tolerated" | "exceeded" {
  const count = phase.toleratedFailureCount;
  const percent = phase.toleratedFailurePercentage;
  if (count === null && percent === null) return "strict";
  if (count !== null && phase.failed > count) return "exceeded";
  if (percent !== null && (phase.failed * 100) / phase.items.length > percent) return "exceeded";
  return "tolerated";
}

function abortRunning(run: StepRun, frame: Frame, phase: MapPhase): void {
  for (const [index, id] of Object.entries(phase.running)) {
    run.dropFrame(id);
    run.emit(frame, "MapIterationAborted", { name: frame.active?.name ?? "", index: Number(index) });
  }
  phase.running = {};
}
