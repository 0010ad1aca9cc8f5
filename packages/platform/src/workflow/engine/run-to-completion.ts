import type {
  Command,
  EngineEnv,
  EngineEvent,
  EngineLimits,
  ExecutionContextInput,
  ExecutionState,
  ExecutionStatus,
  Step,
} from "./execution-state.js";
import type { HistoryEvent } from "./history.js";
import { resume, startExecution } from "./interpreter.js";
import type { Json } from "./json.js";
import { seededRandom } from "./random.js";

export type RunTaskCommand = Extract<Command, { kind: "runTask" }>;

/**
 * What a task handler answers. `afterMs` delays the answer on the manual clock, so timeouts and
 * heartbeats can race it; `noResponse` never answers (the task can only time out or be cancelled).
 */
export type TaskOutcome =
  | { status: "succeeded"; output: Json; afterMs?: number }
  | { status: "failed"; error?: string; cause?: string; afterMs?: number }
  | { status: "noResponse" };

export type TaskHandler = (task: RunTaskCommand) => TaskOutcome | Promise<TaskOutcome>;

export interface RunToCompletionOptions {
  /** Clock start in epoch ms; defaults to the context's startTime. */
  startMs?: number;
  random?: () => number;
  uuid?: () => string;
  /** Safety stop for runaway executions. */
  maxSteps?: number;
  /** Engine quotas (history events, payload bytes). */
  limits?: EngineLimits;
}

export interface CompletedExecution {
  status: Exclude<ExecutionStatus, "RUNNING">;
  output?: Json;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  state: ExecutionState;
  /** Manual clock at completion (epoch ms). */
  endMs: number;
}

/** Deterministic stand-ins for tests: a seeded random sequence and counter-based UUIDs. */
export function deterministicSources(seed = 1): { random: () => number; uuid: () => string } {
  let r = seed;
  let u = 0;
  return {
    random: () => seededRandom(r++),
    uuid: () => {
      u += 1;
      return `00000000-0000-4000-8000-${u.toString(16).padStart(12, "0")}`;
    },
  };
}

/**
 * Runs an execution in memory to its end: tasks go to `handler`, and a manual clock jumps
 * straight to the next due timer or task answer, so Wait states and retry delays take no real
 * time. Used by tests and for Express executions.
 */
export async function runToCompletion(
  definition: unknown,
  input: Json,
  context: ExecutionContextInput,
  handler: TaskHandler,
  options: RunToCompletionOptions = {},
): Promise<CompletedExecution> {
  let clock = options.startMs ?? Date.parse(context.startTime);
  const sources = deterministicSources();
  const env: EngineEnv = {
    now: () => clock,
    random: options.random ?? sources.random,
    uuid: options.uuid ?? sources.uuid,
    ...(options.limits && { limits: options.limits }),
  };
  const timers = new Map<string, number>();
  const deliveries: { at: number; seq: number; taskId: string; event: EngineEvent }[] = [];
  let seq = 0;
  const history: HistoryEvent[] = [];
  let step: Step = await startExecution(definition, input, context, env);
  const maxSteps = options.maxSteps ?? 100_000;
  for (let n = 0; ; n++) {
    history.push(...step.history);
    let done: Extract<Command, { kind: "complete" }> | undefined;
    for (const command of step.commands) {
      if (command.kind === "startTimer") timers.set(command.id, command.fireAt);
      else if (command.kind === "cancelTimer") timers.delete(command.id);
      else if (command.kind === "cancelTask") removeDeliveries(deliveries, command.id);
      else if (command.kind === "complete") done = command;
      else {
        const outcome = await handler(command);
        if (outcome.status === "noResponse") continue;
        const event: EngineEvent =
          outcome.status === "succeeded"
            ? { kind: "taskSucceeded", id: command.id, output: outcome.output }
            : { kind: "taskFailed", id: command.id, ...optional(outcome.error, outcome.cause) };
        deliveries.push({ at: clock + (outcome.afterMs ?? 0), seq: seq++, taskId: command.id, event });
      }
    }
    if (done) return finish(done, history, step.state, clock);
    if (n >= maxSteps) throw new Error(`runToCompletion: no completion after ${maxSteps} steps`);
    const next = nextEvent(deliveries, timers);
    if (!next) throw new Error("runToCompletion: the execution waits for a task that never answers");
    clock = Math.max(clock, next.at);
    step = await resume(step.state, next.event, env);
  }
}

function optional(error?: string, cause?: string): { error?: string; cause?: string } {
  return { ...(error !== undefined && { error }), ...(cause !== undefined && { cause }) };
}

function removeDeliveries(deliveries: { taskId: string }[], taskId: string): void {
  for (let i = deliveries.length - 1; i >= 0; i--)
    if (deliveries[i]?.taskId === taskId) deliveries.splice(i, 1);
}

/** The earliest task answer or timer; answers win ties, then order of arrival. */
function nextEvent(
  deliveries: { at: number; seq: number; event: EngineEvent }[],
  timers: Map<string, number>,
): { at: number; event: EngineEvent } | undefined {
  deliveries.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const delivery = deliveries[0];
  let timer: { id: string; at: number } | undefined;
  for (const [id, at] of timers) if (!timer || at < timer.at) timer = { id, at };
  if (delivery && (!timer || delivery.at <= timer.at)) {
    deliveries.shift();
    return delivery;
  }
  if (!timer) return undefined;
  timers.delete(timer.id);
  return { at: timer.at, event: { kind: "timerFired", id: timer.id } };
}

function finish(
  done: Extract<Command, { kind: "complete" }>,
  history: HistoryEvent[],
  state: ExecutionState,
  endMs: number,
): CompletedExecution {
  const result: CompletedExecution = { status: done.status, history, state, endMs };
  if (done.output !== undefined) result.output = done.output;
  if (done.error !== undefined) result.error = done.error;
  if (done.cause !== undefined) result.cause = done.cause;
  return result;
}
