export type {
  CatcherDefinition,
  QueryLanguage,
  StateDefinition,
  StateMachineDefinition,
  StateType,
  SubMachine,
} from "./definition.js";
export { DIAGNOSTIC_CODES, type Diagnostic } from "./diagnostics.js";
export type {
  ActiveState,
  Command,
  EngineEnv,
  EngineEvent,
  EngineLimits,
  ExecutionContextInput,
  ExecutionState,
  ExecutionStatus,
  Frame,
  InspectionStage,
  PendingTask,
  PendingTimer,
  Phase,
  Step,
} from "./execution-state.js";
export {
  type DataDetails,
  detailsKeyFor,
  type ErrorEventDetails,
  type ExecutionStartedEventDetails,
  type HistoryEvent,
  type StateEnteredEventDetails,
  type StateExitedEventDetails,
  type TaskScheduledEventDetails,
} from "./history.js";
export { resume, type StartOptions, startExecution, taskIdForToken } from "./interpreter.js";
export { isJsonObject, type Json, type JsonObject } from "./json.js";
export { parseResource, type TaskResource } from "./resource.js";
export {
  type CompletedExecution,
  deterministicSources,
  type RunTaskCommand,
  type RunToCompletionOptions,
  runToCompletion,
  type TaskHandler,
  type TaskOutcome,
} from "./run-to-completion.js";
export { STATES_ERRORS } from "./states-error.js";
export { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from "./step-run.js";
export { type ValidateOptions, validateDefinition } from "./validate.js";
