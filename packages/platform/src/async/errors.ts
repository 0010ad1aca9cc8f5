import { PlatformError } from "../core/errors.js";

/** Error codes of asynchronous invocation, each with the AWS exception it surfaces as. */
export const ASYNC_ERRORS = {
  configNotFound: "ERR_ASYNC_CONFIG_NOT_FOUND",
  invalidParameter: "ERR_ASYNC_INVALID_PARAMETER",
  payloadTooLarge: "ERR_ASYNC_PAYLOAD_TOO_LARGE",
  failureNotFound: "ERR_ASYNC_FAILURE_NOT_FOUND",
  invalidRequest: "ERR_ASYNC_INVALID_REQUEST",
} as const;

export const asyncError = {
  configNotFound: (functionArn: string) =>
    new PlatformError({
      code: ASYNC_ERRORS.configNotFound,
      message: `The function ${functionArn} doesn't have an EventInvokeConfig`,
      status: 404,
      awsName: "ResourceNotFoundException",
    }),
  invalid: (message: string) =>
    new PlatformError({
      code: ASYNC_ERRORS.invalidParameter,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
  payloadTooLarge: (limitBytes: number, operation: string) =>
    new PlatformError({
      code: ASYNC_ERRORS.payloadTooLarge,
      message: `Request must be smaller than ${limitBytes} bytes for the ${operation} operation`,
      status: 413,
      awsName: "RequestTooLargeException",
    }),
  failureNotFound: (id: string) =>
    new PlatformError({
      code: ASYNC_ERRORS.failureNotFound,
      message: `No failed asynchronous event with id ${id}.`,
      status: 404,
      awsName: "ResourceNotFoundException",
    }),
  invalidRequest: (message: string) =>
    new PlatformError({
      code: ASYNC_ERRORS.invalidRequest,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
};
