import { PlatformError } from "../core/errors.js";

/** Error codes of the observe area (logs API, log sink). */
export const OBSERVE_ERRORS = {
  notFound: "ERR_LOGS_NOT_FOUND",
  alreadyExists: "ERR_LOGS_ALREADY_EXISTS",
  invalidParameter: "ERR_LOGS_INVALID_PARAMETER",
  sinkWriteFailed: "ERR_LOGS_SINK_WRITE_FAILED",
} as const;

/** The CloudWatch Logs exceptions, with AWS's messages (all HTTP 400 on awsJson1_1). */
export const logsError = {
  groupNotFound: () => notFound("The specified log group does not exist."),
  streamNotFound: () => notFound("The specified log stream does not exist."),
  groupExists: () => alreadyExists("The specified log group already exists"),
  streamExists: () => alreadyExists("The specified log stream already exists"),
  invalidParameter: (message: string) =>
    new PlatformError({
      code: OBSERVE_ERRORS.invalidParameter,
      message,
      status: 400,
      awsName: "InvalidParameterException",
    }),
  invalidToken: () => logsError.invalidParameter("The specified nextToken is invalid."),
};

function notFound(message: string): PlatformError {
  return new PlatformError({
    code: OBSERVE_ERRORS.notFound,
    message,
    status: 400,
    awsName: "ResourceNotFoundException",
  });
}

function alreadyExists(message: string): PlatformError {
  return new PlatformError({
    code: OBSERVE_ERRORS.alreadyExists,
    message,
    status: 400,
    awsName: "ResourceAlreadyExistsException",
  });
}
