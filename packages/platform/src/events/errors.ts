import { PlatformError } from "../core/errors.js";

/** Error codes of event buses, rules and schedules (EventBridge and EventBridge Scheduler). */
export const EVENTS_ERRORS = {
  notFound: "ERR_EVENTS_NOT_FOUND",
  alreadyExists: "ERR_EVENTS_ALREADY_EXISTS",
  validation: "ERR_EVENTS_VALIDATION",
  invalidPattern: "ERR_EVENTS_INVALID_PATTERN",
  unsupported: "ERR_EVENTS_UNSUPPORTED",
  limitExceeded: "ERR_EVENTS_LIMIT_EXCEEDED",
  scheduleNotFound: "ERR_EVENTS_SCHEDULE_NOT_FOUND",
  scheduleConflict: "ERR_EVENTS_SCHEDULE_CONFLICT",
  scheduleValidation: "ERR_EVENTS_SCHEDULE_VALIDATION",
} as const;

function error(code: string, awsName: string, message: string, status = 400): PlatformError {
  return new PlatformError({ code, awsName, message, status });
}

/** Errors of the EventBridge API (awsJson1_1: every client error is a 400). */
export const eventsError = {
  notFound: (message: string) => error(EVENTS_ERRORS.notFound, "ResourceNotFoundException", message),
  alreadyExists: (message: string) =>
    error(EVENTS_ERRORS.alreadyExists, "ResourceAlreadyExistsException", message),
  validation: (message: string) => error(EVENTS_ERRORS.validation, "ValidationException", message),
  invalidPattern: (reason: string) =>
    error(
      EVENTS_ERRORS.invalidPattern,
      "InvalidEventPatternException",
      `Event pattern is not valid. Reason: ${reason}`,
    ),
  /** Something EventBridge offers that Nimbus does not (API destinations, archives, ...), named. */
  unsupported: (what: string) =>
    error(EVENTS_ERRORS.unsupported, "ValidationException", `${what} is not supported by Nimbus.`),
  limitExceeded: (message: string) => error(EVENTS_ERRORS.limitExceeded, "LimitExceededException", message),
};

/** Errors of the EventBridge Scheduler API (restJson1). */
export const schedulerError = {
  notFound: (message: string) =>
    error(EVENTS_ERRORS.scheduleNotFound, "ResourceNotFoundException", message, 404),
  conflict: (message: string) => error(EVENTS_ERRORS.scheduleConflict, "ConflictException", message, 409),
  validation: (message: string) => error(EVENTS_ERRORS.scheduleValidation, "ValidationException", message),
  unsupported: (what: string) =>
    error(EVENTS_ERRORS.scheduleValidation, "ValidationException", `${what} is not supported by Nimbus.`),
};
