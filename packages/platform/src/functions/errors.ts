import { PlatformError } from "../core/errors.js";

/** Error codes of the functions area, each with the AWS exception it surfaces as. */
export const FUNCTIONS_ERRORS = {
  notFound: "ERR_FUNCTIONS_NOT_FOUND",
  conflict: "ERR_FUNCTIONS_CONFLICT",
  invalidParameter: "ERR_FUNCTIONS_INVALID_PARAMETER",
  preconditionFailed: "ERR_FUNCTIONS_PRECONDITION_FAILED",
  invalidRequestContent: "ERR_FUNCTIONS_INVALID_REQUEST_CONTENT",
  requestTooLarge: "ERR_FUNCTIONS_REQUEST_TOO_LARGE",
  unsupported: "ERR_FUNCTIONS_UNSUPPORTED",
  provisionedNotFound: "ERR_FUNCTIONS_PROVISIONED_NOT_FOUND",
} as const;

export const functionsError = {
  notFound: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.notFound,
      message,
      status: 404,
      awsName: "ResourceNotFoundException",
    }),
  conflict: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.conflict,
      message,
      status: 409,
      awsName: "ResourceConflictException",
    }),
  invalid: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.invalidParameter,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
  precondition: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.preconditionFailed,
      message,
      status: 412,
      awsName: "PreconditionFailedException",
    }),
  invalidContent: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.invalidRequestContent,
      message,
      status: 400,
      awsName: "InvalidRequestContentException",
    }),
  tooLarge: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.requestTooLarge,
      message,
      status: 413,
      awsName: "RequestTooLargeException",
    }),
  provisionedNotFound: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.provisionedNotFound,
      message,
      status: 404,
      awsName: "ProvisionedConcurrencyConfigNotFoundException",
    }),
  /** A parameter AWS accepts but Nimbus cannot apply: refused by name, never ignored. */
  unsupported: (message: string) =>
    new PlatformError({
      code: FUNCTIONS_ERRORS.unsupported,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
};
