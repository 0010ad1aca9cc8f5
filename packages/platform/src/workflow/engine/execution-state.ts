import type { HistoryEvent } from "./history.js";
import type { Json, JsonObject } from "./json.js";

/**
 * The engine's data model. `ExecutionState` is plain JSON: a runner may persist it after every
 * step and resume from it after a crash. Nothing here holds functions, dates or class instances.
 */

/** Injected sources of time and randomness; the only way the engine observes the world. */
export interface EngineEnv {
  /** Epoch milliseconds. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /** A random v4 UUID string. */
  uuid(): string;
  /** Quotas; AWS's defaults (25,000 events, 262,144 bytes) when absent. */
  limits?: EngineLimits;
  /**
   * Told each intermediate value of the data pipeline (TestState's inspection data) and each
   * state error before Retry/Catch. Observation only: it cannot change the execution.
   */
  inspect?: (where: { frameId: string; state: string }, stage: InspectionStage, value: Json) => void;
}

export type InspectionStage =
  | "afterInputPath"
  | "afterParameters"
  | "afterArguments"
  | "result"
  | "afterResultSelector"
  | "afterResultPath"
  | "error";

export interface EngineLimits {
  /** The execution fails with States.Runtime once its history holds this many events. */
  maxHistoryEvents?: number;
  /** State inputs after Parameters, state outputs and task results above this fail with States.DataLimitExceeded. */
  maxPayloadBytes?: number;
}

/** Who and what is executing, as the context object (`$$`) exposes it. */
export interface ExecutionContextInput {
  executionArn: string;
  executionName: string;
  stateMachineArn: string;
  stateMachineName: string;
  /** ISO 8601 UTC with milliseconds. */
  startTime: string;
  roleArn?: string;
  redriveCount?: number;
  /** Set when the execution was started through a version or alias ARN (ExecutionStarted). */
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  /** Region written into TaskScheduled events; defaults to the state machine ARN's region. */
  region?: string;
}

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** One state being executed inside a frame. */
export interface ActiveState {
  name: string;
  /** The raw state input. */
  input: Json;
  enteredEventId: number;
  /** ISO time the state was entered (`$$.State.EnteredTime`). */
  enteredTime: string;
  /** Attempts used per retrier, by index into the state's Retry list. */
  retryAttempts: number[];
  /** Total retries in this visit (`$$.State.RetryCount`). */
  retryCount: number;
  phase: Phase;
}

export type Phase =
  | { kind: "idle" }
  | { kind: "task"; taskId: string }
  | { kind: "retryDelay"; timerId: string }
  | { kind: "wait"; timerId: string; effectiveInput: Json }
  | {
      kind: "parallel";
      /** Frame id per branch while it runs, null once it finished. */
      branches: (string | null)[];
      results: Json[];
      remaining: number;
    }
  | MapPhase;

export interface MapPhase {
  kind: "map";
  /** The input from which ItemSelector builds each iteration's input. */
  effectiveInput: Json;
  items: Json[];
  /** Object keys when iterating an object's members, else null. */
  keys: string[] | null;
  /** Index of the next item to start. */
  next: number;
  /** Running iterations: item index -> frame id. */
  running: Record<string, string>;
  results: Json[];
  succeeded: number;
  failed: number;
  /** 0 = unlimited. */
  maxConcurrency: number;
  toleratedFailureCount: number | null;
  toleratedFailurePercentage: number | null;
}

/** A sub-machine being executed: the root, one Parallel branch, or one Map iteration. */
export interface Frame {
  id: string;
  parent?: { frameId: string; index: number };
  /** Location of the `{StartAt, States}` object inside the definition. */
  machinePath: (string | number)[];
  /** Variables declared in this scope. Outer scopes are read through `parent`. */
  variables: JsonObject;
  /** A Distributed Map iteration: like AWS's child executions it sees no outer variables. */
  isolated?: boolean;
  /** Last history event of this frame, for `previousEventId`. */
  lastEventId: number;
  active?: ActiveState;
}

export interface PendingTask {
  frameId: string;
  stateName: string;
  resource: string;
  taskToken?: string;
  /** Whether the Started event has been written (activities start when a worker polls). */
  started: boolean;
  timeoutTimerId?: string;
  heartbeatTimerId?: string;
  heartbeatSeconds?: number;
}

export type TimerPurpose = "wait" | "retry" | "taskTimeout" | "heartbeat" | "executionTimeout";

export interface PendingTimer {
  purpose: TimerPurpose;
  fireAt: number;
  frameId?: string;
  taskId?: string;
}

export interface ExecutionState {
  formatVersion: 1;
  definition: JsonObject;
  context: ExecutionContextInput;
  input: Json;
  status: ExecutionStatus;
  output?: Json;
  error?: string;
  cause?: string;
  lastEventId: number;
  /** Counter for deterministic frame, task and timer ids. */
  seq: number;
  frames: Record<string, Frame>;
  tasks: Record<string, PendingTask>;
  timers: Record<string, PendingTimer>;
}

/** What the runner must do after a step. */
export type Command =
  | {
      kind: "runTask";
      id: string;
      stateName: string;
      resource: string;
      /** The effective input: Parameters / Arguments after evaluation. */
      parameters: Json;
      taskToken?: string;
      timeoutSeconds?: number;
      heartbeatSeconds?: number;
      credentials?: Json;
    }
  | { kind: "cancelTask"; id: string }
  | { kind: "startTimer"; id: string; fireAt: number }
  | { kind: "cancelTimer"; id: string }
  | {
      kind: "complete";
      status: Exclude<ExecutionStatus, "RUNNING">;
      output?: Json;
      error?: string;
      cause?: string;
    };

/** What happened outside the engine. Events for unknown or finished tasks and timers are ignored. */
export type EngineEvent =
  | { kind: "taskStarted"; id: string; workerName?: string }
  | { kind: "taskSubmitted"; id: string; output: Json }
  | { kind: "taskHeartbeat"; id: string }
  | { kind: "taskSucceeded"; id: string; output: Json }
  | { kind: "taskFailed"; id: string; error?: string; cause?: string }
  | { kind: "timerFired"; id: string }
  | { kind: "stop"; error?: string; cause?: string };

export interface Step {
  state: ExecutionState;
  commands: Command[];
  history: HistoryEvent[];
}
