import { workflowError } from "../errors.js";
import type { QueryLanguage, StateDefinition, SubMachine } from "./definition.js";
import type {
  Command,
  EngineEnv,
  ExecutionState,
  ExecutionStatus,
  Frame,
  PendingTimer,
  Step,
  TimerPurpose,
} from "./execution-state.js";
import { detailsKeyFor, type HistoryEvent } from "./history.js";
import { getIn, isJsonObject, type Json, type JsonObject, toJsonText } from "./json.js";
import { findMatching, retryDelayMs, toRetrier } from "./retry.js";
import { abortChildren, onChildFinished, runState } from "./state-handlers.js";
import { catchOutcome, type Outcome } from "./state-io.js";
import { isEvaluationError, STATES_ERRORS, StatesError } from "./states-error.js";
import { isoTime } from "./timestamp.js";

/** AWS fails an execution whose history would exceed this many events. */
export const MAX_HISTORY_EVENTS = 25_000;
/** AWS's payload quota: execution input/output, state input/output, task results (UTF-8 bytes). */
export const MAX_PAYLOAD_BYTES = 262_144;
const DATA_DETAILS = { truncated: false } as const;

/** How a frame (root, branch or iteration) ended. */
export type FrameResult = { ok: true; output: Json } | { ok: false; error?: string; cause?: string };

/** Extra members of the context object that exist only in some places. */
export interface ContextExtras {
  taskToken?: string;
  mapItem?: { index: number; value: Json; key?: string };
}

/**
 * One deterministic step of an execution: mutates a private copy of the state, collecting the
 * history events and runner commands it produces. Entering states goes through a FIFO queue so
 * long chains of Pass/Choice states neither recurse deeply nor reorder branches.
 */
export class StepRun {
  readonly commands: Command[] = [];
  readonly history: HistoryEvent[] = [];
  /** One clock reading per step: every event of the step carries the same time. */
  readonly now: number;
  readonly maxHistoryEvents: number;
  readonly maxPayloadBytes: number;
  private readonly queue: { frameId: string; stateName: string; input: Json }[] = [];
  /** Frames whose state output already overflowed in this step: a second overflow is terminal. */
  private readonly overflowed = new Set<string>();

  constructor(
    readonly state: ExecutionState,
    readonly env: EngineEnv,
  ) {
    this.now = env.now();
    this.maxHistoryEvents = env.limits?.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    this.maxPayloadBytes = env.limits?.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  }

  private iso: string | undefined;

  /** `now` as an ISO timestamp, computed once per step. */
  nowIso(): string {
    this.iso ??= isoTime(this.now);
    return this.iso;
  }

  /** Whether a JSON text is over the payload quota (UTF-8 has at most 3 bytes per UTF-16 unit). */
  overLimit(text: string): boolean {
    return text.length * 3 > this.maxPayloadBytes && Buffer.byteLength(text, "utf8") > this.maxPayloadBytes;
  }

  /** The cause AWS gives for States.DataLimitExceeded. */
  dataLimitCause(name: string): string {
    return `The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`;
  }

  get running(): boolean {
    return this.state.status === "RUNNING";
  }

  result(): Step {
    return { state: this.state, commands: this.commands, history: this.history };
  }

  nextId(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}-${this.state.seq}`;
  }

  /** Appends a history event; `previousEventId` follows the frame's own chain. */
  emit(frame: Frame | undefined, type: string, details?: object, previous?: number): number {
    const id = this.state.lastEventId + 1;
    this.state.lastEventId = id;
    const event: HistoryEvent = {
      id,
      previousEventId: previous ?? frame?.lastEventId ?? id - 1,
      timestamp: this.now,
      type,
    };
    if (details !== undefined) event[detailsKeyFor(type)] = details;
    if (frame) frame.lastEventId = id;
    this.history.push(event);
    return id;
  }

  command(command: Command): void {
    this.commands.push(command);
  }

  startTimer(purpose: TimerPurpose, fireAt: number, refs: { frameId?: string; taskId?: string }): string {
    const id = this.nextId("timer");
    const timer: PendingTimer = { purpose, fireAt, ...refs };
    this.state.timers[id] = timer;
    this.command({ kind: "startTimer", id, fireAt });
    return id;
  }

  cancelTimer(id: string | undefined): void {
    if (id === undefined || !this.state.timers[id]) return;
    delete this.state.timers[id];
    this.command({ kind: "cancelTimer", id });
  }

  // ---- definition access -------------------------------------------------------------------

  machine(frame: Frame): SubMachine {
    const node = getIn(this.state.definition, frame.machinePath);
    if (!isJsonObject(node))
      throw workflowError.corruptExecutionState(`No sub-machine at ${frame.machinePath.join("/")}`);
    return node as unknown as SubMachine;
  }

  stateDef(frame: Frame, name: string): StateDefinition {
    const def = this.machine(frame).States[name];
    if (!def)
      throw workflowError.corruptExecutionState(
        `No state '${name}' in ${frame.machinePath.join("/") || "the root"}`,
      );
    return def;
  }

  statePath(frame: Frame, name: string): (string | number)[] {
    return [...frame.machinePath, "States", name];
  }

  queryLanguage(def: StateDefinition): QueryLanguage {
    return def.QueryLanguage ?? (this.state.definition.QueryLanguage === "JSONata" ? "JSONata" : "JSONPath");
  }

  // ---- scope ---------------------------------------------------------------------------------

  /** The frames whose variables a frame sees: itself, then enclosing scopes up to an isolated frame. */
  private scopeChain(frame: Frame): Frame[] {
    const chain: Frame[] = [];
    for (let f: Frame | undefined = frame; f; ) {
      chain.push(f);
      if (f.isolated || !f.parent) break;
      f = this.state.frames[f.parent.frameId];
    }
    return chain;
  }

  readVariable(frame: Frame, name: string): Json | undefined {
    const owner = this.scopeChain(frame).find((f) => Object.hasOwn(f.variables, name));
    return owner?.variables[name];
  }

  /** Every variable visible from a frame, inner scopes last. */
  visibleVariables(frame: Frame): JsonObject {
    const chain = this.scopeChain(frame).reverse();
    return Object.assign({}, ...chain.map((f) => f.variables)) as JsonObject;
  }

  contextObject(frame: Frame, extras: ContextExtras = {}): JsonObject {
    const ctx = this.state.context;
    const active = frame.active;
    const execution: JsonObject = {
      Id: ctx.executionArn,
      Input: this.state.input,
      StartTime: ctx.startTime,
      Name: ctx.executionName,
      RoleArn: ctx.roleArn ?? "",
      RedriveCount: ctx.redriveCount ?? 0,
    };
    const out: JsonObject = {
      Execution: execution,
      StateMachine: { Id: ctx.stateMachineArn, Name: ctx.stateMachineName },
    };
    if (active) {
      const state: JsonObject = { Name: active.name, EnteredTime: active.enteredTime };
      // Only states that can retry carry RetryCount (as recorded from AWS).
      const type = this.stateDef(frame, active.name).Type;
      if (type === "Task" || type === "Parallel" || type === "Map") state.RetryCount = active.retryCount;
      out.State = state;
    }
    if (extras.taskToken !== undefined) out.Task = { Token: extras.taskToken };
    if (extras.mapItem) {
      const item: JsonObject = { Index: extras.mapItem.index, Value: extras.mapItem.value };
      if (extras.mapItem.key !== undefined) item.Key = extras.mapItem.key;
      out.Map = { Item: item };
    }
    return out;
  }

  // ---- flow ----------------------------------------------------------------------------------

  enqueue(frame: Frame, stateName: string, input: Json): void {
    this.queue.push({ frameId: frame.id, stateName, input });
  }

  async drain(): Promise<void> {
    while (this.running && this.queue.length > 0) {
      if (this.state.lastEventId >= this.maxHistoryEvents) {
        this.terminate("FAILED", {
          error: STATES_ERRORS.runtime,
          cause: `The execution reached the maximum number of history events (${this.maxHistoryEvents}).`,
        });
        return;
      }
      const item = this.queue.shift();
      const frame = item ? this.state.frames[item.frameId] : undefined;
      if (!item || !frame) continue;
      await this.enterState(frame, item.stateName, item.input);
    }
  }

  private async enterState(frame: Frame, name: string, input: Json): Promise<void> {
    const def = this.stateDef(frame, name);
    frame.active = {
      name,
      input,
      enteredEventId: 0,
      enteredTime: this.nowIso(),
      retryAttempts: (def.Retry ?? []).map(() => 0),
      retryCount: 0,
      phase: { kind: "idle" },
    };
    frame.active.enteredEventId = this.emit(frame, `${def.Type}StateEntered`, {
      name,
      input: toJsonText(input),
      inputDetails: DATA_DETAILS,
    });
    await this.guard(frame, () => runState(this, frame, def));
  }

  /** Runs `work` for the frame's active state; a StatesError it throws goes to Retry/Catch. */
  async guard(frame: Frame, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof StatesError) || !this.running || !this.state.frames[frame.id]?.active)
        throw error;
      await this.failState(frame, error.error, error.causeText);
    }
  }

  /**
   * The active state failed: abort its children, then Retry, then Catch, else fail the frame.
   * `aliases` are further names the error answers to in ErrorEquals (a heartbeat timeout is
   * reported as States.Timeout but also matches States.HeartbeatTimeout).
   */
  async failState(
    frame: Frame,
    error: string | undefined,
    cause: string | undefined,
    aliases: readonly string[] = [],
  ): Promise<void> {
    const active = frame.active;
    if (!active) return;
    const def = this.stateDef(frame, active.name);
    abortChildren(this, frame);
    let causeText = cause;
    if (
      error !== undefined &&
      isEvaluationError(error) &&
      causeText !== undefined &&
      !causeText.startsWith("An error occurred while")
    ) {
      causeText = `An error occurred while executing the state '${active.name}' (entered at the event id #${active.enteredEventId}). ${causeText}`;
    }
    if (error === STATES_ERRORS.queryEvaluationError) {
      this.emit(frame, "EvaluationFailed", { error, cause: causeText, state: active.name });
    }
    const name = error ?? "";
    this.env.inspect?.({ frameId: frame.id, state: active.name }, "error", {
      Error: name,
      Cause: causeText ?? "",
    });
    const retryIndex = findMatching(def.Retry, name, aliases);
    const retryEntry = retryIndex >= 0 ? def.Retry?.[retryIndex] : undefined;
    if (retryEntry !== undefined) {
      const retrier = toRetrier(retryEntry);
      const used = active.retryAttempts[retryIndex] ?? 0;
      if (used < retrier.maxAttempts) {
        active.retryAttempts[retryIndex] = used + 1;
        active.retryCount += 1;
        const fireAt = this.now + retryDelayMs(retrier, used + 1, () => this.env.random());
        active.phase = {
          kind: "retryDelay",
          timerId: this.startTimer("retry", fireAt, { frameId: frame.id }),
        };
        return;
      }
    }
    const catchIndex = findMatching(def.Catch, name, aliases);
    const catcher = catchIndex >= 0 ? def.Catch?.[catchIndex] : undefined;
    if (isJsonObject(catcher) && typeof catcher.Next === "string") {
      const errorOut: JsonObject = { Error: error ?? "", Cause: causeText ?? "" };
      let outcome: Outcome;
      try {
        outcome = await catchOutcome(this, frame, catcher, catchIndex, errorOut);
      } catch (failure) {
        if (!(failure instanceof StatesError)) throw failure;
        await this.finishFrame(frame, { ok: false, error: failure.error, cause: failure.causeText });
        return;
      }
      await this.exitState(frame, outcome, catcher.Next);
      return;
    }
    await this.finishFrame(frame, {
      ok: false,
      ...(error !== undefined && { error }),
      ...(causeText !== undefined && { cause: causeText }),
    });
  }

  /** Writes the Exited event, commits assigned variables and moves on (`next` undefined = End). */
  async exitState(frame: Frame, outcome: Outcome, next: string | undefined): Promise<void> {
    const active = frame.active;
    if (!active) return;
    const def = this.stateDef(frame, active.name);
    const output = toJsonText(outcome.output);
    if (this.overLimit(output)) {
      const cause = this.dataLimitCause(active.name);
      // Only a catcher naming States.DataLimitExceeded can take it; overflowing again is final.
      if (this.overflowed.has(frame.id))
        return this.finishFrame(frame, { ok: false, error: STATES_ERRORS.dataLimitExceeded, cause });
      this.overflowed.add(frame.id);
      return this.failState(frame, STATES_ERRORS.dataLimitExceeded, cause);
    }
    const details: Record<string, unknown> = {
      name: active.name,
      output,
      outputDetails: DATA_DETAILS,
    };
    if (outcome.assigned && Object.keys(outcome.assigned).length > 0) {
      details.assignedVariables = Object.fromEntries(
        Object.entries(outcome.assigned).map(([k, v]) => [k, toJsonText(v)]),
      );
      details.assignedVariablesDetails = DATA_DETAILS;
      Object.assign(frame.variables, outcome.assigned);
    }
    this.emit(frame, `${def.Type}StateExited`, details);
    delete frame.active;
    if (next !== undefined) this.enqueue(frame, next, outcome.output);
    else await this.finishFrame(frame, { ok: true, output: outcome.output });
  }

  /** A frame reached an end or failed: finish the execution or report to the parent state. */
  async finishFrame(frame: Frame, result: FrameResult): Promise<void> {
    delete frame.active;
    if (!frame.parent) {
      if (result.ok) this.terminate("SUCCEEDED", { output: result.output });
      else this.terminate("FAILED", result);
      return;
    }
    const parent = this.state.frames[frame.parent.frameId];
    delete this.state.frames[frame.id];
    if (!parent) return;
    await onChildFinished(this, parent, frame, result);
  }

  /** Cancels a frame and everything it started, without events. */
  dropFrame(frameId: string): void {
    const frame = this.state.frames[frameId];
    if (!frame) return;
    abortChildren(this, frame);
    for (const [taskId, task] of Object.entries(this.state.tasks)) {
      if (task.frameId !== frameId) continue;
      this.cancelTimer(task.timeoutTimerId);
      this.cancelTimer(task.heartbeatTimerId);
      delete this.state.tasks[taskId];
      this.command({ kind: "cancelTask", id: taskId });
    }
    for (const [timerId, timer] of Object.entries(this.state.timers)) {
      if (timer.frameId === frameId) this.cancelTimer(timerId);
    }
    delete this.state.frames[frameId];
  }

  /** Ends the execution: cancels outstanding work and writes the final event. */
  terminate(
    status: Exclude<ExecutionStatus, "RUNNING">,
    fields: { output?: Json; error?: string | undefined; cause?: string | undefined },
  ): void {
    for (const id of Object.keys(this.state.tasks)) this.command({ kind: "cancelTask", id });
    for (const id of Object.keys(this.state.timers)) this.command({ kind: "cancelTimer", id });
    const root = this.state.frames.root;
    this.state.tasks = {};
    this.state.timers = {};
    this.state.frames = {};
    this.queue.length = 0;
    this.state.status = status;
    const complete: Command = { kind: "complete", status };
    if (status === "SUCCEEDED") {
      const output = fields.output ?? null;
      this.state.output = output;
      complete.output = output;
      this.emit(
        undefined,
        "ExecutionSucceeded",
        { output: toJsonText(output), outputDetails: DATA_DETAILS },
        root?.lastEventId,
      );
    } else {
      const details: { error?: string; cause?: string } = {};
      if (fields.error !== undefined) details.error = this.state.error = complete.error = fields.error;
      if (fields.cause !== undefined) details.cause = this.state.cause = complete.cause = fields.cause;
      const type = { FAILED: "ExecutionFailed", TIMED_OUT: "ExecutionTimedOut", ABORTED: "ExecutionAborted" }[
        status
      ];
      this.emit(undefined, type, details, root?.lastEventId);
    }
    this.command(complete);
  }
}
