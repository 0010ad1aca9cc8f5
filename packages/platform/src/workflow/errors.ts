import { PlatformError } from "../core/errors.js";

/** Error codes of the workflow area, each with the AWS exception it surfaces as. */
export const WORKFLOW_ERRORS = {
  invalidDefinition: "ERR_WORKFLOW_INVALID_DEFINITION",
  invalidExecutionInput: "ERR_WORKFLOW_INVALID_EXECUTION_INPUT",
  corruptExecutionState: "ERR_WORKFLOW_CORRUPT_EXECUTION_STATE",
} as const;

export const workflowError = {
  /** The definition failed validation; the message lists every ERROR diagnostic as AWS does. */
  invalidDefinition: (message: string) =>
    new PlatformError({
      code: WORKFLOW_ERRORS.invalidDefinition,
      message,
      status: 400,
      awsName: "InvalidDefinition",
    }),
  invalidExecutionInput: (message: string) =>
    new PlatformError({
      code: WORKFLOW_ERRORS.invalidExecutionInput,
      message,
      status: 400,
      awsName: "InvalidExecutionInput",
    }),
  /** A persisted execution state that the engine cannot interpret: a bug or a damaged store. */
  corruptExecutionState: (message: string) =>
    new PlatformError({ code: WORKFLOW_ERRORS.corruptExecutionState, message, kind: "system" }),
};
