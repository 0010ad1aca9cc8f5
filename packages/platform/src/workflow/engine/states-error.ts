/** The predefined error names of the Amazon States Language. */
export const STATES_ERRORS = {
  all: "States.ALL",
  heartbeatTimeout: "States.HeartbeatTimeout",
  timeout: "States.Timeout",
  taskFailed: "States.TaskFailed",
  permissions: "States.Permissions",
  resultPathMatchFailure: "States.ResultPathMatchFailure",
  parameterPathFailure: "States.ParameterPathFailure",
  queryEvaluationError: "States.QueryEvaluationError",
  branchFailed: "States.BranchFailed",
  noChoiceMatched: "States.NoChoiceMatched",
  intrinsicFailure: "States.IntrinsicFailure",
  exceedToleratedFailureThreshold: "States.ExceedToleratedFailureThreshold",
  itemReaderFailed: "States.ItemReaderFailed",
  resultWriterFailed: "States.ResultWriterFailed",
  dataLimitExceeded: "States.DataLimitExceeded",
  runtime: "States.Runtime",
} as const;

/**
 * A failure in States Language terms: an error name matched by `ErrorEquals` and a cause
 * string. Thrown inside the engine while evaluating a state and turned into history events,
 * retries, catches or an execution failure; never escapes the engine's public functions.
 */
export class StatesError extends Error {
  readonly error: string;
  readonly causeText: string;

  constructor(error: string, cause: string) {
    super(`${error}: ${cause}`);
    this.name = "StatesError";
    this.error = error;
    this.causeText = cause;
  }
}

/** States.Runtime: never retried or caught; fails the execution. */
export function runtimeError(cause: string): StatesError {
  return new StatesError(STATES_ERRORS.runtime, cause);
}

/** States.IntrinsicFailure: an intrinsic function rejected its arguments. */
export function intrinsicFailure(cause: string): StatesError {
  return new StatesError(STATES_ERRORS.intrinsicFailure, cause);
}

/** States.QueryEvaluationError: a JSONata expression failed or returned nothing. */
export function queryEvaluationError(cause: string): StatesError {
  return new StatesError(STATES_ERRORS.queryEvaluationError, cause);
}

/**
 * Errors the engine raises while evaluating a state's own fields. AWS prefixes their cause with
 * the state name and the id of its entered event.
 */
export function isEvaluationError(error: string): boolean {
  return (
    error === STATES_ERRORS.runtime ||
    error === STATES_ERRORS.intrinsicFailure ||
    error === STATES_ERRORS.queryEvaluationError
  );
}
