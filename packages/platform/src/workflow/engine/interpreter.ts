import { workflowError } from "../errors.js";
import { onWaitFinished } from "./basic-states.js";
import type { StateMachineDefinition } from "./definition.js";
import type {
  EngineEnv,
  EngineEvent,
  ExecutionContextInput,
  ExecutionState,
  Frame,
  Step,
} from "./execution-state.js";
import { isJsonObject, type Json, type JsonObject, toJson, toJsonText } from "./json.js";
import { runState } from "./state-handlers.js";
import { StepRun } from "./step-run.js";
import {
  onTaskFailed,
  onTaskHeartbeat,
  onTaskStarted,
  onTaskSubmitted,
  onTaskSucceeded,
  onTaskTimedOut,
} from "./task-state.js";
import { validateDefinition } from "./validate.js";

export interface StartOptions {
  /** Variables set before the first state (TestState's `variables`). */
  variables?: JsonObject;
  /**
   * The definition was validated when its machine was stored and this object belongs to the
   * execution: no second validation, no defensive copy. Runners pass freshly parsed definitions.
   */
  prepared?: boolean;
}

/**
 * The Amazon States Language interpreter as a pure step function. `startExecution` and `resume`
 * never perform I/O or read the clock except through `env`; given equal arguments they return
 * equal Steps. The runner persists `step.state`, carries out `step.commands` and feeds what
 * happens back through `resume`.
 */
export async function startExecution(
  definition: unknown,
  input: Json,
  context: ExecutionContextInput,
  env: EngineEnv,
  options: StartOptions = {},
): Promise<Step> {
  const diagnostics = options.prepared
    ? []
    : validateDefinition(definition).filter((d) => d.severity === "ERROR");
  if (diagnostics.length > 0 || !isJsonObject(definition)) {
    const list = diagnostics.map((d) => `'${d.code}: ${d.message}${d.location ? ` at ${d.location}` : ""}'`);
    throw workflowError.invalidDefinition(`Invalid State Machine Definition: ${list.join(", ")}`);
  }
  const plainInput = toJson(input);
  if (plainInput === undefined) throw workflowError.invalidExecutionInput("The execution input must be JSON");
  const state: ExecutionState = {
    formatVersion: 1,
    definition: options.prepared ? definition : structuredClone(definition),
    context: JSON.parse(JSON.stringify(context)) as ExecutionContextInput,
    input: plainInput,
    status: "RUNNING",
    lastEventId: 0,
    seq: 0,
    frames: {},
    tasks: {},
    timers: {},
  };
  const run = new StepRun(state, env);
  const started: Record<string, unknown> = {
    input: toJsonText(plainInput),
    inputDetails: { truncated: false },
  };
  if (context.roleArn !== undefined) started.roleArn = context.roleArn;
  if (context.stateMachineAliasArn !== undefined) started.stateMachineAliasArn = context.stateMachineAliasArn;
  if (context.stateMachineVersionArn !== undefined)
    started.stateMachineVersionArn = context.stateMachineVersionArn;
  run.emit(undefined, "ExecutionStarted", started, 0);
  // TestState may start with variables already set (its `variables` member).
  const variables = options.variables ? (structuredClone(options.variables) as JsonObject) : {};
  const root: Frame = { id: "root", machinePath: [], variables, lastEventId: 0 };
  state.frames.root = root;
  const machine = state.definition as unknown as StateMachineDefinition;
  const timeout = machine.TimeoutSeconds;
  if (typeof timeout === "number" && timeout > 0)
    run.startTimer("executionTimeout", run.now + timeout * 1000, {});
  run.enqueue(root, machine.StartAt, plainInput);
  await run.drain();
  return run.result();
}

/** Advances an execution by one outside event. Finished executions ignore every event. */
export async function resume(state: ExecutionState, event: EngineEvent, env: EngineEnv): Promise<Step> {
  if (state.formatVersion !== 1)
    throw workflowError.corruptExecutionState(`Unknown state format ${String(state.formatVersion)}`);
  const run = new StepRun(structuredClone(state), env);
  if (!run.running) return run.result();
  await dispatch(run, event);
  await run.drain();
  return run.result();
}

async function dispatch(run: StepRun, event: EngineEvent): Promise<void> {
  switch (event.kind) {
    case "taskSucceeded":
      return onTaskSucceeded(run, event.id, toJson(event.output) ?? null);
    case "taskFailed":
      return onTaskFailed(run, event.id, event.error, event.cause);
    case "taskStarted":
      return onTaskStarted(run, event.id, event.workerName);
    case "taskSubmitted":
      return onTaskSubmitted(run, event.id, toJson(event.output) ?? null);
    case "taskHeartbeat":
      return onTaskHeartbeat(run, event.id);
    case "timerFired":
      return onTimer(run, event.id);
    case "stop":
      run.terminate("ABORTED", { error: event.error, cause: event.cause });
      return;
  }
}

async function onTimer(run: StepRun, timerId: string): Promise<void> {
  const timer = run.state.timers[timerId];
  if (!timer) return;
  delete run.state.timers[timerId];
  switch (timer.purpose) {
    case "executionTimeout":
      run.terminate("TIMED_OUT", { error: "States.Timeout", cause: "The execution timed out." });
      return;
    case "taskTimeout":
    case "heartbeat":
      if (timer.taskId !== undefined) await onTaskTimedOut(run, timer.taskId, timer.purpose === "heartbeat");
      return;
    case "wait": {
      const frame = timer.frameId === undefined ? undefined : run.state.frames[timer.frameId];
      const phase = frame?.active?.phase;
      if (frame && phase?.kind === "wait" && phase.timerId === timerId)
        await onWaitFinished(run, frame, phase.effectiveInput);
      return;
    }
    case "retry": {
      const frame = timer.frameId === undefined ? undefined : run.state.frames[timer.frameId];
      const active = frame?.active;
      if (!frame || active?.phase.kind !== "retryDelay" || active.phase.timerId !== timerId) return;
      active.phase = { kind: "idle" };
      const def = run.stateDef(frame, active.name);
      await run.guard(frame, () => runState(run, frame, def));
      return;
    }
  }
}

/** The pending task a callback token belongs to (for SendTaskSuccess / Failure / Heartbeat). */
export function taskIdForToken(state: ExecutionState, token: string): string | undefined {
  return Object.entries(state.tasks).find(([, task]) => task.taskToken === token)?.[0];
}
