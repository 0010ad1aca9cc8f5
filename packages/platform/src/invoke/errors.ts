import { PlatformError } from "../core/errors.js";

export const INVOKE_ERRORS = {
  throttled: "ERR_INVOKE_THROTTLED",
  shuttingDown: "ERR_INVOKE_SHUTTING_DOWN",
} as const;

export const invokeError = {
  accountThrottled: () =>
    new PlatformError({
      code: INVOKE_ERRORS.throttled,
      message: "Rate Exceeded.",
      status: 429,
      awsName: "TooManyRequestsException",
      details: { Reason: "ConcurrentInvocationLimitExceeded", retryAfterSeconds: 1 },
    }),
  functionThrottled: () =>
    new PlatformError({
      code: INVOKE_ERRORS.throttled,
      message: "Rate Exceeded.",
      status: 429,
      awsName: "TooManyRequestsException",
      details: { Reason: "ReservedFunctionConcurrentInvocationLimitExceeded", retryAfterSeconds: 1 },
    }),
  shuttingDown: () =>
    new PlatformError({
      code: INVOKE_ERRORS.shuttingDown,
      message: "Nimbus is shutting down and accepts no new invocations.",
      kind: "system",
      status: 503,
      awsName: "ServiceException",
    }),
};
