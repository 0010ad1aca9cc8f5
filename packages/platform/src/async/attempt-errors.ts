import type { InvokeResult } from "../invoke/index.js";
import type { AttemptError } from "./event-types.js";

/** A function error as the records and the DLQ report it (status 200, the runtime's errorMessage). */
export function attemptError(result: InvokeResult): AttemptError {
  const text = result.payload.toString("utf8");
  let errorMessage = text;
  try {
    const parsed = JSON.parse(text) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") errorMessage = parsed.errorMessage;
  } catch {
    // Not JSON: the whole payload is the message.
  }
  return {
    statusCode: 200,
    executedVersion: result.executedVersion,
    functionError: result.functionError,
    errorType: result.errorType ?? "Unhandled",
    errorMessage,
    responsePayload: text,
  };
}

/** A throttle (429): the attempt never ran. */
export function throttledError(): AttemptError {
  return {
    statusCode: 429,
    executedVersion: undefined,
    functionError: undefined,
    errorType: "TooManyRequestsException",
    errorMessage: "Rate Exceeded.",
    responsePayload: undefined,
  };
}

/** The function (or its qualifier) no longer exists. */
export function notFoundError(error: Error): AttemptError {
  return {
    statusCode: 404,
    executedVersion: undefined,
    functionError: undefined,
    errorType: "ResourceNotFoundException",
    errorMessage: error.message,
    responsePayload: undefined,
  };
}
