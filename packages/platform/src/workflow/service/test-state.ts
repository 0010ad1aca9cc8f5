import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import {
  type EngineEnv,
  type EngineLimits,
  type HistoryEvent,
  type InspectionStage,
  isJsonObject,
  type Json,
  type JsonObject,
  parseResource,
  resume,
  type Step,
  startExecution,
} from "../engine/index.js";
import { workflowError } from "../errors.js";
import type { TaskDispatcher } from "../executions/task-dispatch.js";
import { assertValidDefinition } from "./definition-check.js";

export type InspectionLevel = "INFO" | "DEBUG" | "TRACE";
export type TestStatus = "SUCCEEDED" | "FAILED" | "RETRIABLE" | "CAUGHT_ERROR";

export interface TestStateRequest {
  /** One state's definition, or a whole machine with `stateName`. */
  definition: string;
  stateName?: string;
  input: string;
  inspectionLevel: InspectionLevel;
  /** JSON object text: variables visible to the state. */
  variables?: string;
  roleArn?: string;
}

export interface TestStateResult {
  status: TestStatus;
  output?: string;
  error?: string;
  cause?: string;
  nextState?: string;
  inspectionData?: Record<string, string>;
}

const TEST_STATE = "TestState";

/**
 * TestState: runs one state through the real engine, in memory, with real task calls. The state
 * is placed in a machine of its own whose transition targets are Succeed placeholders, so the
 * engine stops right after it: the placeholder it enters names `nextState`. A matching Retry
 * stops the test at once (RETRIABLE), as AWS does; Wait states do not wait.
 */
export async function testState(
  request: TestStateRequest,
  deps: { tasks: TaskDispatcher; clock: Clock; scope: AccountScope; limits?: EngineLimits },
): Promise<TestStateResult> {
  const { name, machine } = buildMachine(request.definition, request.stateName);
  assertValidDefinition(JSON.stringify(machine), "STANDARD");
  const state = (machine.States as JsonObject)[name] as JsonObject;
  const resource = typeof state.Resource === "string" ? parseResource(state.Resource) : undefined;
  if (resource?.kind === "service" && resource.pattern !== "requestResponse")
    throw workflowError.invalidDefinition(
      `TestState does not support the '${state.Resource}' integration pattern: only request-response tasks can be tested`,
    );
  const input = parseJson(request.input, "input", workflowError.invalidExecutionInput);
  const variables = request.variables === undefined ? undefined : parseJson(request.variables, "variables");
  if (variables !== undefined && !isJsonObject(variables))
    throw workflowError.validation("The variables must be a JSON object");

  const inspection: Partial<Record<InspectionStage, Json>> = {};
  let lastError: Json | undefined;
  const env: EngineEnv = {
    now: () => deps.clock.now(),
    random: Math.random,
    uuid: randomUUID,
    ...(deps.limits && { limits: deps.limits }),
    inspect: (where, stage, value) => {
      if (where.frameId !== "root" || where.state !== name) return;
      if (stage === "error") lastError = value;
      else inspection[stage] = value;
    },
  };
  const executionArn = `arn:aws:states:${deps.scope.region}:${deps.scope.accountId}:execution:TestState:${randomUUID()}`;
  const context = {
    executionArn,
    executionName: "TestState",
    stateMachineArn: `arn:aws:states:${deps.scope.region}:${deps.scope.accountId}:stateMachine:TestState`,
    stateMachineName: "TestState",
    startTime: new Date(deps.clock.now()).toISOString(),
    ...(request.roleArn !== undefined && { roleArn: request.roleArn }),
  };
  let step: Step = await startExecution(machine, input, context, env, {
    prepared: true,
    ...(variables && { variables }),
  });
  const history: HistoryEvent[] = [...step.history];
  let retriable = false;
  for (let guard = 0; step.state.status === "RUNNING" && guard < 10_000; guard++) {
    if (Object.values(step.state.timers).some((t) => t.purpose === "retry")) {
      retriable = true;
      break;
    }
    const next = await nextEvent(step, deps.tasks, executionArn);
    if (!next) break;
    step = await resume(step.state, next, env);
    history.push(...step.history);
  }

  const result = summarize(name, step, history, retriable, lastError);
  if (request.inspectionLevel !== "INFO") {
    const data: Record<string, string> = { input: JSON.stringify(input) };
    for (const [stage, value] of Object.entries(inspection)) data[stage] = JSON.stringify(value);
    const after = { ...(isJsonObject(variables) ? variables : {}), ...assignedBy(name, history) };
    if (Object.keys(after).length > 0) data.variables = JSON.stringify(after);
    result.inspectionData = data;
  }
  return result;
}

/** The variables the tested state assigned, from its Exited event. */
function assignedBy(name: string, history: HistoryEvent[]): JsonObject {
  for (const e of history) {
    const d = e.stateExitedEventDetails as
      | { name?: string; assignedVariables?: Record<string, string> }
      | undefined;
    if (d?.name !== name || !d.assignedVariables) continue;
    return Object.fromEntries(
      Object.entries(d.assignedVariables).map(([k, v]) => [k, JSON.parse(v) as Json]),
    );
  }
  return {};
}

/** The next outside event: a task's answer, or a Wait timer fired at once. */
async function nextEvent(step: Step, tasks: TaskDispatcher, executionArn: string) {
  const run = step.commands.find((c) => c.kind === "runTask");
  if (run && run.kind === "runTask") {
    const event = await tasks.run(run, executionArn, async () => undefined);
    return (
      event ?? { kind: "taskFailed" as const, id: run.id, error: "States.Runtime", cause: "No task result" }
    );
  }
  const wait = Object.entries(step.state.timers).find(([, t]) => t.purpose === "wait");
  return wait ? { kind: "timerFired" as const, id: wait[0] } : undefined;
}

function summarize(
  name: string,
  step: Step,
  history: HistoryEvent[],
  retriable: boolean,
  lastError: Json | undefined,
): TestStateResult {
  const error = isJsonObject(lastError) ? lastError : undefined;
  const errorFields = error ? { error: String(error.Error ?? ""), cause: String(error.Cause ?? "") } : {};
  if (retriable) return { status: "RETRIABLE", ...errorFields };
  const state = step.state;
  if (state.status !== "SUCCEEDED") {
    return {
      status: "FAILED",
      ...(state.error !== undefined && { error: state.error }),
      ...(state.cause !== undefined && { cause: state.cause }),
    };
  }
  const details = (e: HistoryEvent | undefined, key: `${string}EventDetails`) =>
    (e?.[key] ?? {}) as { name?: string; output?: string };
  const exitedAt = history.findIndex(
    (e) => e.type.endsWith("StateExited") && details(e, "stateExitedEventDetails").name === name,
  );
  const exited = history[exitedAt];
  const entered = history
    .slice(exitedAt + 1)
    .find((e) => e.type.endsWith("StateEntered") && details(e, "stateEnteredEventDetails").name !== name);
  const output = details(exited, "stateExitedEventDetails").output ?? JSON.stringify(state.output ?? null);
  const nextState = details(entered, "stateEnteredEventDetails").name;
  return {
    status: error ? "CAUGHT_ERROR" : "SUCCEEDED",
    output,
    ...(nextState !== undefined && { nextState }),
    ...errorFields,
  };
}

/** The tested state alone in a machine, its targets replaced by Succeed placeholders. */
function buildMachine(text: string, stateName: string | undefined): { name: string; machine: JsonObject } {
  const parsed = parseJson(text, "definition", workflowError.invalidDefinition);
  if (!isJsonObject(parsed)) throw workflowError.invalidDefinition("The definition must be a JSON object");
  let name = stateName ?? TEST_STATE;
  let state: JsonObject;
  const outer: JsonObject = {};
  if (isJsonObject(parsed.States)) {
    name = stateName ?? (typeof parsed.StartAt === "string" ? parsed.StartAt : "");
    const found = parsed.States[name];
    if (!isJsonObject(found)) throw workflowError.validation(`The state '${name}' is not in the definition`);
    state = found;
    if (parsed.QueryLanguage !== undefined) outer.QueryLanguage = parsed.QueryLanguage;
  } else {
    state = parsed;
  }
  const targets = new Set<string>();
  const add = (t: Json | undefined) => {
    if (typeof t === "string" && t !== name) targets.add(t);
  };
  add(state.Next);
  add(state.Default);
  for (const list of [state.Choices, state.Catch])
    if (Array.isArray(list)) for (const item of list) if (isJsonObject(item)) add(item.Next);
  const states: JsonObject = { [name]: state };
  for (const t of targets) states[t] = { Type: "Succeed" };
  return { name, machine: { ...outer, StartAt: name, States: states } };
}

function parseJson(text: string, member: string, error = workflowError.validation): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw error(`The ${member} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
