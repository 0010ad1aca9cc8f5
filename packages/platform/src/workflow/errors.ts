import { PlatformError } from "../core/errors.js";

/** Error codes of the workflow area, each with the AWS exception it surfaces as. */
export const WORKFLOW_ERRORS = {
  invalidDefinition: "ERR_WORKFLOW_INVALID_DEFINITION",
  invalidExecutionInput: "ERR_WORKFLOW_INVALID_EXECUTION_INPUT",
  corruptExecutionState: "ERR_WORKFLOW_CORRUPT_EXECUTION_STATE",
  invalidArn: "ERR_WORKFLOW_INVALID_ARN",
  invalidName: "ERR_WORKFLOW_INVALID_NAME",
  invalidOutput: "ERR_WORKFLOW_INVALID_OUTPUT",
  invalidToken: "ERR_WORKFLOW_INVALID_TOKEN",
  missingParameter: "ERR_WORKFLOW_MISSING_PARAMETER",
  stateMachineNotFound: "ERR_WORKFLOW_STATE_MACHINE_NOT_FOUND",
  stateMachineExists: "ERR_WORKFLOW_STATE_MACHINE_EXISTS",
  stateMachineTypeNotSupported: "ERR_WORKFLOW_TYPE_NOT_SUPPORTED",
  executionNotFound: "ERR_WORKFLOW_EXECUTION_NOT_FOUND",
  executionExists: "ERR_WORKFLOW_EXECUTION_EXISTS",
  taskNotFound: "ERR_WORKFLOW_TASK_NOT_FOUND",
  shuttingDown: "ERR_WORKFLOW_SHUTTING_DOWN",
  resourceNotFound: "ERR_WORKFLOW_RESOURCE_NOT_FOUND",
  validation: "ERR_WORKFLOW_VALIDATION",
  conflict: "ERR_WORKFLOW_CONFLICT",
  quotaExceeded: "ERR_WORKFLOW_QUOTA_EXCEEDED",
  invalidLoggingConfiguration: "ERR_WORKFLOW_INVALID_LOGGING_CONFIGURATION",
  tooManyTags: "ERR_WORKFLOW_TOO_MANY_TAGS",
} as const;

function userError(code: string, awsName: string, message: string, status = 400): PlatformError {
  return new PlatformError({ code, message, status, awsName });
}

export const workflowError = {
  /** The definition failed validation; the message lists every ERROR diagnostic as AWS does. */
  invalidDefinition: (message: string) =>
    userError(WORKFLOW_ERRORS.invalidDefinition, "InvalidDefinition", message),
  invalidExecutionInput: (message: string) =>
    userError(WORKFLOW_ERRORS.invalidExecutionInput, "InvalidExecutionInput", message),
  /** A persisted execution state that the engine cannot interpret: a bug or a damaged store. */
  corruptExecutionState: (message: string) =>
    new PlatformError({ code: WORKFLOW_ERRORS.corruptExecutionState, message, kind: "system" }),
  invalidArn: (message: string) => userError(WORKFLOW_ERRORS.invalidArn, "InvalidArn", message),
  invalidName: (message: string) => userError(WORKFLOW_ERRORS.invalidName, "InvalidName", message),
  invalidOutput: (message: string) => userError(WORKFLOW_ERRORS.invalidOutput, "InvalidOutput", message),
  invalidToken: (message: string) => userError(WORKFLOW_ERRORS.invalidToken, "InvalidToken", message),
  missingParameter: (message: string) =>
    userError(WORKFLOW_ERRORS.missingParameter, "MissingRequiredParameter", message),
  stateMachineNotFound: (arn: string) =>
    userError(
      WORKFLOW_ERRORS.stateMachineNotFound,
      "StateMachineDoesNotExist",
      `State Machine Does Not Exist: '${arn}'`,
    ),
  stateMachineExists: (arn: string) =>
    userError(
      WORKFLOW_ERRORS.stateMachineExists,
      "StateMachineAlreadyExists",
      `State Machine Already Exists: '${arn}'`,
    ),
  stateMachineTypeNotSupported: (message: string) =>
    userError(WORKFLOW_ERRORS.stateMachineTypeNotSupported, "StateMachineTypeNotSupported", message),
  executionNotFound: (arn: string) =>
    userError(
      WORKFLOW_ERRORS.executionNotFound,
      "ExecutionDoesNotExist",
      `Execution Does Not Exist: '${arn}'`,
    ),
  executionExists: (arn: string) =>
    userError(
      WORKFLOW_ERRORS.executionExists,
      "ExecutionAlreadyExists",
      `Execution Already Exists: '${arn}'`,
    ),
  /** The token names no waiting task: never issued, or its task already finished or timed out. */
  taskNotFound: () =>
    userError(WORKFLOW_ERRORS.taskNotFound, "TaskDoesNotExist", "Task Timed Out or Does Not Exist"),
  /** A version or alias that does not exist (`resourceName` names it, as on AWS). */
  resourceNotFound: (arn: string) =>
    new PlatformError({
      code: WORKFLOW_ERRORS.resourceNotFound,
      message: `Resource not found: '${arn}'`,
      status: 400,
      awsName: "ResourceNotFound",
      details: { resourceName: arn },
    }),
  /** A request that breaks a rule of versions, aliases or TestState (`reason` as AWS sends it). */
  validation: (
    message: string,
    reason?:
      | "MISSING_REQUIRED_PARAMETER"
      | "INVALID_ROUTING_CONFIGURATION"
      | "API_DOES_NOT_SUPPORT_LABELED_ARNS",
  ) =>
    new PlatformError({
      code: WORKFLOW_ERRORS.validation,
      message,
      status: 400,
      awsName: "ValidationException",
      ...(reason !== undefined && { details: { reason } }),
    }),
  /**
   * More than 50 tags on one resource (`resourceName` names it, as on AWS). AWS's message text is
   * not documented; this one says what the limit is.
   */
  tooManyTags: (arn: string) =>
    new PlatformError({
      code: WORKFLOW_ERRORS.tooManyTags,
      message: `Too many tags: '${arn}' can have at most 50 tags`,
      status: 400,
      awsName: "TooManyTags",
      details: { resourceName: arn },
    }),
  conflict: (message: string) => userError(WORKFLOW_ERRORS.conflict, "ConflictException", message),
  quotaExceeded: (message: string) =>
    userError(WORKFLOW_ERRORS.quotaExceeded, "ServiceQuotaExceededException", message),
  invalidLoggingConfiguration: (message: string) =>
    userError(WORKFLOW_ERRORS.invalidLoggingConfiguration, "InvalidLoggingConfiguration", message),
  shuttingDown: () =>
    new PlatformError({
      code: WORKFLOW_ERRORS.shuttingDown,
      message: "The workflow service is shutting down.",
      status: 503,
      kind: "system",
      awsName: "ServiceUnavailable",
    }),
};
