import { evaluateChoiceRule } from "./choice.js";
import type { StateDefinition } from "./definition.js";
import type { Frame } from "./execution-state.js";
import { isJsonObject, type Json } from "./json.js";
import { evaluateCondition, evaluateTemplate, isJsonataExpression } from "./jsonata-mode.js";
import { evaluateDynamicValue } from "./path-scope.js";
import { selectPath } from "./pipeline.js";
import {
  isJsonata,
  jsonataScope,
  passthroughOutcome,
  pathScope,
  prepareInput,
  resultOutcome,
} from "./state-io.js";
import { queryEvaluationError, runtimeError, STATES_ERRORS, StatesError } from "./states-error.js";
import type { StepRun } from "./step-run.js";
import { parseTimestamp } from "./timestamp.js";

/** Pass, Choice, Wait, Succeed and Fail: the states that call nothing outside the engine. */

/** Pass: the result is `Result`, else the effective input; then the usual output pipeline. */
export async function runPass(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const { effective } = await prepareInput(run, frame, def, { parameters: !isJsonata(run, def) });
  const result = def.Result !== undefined ? def.Result : effective;
  await run.exitState(frame, await resultOutcome(run, frame, def, result), def.Next);
}

/** Choice: the first matching rule picks `Next`; otherwise `Default`, otherwise States.NoChoiceMatched. */
export async function runChoice(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const { effective } = await prepareInput(run, frame, def, { parameters: false });
  const jsonata = isJsonata(run, def);
  const rules = def.Choices ?? [];
  for (const [i, rule] of rules.entries()) {
    if (!isJsonObject(rule) || typeof rule.Next !== "string") continue;
    const matched = jsonata
      ? await evaluateCondition(
          rule.Condition ?? null,
          `Choices[${i}]/Condition`,
          jsonataScope(run, frame, {}),
        )
      : evaluateChoiceRule(rule, pathScope(run, frame, effective));
    if (matched) {
      const outcome = await passthroughOutcome(run, frame, def, effective, {
        fields: rule,
        location: `Choices[${i}]`,
      });
      await run.exitState(frame, outcome, rule.Next);
      return;
    }
  }
  if (def.Default === undefined) {
    throw new StatesError(
      STATES_ERRORS.noChoiceMatched,
      `No Choice Rule matched the input and no Default is set in the state '${frame.active?.name ?? ""}'.`,
    );
  }
  await run.exitState(frame, await passthroughOutcome(run, frame, def, effective), def.Default);
}

/** Wait: starts a timer for Seconds / Timestamp / SecondsPath / TimestampPath. */
export async function runWait(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const { effective } = await prepareInput(run, frame, def, { parameters: false });
  const fireAt = await waitUntil(run, frame, def, effective);
  const timerId = run.startTimer("wait", fireAt, { frameId: frame.id });
  if (frame.active) frame.active.phase = { kind: "wait", timerId, effectiveInput: effective };
}

/** The Wait state's timer fired. */
export async function onWaitFinished(run: StepRun, frame: Frame, effective: Json): Promise<void> {
  const active = frame.active;
  if (!active) return;
  const def = run.stateDef(frame, active.name);
  active.phase = { kind: "idle" };
  await run.guard(frame, async () =>
    run.exitState(frame, await passthroughOutcome(run, frame, def, effective), def.Next),
  );
}

async function waitUntil(run: StepRun, frame: Frame, def: StateDefinition, effective: Json): Promise<number> {
  const jsonata = isJsonata(run, def);
  const fail = (message: string) => (jsonata ? queryEvaluationError(message) : runtimeError(message));
  let seconds: Json | undefined;
  let timestamp: Json | undefined;
  if (def.Seconds !== undefined) {
    seconds = isJsonataExpression(def.Seconds)
      ? await evaluateTemplate(def.Seconds, "Seconds", jsonataScope(run, frame, {}))
      : def.Seconds;
  } else if (def.Timestamp !== undefined) {
    timestamp = isJsonataExpression(def.Timestamp)
      ? await evaluateTemplate(def.Timestamp, "Timestamp", jsonataScope(run, frame, {}))
      : def.Timestamp;
  } else if (def.SecondsPath !== undefined) {
    seconds = selectPath(def.SecondsPath, pathScope(run, frame, effective));
  } else if (def.TimestampPath !== undefined) {
    timestamp = selectPath(def.TimestampPath, pathScope(run, frame, effective));
  }
  if (seconds !== undefined) {
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
      throw fail(`The Seconds value must be a non-negative integer, got '${JSON.stringify(seconds)}'`);
    }
    return run.now + seconds * 1000;
  }
  const at = typeof timestamp === "string" ? parseTimestamp(timestamp) : undefined;
  if (at === undefined)
    throw fail(`The Timestamp value must be an RFC 3339 timestamp, got '${JSON.stringify(timestamp)}'`);
  return Math.floor(at);
}

/** Succeed: ends the frame successfully with the filtered input. */
export async function runSucceed(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const { effective } = await prepareInput(run, frame, def, { parameters: false });
  await run.exitState(frame, await passthroughOutcome(run, frame, def, effective), undefined);
}

/** Fail: ends the frame with Error/Cause (or ErrorPath/CausePath); writes no Exited event. */
export async function runFail(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const error = await failField(run, frame, def, "Error");
  const cause = await failField(run, frame, def, "Cause");
  await run.finishFrame(frame, {
    ok: false,
    ...(error !== undefined && { error }),
    ...(cause !== undefined && { cause }),
  });
}

async function failField(
  run: StepRun,
  frame: Frame,
  def: StateDefinition,
  field: "Error" | "Cause",
): Promise<string | undefined> {
  const raw = frame.active?.input ?? null;
  const literal = def[field];
  const path = def[`${field}Path`];
  let value: Json | undefined;
  if (isJsonataExpression(literal))
    value = await evaluateTemplate(literal, field, jsonataScope(run, frame, {}));
  else if (literal !== undefined) value = literal;
  else if (typeof path === "string")
    value = evaluateDynamicValue(path, `${field}Path`, pathScope(run, frame, raw));
  else return undefined;
  if (typeof value !== "string") {
    const message = `The value of the field '${field}' must be a string, got '${JSON.stringify(value)}'`;
    throw isJsonataExpression(literal) ? queryEvaluationError(message) : runtimeError(message);
  }
  return value;
}
