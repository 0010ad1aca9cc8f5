/**
 * Execution history events with Step Functions' event types and `...EventDetails` members, as
 * GetExecutionHistory returns them. Inputs, outputs and parameters are JSON text. `timestamp` is
 * epoch milliseconds here; the API edge writes it as epoch seconds.
 */
export interface DataDetails {
  truncated: boolean;
}

export interface HistoryEvent {
  [details: `${string}EventDetails`]: object | undefined;
  id: number;
  previousEventId: number;
  /** Epoch milliseconds. */
  timestamp: number;
  type: string;
}

export interface ExecutionStartedEventDetails {
  input: string;
  inputDetails: DataDetails;
  roleArn?: string;
}

export interface StateEnteredEventDetails {
  name: string;
  input: string;
  inputDetails: DataDetails;
}

export interface StateExitedEventDetails {
  name: string;
  output: string;
  outputDetails: DataDetails;
  assignedVariables?: Record<string, string>;
  assignedVariablesDetails?: DataDetails;
}

export interface ErrorEventDetails {
  error?: string;
  cause?: string;
}

export interface TaskScheduledEventDetails {
  resourceType: string;
  resource: string;
  region: string;
  parameters: string;
  timeoutInSeconds?: number;
  heartbeatInSeconds?: number;
  taskCredentials?: { roleArn: string };
}

/** Event types whose details member is `stateEnteredEventDetails` / `stateExitedEventDetails`. */
const STATE_EVENT = /^(Pass|Task|Choice|Wait|Succeed|Fail|Parallel|Map)State(Entered|Exited)$/;
const STATE_DETAILS: ReadonlyMap<string, `${string}EventDetails`> = new Map(
  ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"].flatMap((t) => [
    [`${t}StateEntered`, "stateEnteredEventDetails"] as const,
    [`${t}StateExited`, "stateExitedEventDetails"] as const,
  ]),
);

/**
 * The details member name of an event type, following the API model: `TaskScheduled` ->
 * `taskScheduledEventDetails`, `PassStateEntered` -> `stateEnteredEventDetails`.
 */
export function detailsKeyFor(type: string): `${string}EventDetails` {
  // Hot path: two of every three events are state entries and exits.
  const known = STATE_DETAILS.get(type);
  if (known !== undefined) return known;
  const state = STATE_EVENT.exec(type);
  if (state) return state[2] === "Entered" ? "stateEnteredEventDetails" : "stateExitedEventDetails";
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}
