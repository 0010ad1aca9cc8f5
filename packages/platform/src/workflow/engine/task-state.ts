import type { StateDefinition } from "./definition.js";
import type { Command, Frame, PendingTask } from "./execution-state.js";
import { type Json, toJsonText } from "./json.js";
import { evaluateTemplate } from "./jsonata-mode.js";
import { evaluatePayloadTemplate } from "./path-scope.js";
import { hasTaskToken, parseResource, regionOf, type TaskResource } from "./resource.js";
import {
  isJsonata,
  jsonataScope,
  numericSetting,
  pathScope,
  prepareInput,
  resultOutcome,
} from "./state-io.js";
import { runtimeError, STATES_ERRORS, StatesError } from "./states-error.js";
import type { StepRun } from "./step-run.js";

const DATA_DETAILS = { truncated: false } as const;

function resourceOf(def: StateDefinition): TaskResource {
  const resource = typeof def.Resource === "string" ? parseResource(def.Resource) : undefined;
  if (!resource) throw runtimeError(`The resource '${String(def.Resource)}' is not a valid Task resource`);
  return resource;
}

/** Schedules the task: history events, timeout/heartbeat timers and a runTask command. */
export async function runTask(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const active = frame.active;
  if (!active) return;
  const resource = resourceOf(def);
  const taskToken = hasTaskToken(resource) ? run.env.uuid() : undefined;
  const extras = taskToken === undefined ? {} : { taskToken };
  const { selected, effective } = await prepareInput(run, frame, def, { parameters: true, extras });
  const timeoutSeconds = await numericSetting(run, frame, def, "TimeoutSeconds", selected);
  const heartbeatSeconds = await numericSetting(run, frame, def, "HeartbeatSeconds", selected);
  let credentials: Json | undefined;
  if (def.Credentials !== undefined) {
    credentials = isJsonata(run, def)
      ? await evaluateTemplate(def.Credentials, "Credentials", jsonataScope(run, frame, {}, extras))
      : evaluatePayloadTemplate(def.Credentials, pathScope(run, frame, selected, extras));
  }

  const taskId = run.nextId("task");
  const task: PendingTask = {
    frameId: frame.id,
    stateName: active.name,
    resource: resource.arn,
    started: false,
  };
  if (taskToken !== undefined) task.taskToken = taskToken;
  const timing: { timeoutInSeconds?: number; heartbeatInSeconds?: number } = {};
  if (timeoutSeconds !== undefined) timing.timeoutInSeconds = timeoutSeconds;
  if (heartbeatSeconds !== undefined) timing.heartbeatInSeconds = heartbeatSeconds;
  const input = toJsonText(effective);
  if (run.overLimit(input))
    throw new StatesError(STATES_ERRORS.dataLimitExceeded, run.dataLimitCause(active.name));

  if (resource.kind === "lambda") {
    run.emit(frame, "LambdaFunctionScheduled", {
      resource: resource.arn,
      input,
      inputDetails: DATA_DETAILS,
      ...timing,
    });
    run.emit(frame, "LambdaFunctionStarted");
    task.started = true;
  } else if (resource.kind === "activity") {
    run.emit(frame, "ActivityScheduled", {
      resource: resource.arn,
      input,
      inputDetails: DATA_DETAILS,
      ...timing,
    });
  } else {
    const region = run.state.context.region ?? regionOf(run.state.context.stateMachineArn) ?? "us-east-1";
    const scheduled: Record<string, unknown> = {
      resourceType: resource.resourceType,
      resource: resource.resource,
      region,
      parameters: input,
      ...timing,
    };
    const roleArn =
      credentials && typeof credentials === "object" && !Array.isArray(credentials)
        ? credentials.RoleArn
        : undefined;
    if (typeof roleArn === "string") scheduled.taskCredentials = { roleArn };
    run.emit(frame, "TaskScheduled", scheduled);
    run.emit(frame, "TaskStarted", { resourceType: resource.resourceType, resource: resource.resource });
    task.started = true;
  }

  if (timeoutSeconds !== undefined) {
    task.timeoutTimerId = run.startTimer("taskTimeout", run.now + timeoutSeconds * 1000, { taskId });
  }
  if (heartbeatSeconds !== undefined) {
    task.heartbeatSeconds = heartbeatSeconds;
    task.heartbeatTimerId = run.startTimer("heartbeat", run.now + heartbeatSeconds * 1000, { taskId });
  }
  run.state.tasks[taskId] = task;
  active.phase = { kind: "task", taskId };
  const command: Command = {
    kind: "runTask",
    id: taskId,
    stateName: active.name,
    resource: resource.arn,
    parameters: effective,
  };
  if (taskToken !== undefined) command.taskToken = taskToken;
  if (timeoutSeconds !== undefined) command.timeoutSeconds = timeoutSeconds;
  if (heartbeatSeconds !== undefined) command.heartbeatSeconds = heartbeatSeconds;
  if (credentials !== undefined) command.credentials = credentials;
  run.command(command);
}

/** Event type prefix and the resource members each event of this resource carries. */
function eventShape(resource: TaskResource): { prefix: string; members: Record<string, string> } {
  if (resource.kind === "lambda") return { prefix: "LambdaFunction", members: {} };
  if (resource.kind === "activity") return { prefix: "Activity", members: {} };
  return { prefix: "Task", members: { resourceType: resource.resourceType, resource: resource.resource } };
}

function taskResource(task: PendingTask): TaskResource {
  return parseResource(task.resource) ?? { kind: "lambda", arn: task.resource };
}

/** Removes a finished task and its timers; returns its frame when the state still waits for it. */
function settle(run: StepRun, taskId: string): { task: PendingTask; frame: Frame } | undefined {
  const task = run.state.tasks[taskId];
  if (!task) return undefined;
  delete run.state.tasks[taskId];
  run.cancelTimer(task.timeoutTimerId);
  run.cancelTimer(task.heartbeatTimerId);
  const frame = run.state.frames[task.frameId];
  if (frame?.active?.phase.kind !== "task" || frame.active.phase.taskId !== taskId) return undefined;
  frame.active.phase = { kind: "idle" };
  return { task, frame };
}

/** The task returned a result: write the Succeeded event and run the output pipeline. */
export async function onTaskSucceeded(run: StepRun, taskId: string, output: Json): Promise<void> {
  const settled = settle(run, taskId);
  if (!settled) return;
  const { task, frame } = settled;
  const resource = taskResource(task);
  const { prefix, members } = eventShape(resource);
  const text = toJsonText(output);
  if (run.overLimit(text)) {
    const cause = run.dataLimitCause(resource.kind === "service" ? resource.resourceType : resource.arn);
    run.emit(frame, `${prefix}Failed`, { ...members, error: STATES_ERRORS.dataLimitExceeded, cause });
    await run.failState(frame, STATES_ERRORS.dataLimitExceeded, cause);
    return;
  }
  run.emit(frame, `${prefix}Succeeded`, {
    ...members,
    output: text,
    outputDetails: DATA_DETAILS,
  });
  await run.guard(frame, async () => {
    const def = run.stateDef(frame, task.stateName);
    await run.exitState(frame, await resultOutcome(run, frame, def, output), def.Next);
  });
}

/** The task failed: write the Failed event, then Retry / Catch. */
export async function onTaskFailed(
  run: StepRun,
  taskId: string,
  error?: string,
  cause?: string,
): Promise<void> {
  const settled = settle(run, taskId);
  if (!settled) return;
  const { prefix, members } = eventShape(taskResource(settled.task));
  run.emit(settled.frame, `${prefix}Failed`, {
    ...members,
    ...(error !== undefined && { error }),
    ...(cause !== undefined && { cause }),
  });
  await run.failState(settled.frame, error, cause);
}

/**
 * TimeoutSeconds or HeartbeatSeconds elapsed: the task fails with States.Timeout, as AWS records
 * both cases; a missed heartbeat is also matched by `States.HeartbeatTimeout` in ErrorEquals.
 */
export async function onTaskTimedOut(run: StepRun, taskId: string, heartbeat: boolean): Promise<void> {
  const settled = settle(run, taskId);
  if (!settled) return;
  run.command({ kind: "cancelTask", id: taskId });
  const error = STATES_ERRORS.timeout;
  const { prefix, members } = eventShape(taskResource(settled.task));
  run.emit(settled.frame, `${prefix}TimedOut`, { ...members, error });
  await run.failState(settled.frame, error, undefined, heartbeat ? [STATES_ERRORS.heartbeatTimeout] : []);
}

/** An activity worker picked the task up (writes ActivityStarted). */
export function onTaskStarted(run: StepRun, taskId: string, workerName?: string): void {
  const task = run.state.tasks[taskId];
  const frame = task ? run.state.frames[task.frameId] : undefined;
  if (!task || !frame || task.started) return;
  task.started = true;
  run.emit(frame, "ActivityStarted", workerName === undefined ? {} : { workerName });
}

/** A callback task's initial request completed (writes TaskSubmitted). */
export function onTaskSubmitted(run: StepRun, taskId: string, output: Json): void {
  const task = run.state.tasks[taskId];
  const frame = task ? run.state.frames[task.frameId] : undefined;
  if (!task || !frame) return;
  const { prefix, members } = eventShape(taskResource(task));
  if (prefix !== "Task") return;
  run.emit(frame, "TaskSubmitted", { ...members, output: toJsonText(output), outputDetails: DATA_DETAILS });
}

/** SendTaskHeartbeat: restarts the heartbeat timer. No history event, as in AWS. */
export function onTaskHeartbeat(run: StepRun, taskId: string): void {
  const task = run.state.tasks[taskId];
  if (!task || task.heartbeatSeconds === undefined) return;
  run.cancelTimer(task.heartbeatTimerId);
  task.heartbeatTimerId = run.startTimer("heartbeat", run.now + task.heartbeatSeconds * 1000, { taskId });
}
