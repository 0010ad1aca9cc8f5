import { PlatformError } from "../core/errors.js";

/**
 * Error codes of the stack engine and the CloudFormation API (docs/errors.md, "Stacks (engine
 * and CloudFormation API)"). `awsName` is the awsQuery error code CloudFormation answers with
 * (`ValidationError`, `AlreadyExistsException`, `ChangeSetNotFound`, ...), which the SDKs map
 * to the modeled exceptions.
 */
export const STACK_ENGINE_ERRORS = {
  validation: "ERR_STACK_VALIDATION",
  notFound: "ERR_STACK_NOT_FOUND",
  alreadyExists: "ERR_STACK_ALREADY_EXISTS",
  changeSetNotFound: "ERR_STACK_CHANGE_SET_NOT_FOUND",
  invalidChangeSetStatus: "ERR_STACK_CHANGE_SET_STATUS",
  capabilities: "ERR_STACK_CAPABILITIES",
  strict: "ERR_STACK_STRICT",
  noUpdates: "ERR_STACK_NO_UPDATES",
  notUpdatable: "ERR_STACK_NOT_UPDATABLE",
  templateUrl: "ERR_STACK_TEMPLATE_URL",
  unsupportedOperation: "ERR_STACK_UNSUPPORTED_OPERATION",
} as const;

function error(code: string, awsName: string, message: string, status = 400): PlatformError {
  return new PlatformError({ code, awsName, message, status });
}

/** Constructors for CloudFormation's errors, with AWS's message texts. */
export const stackError = {
  validation: (message: string, code: string = STACK_ENGINE_ERRORS.validation) =>
    error(code, "ValidationError", message),
  /** `Stack with id X does not exist` (ValidationError, as AWS answers). */
  notFound: (nameOrId: string) =>
    error(STACK_ENGINE_ERRORS.notFound, "ValidationError", `Stack with id ${nameOrId} does not exist`),
  alreadyExists: (name: string) =>
    error(STACK_ENGINE_ERRORS.alreadyExists, "AlreadyExistsException", `Stack [${name}] already exists`),
  changeSetAlreadyExists: (name: string) =>
    error(STACK_ENGINE_ERRORS.alreadyExists, "AlreadyExistsException", `ChangeSet ${name} already exists`),
  changeSetNotFound: (name: string) =>
    error(
      STACK_ENGINE_ERRORS.changeSetNotFound,
      "ChangeSetNotFound",
      `ChangeSet [${name}] does not exist`,
      404,
    ),
  invalidChangeSetStatus: (message: string) =>
    error(STACK_ENGINE_ERRORS.invalidChangeSetStatus, "InvalidChangeSetStatus", message),
  /** `Requires capabilities : [CAPABILITY_IAM]` (InsufficientCapabilitiesException). */
  capabilities: (capability: string) =>
    error(
      STACK_ENGINE_ERRORS.capabilities,
      "InsufficientCapabilitiesException",
      `Requires capabilities : [${capability}]`,
    ),
  strict: (message: string) => error(STACK_ENGINE_ERRORS.strict, "ValidationError", message),
  noUpdates: () => error(STACK_ENGINE_ERRORS.noUpdates, "ValidationError", "No updates are to be performed."),
  /** `Stack:<arn> is in <STATUS> state and can not be updated.` */
  notUpdatable: (stackId: string, status: string, verb = "updated") =>
    error(
      STACK_ENGINE_ERRORS.notUpdatable,
      "ValidationError",
      `Stack:${stackId} is in ${status} state and can not be ${verb}.`,
    ),
  templateUrl: (message: string) => error(STACK_ENGINE_ERRORS.templateUrl, "ValidationError", message),
  unsupportedOperation: (message: string) =>
    error(STACK_ENGINE_ERRORS.unsupportedOperation, "ValidationError", message),
};
