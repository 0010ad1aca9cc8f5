import { PlatformError } from "../../core/errors.js";

/**
 * Error codes of topics (SNS). `awsName` is the awsQuery error code of SNS's model
 * (`NotFound`, `InvalidParameter`, `ParameterValueInvalid`, ...), which the SDKs map to the
 * modeled exception (`NotFoundException`, `InvalidParameterException`, ...).
 */
export const TOPIC_ERRORS = {
  notFound: "ERR_TOPIC_NOT_FOUND",
  invalidParameter: "ERR_TOPIC_INVALID_PARAMETER",
  invalidParameterValue: "ERR_TOPIC_INVALID_PARAMETER_VALUE",
  unsupported: "ERR_TOPIC_UNSUPPORTED",
  emptyBatch: "ERR_TOPIC_EMPTY_BATCH",
  tooManyEntries: "ERR_TOPIC_TOO_MANY_ENTRIES",
  batchIdsNotDistinct: "ERR_TOPIC_BATCH_IDS_NOT_DISTINCT",
  invalidBatchEntryId: "ERR_TOPIC_INVALID_BATCH_ENTRY_ID",
  batchTooLong: "ERR_TOPIC_BATCH_TOO_LONG",
  tagLimit: "ERR_TOPIC_TAG_LIMIT",
  deliveryFailed: "ERR_TOPIC_DELIVERY_FAILED",
  authorization: "ERR_TOPIC_AUTHORIZATION",
} as const;

function error(code: string, awsName: string, message: string, status = 400): PlatformError {
  return new PlatformError({ code, awsName, message, status });
}

/** Constructors for the SNS errors, with AWS's messages. */
export const topicError = {
  topicNotFound: () => error(TOPIC_ERRORS.notFound, "NotFound", "Topic does not exist", 404),
  subscriptionNotFound: () => error(TOPIC_ERRORS.notFound, "NotFound", "Subscription does not exist", 404),
  resourceNotFound: () => error(TOPIC_ERRORS.notFound, "ResourceNotFound", "Resource does not exist", 404),
  /** `Invalid parameter: <what>` (InvalidParameterException). */
  invalidParameter: (what: string) =>
    error(TOPIC_ERRORS.invalidParameter, "InvalidParameter", `Invalid parameter: ${what}`),
  /** InvalidParameterValueException (message attributes and other values). */
  invalidParameterValue: (message: string) =>
    error(TOPIC_ERRORS.invalidParameterValue, "ParameterValueInvalid", message),
  /** Something SNS accepts that Nimbus cannot apply; the message names it. */
  unsupported: (what: string) =>
    error(
      TOPIC_ERRORS.unsupported,
      "InvalidParameter",
      `Invalid parameter: ${what} is not supported by Nimbus`,
    ),
  emptyBatch: () =>
    error(TOPIC_ERRORS.emptyBatch, "EmptyBatchRequest", "The batch request doesn't contain any entries"),
  tooManyEntries: () =>
    error(
      TOPIC_ERRORS.tooManyEntries,
      "TooManyEntriesInBatchRequest",
      "The batch request contains more entries than permissible",
    ),
  batchIdsNotDistinct: () =>
    error(
      TOPIC_ERRORS.batchIdsNotDistinct,
      "BatchEntryIdsNotDistinct",
      "Two or more batch entries in the request have the same Id",
    ),
  invalidBatchEntryId: () =>
    error(
      TOPIC_ERRORS.invalidBatchEntryId,
      "InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    ),
  batchTooLong: () =>
    error(
      TOPIC_ERRORS.batchTooLong,
      "BatchRequestTooLong",
      "The length of all the messages put together is more than the limit",
    ),
  tagLimit: () =>
    error(
      TOPIC_ERRORS.tagLimit,
      "TagLimitExceeded",
      "Could not complete request: tag quota of per resource exceeded",
    ),
  /** A delivery attempt that failed (kept for the retry log, never sent to a client). */
  deliveryFailed: (message: string, cause?: unknown) =>
    new PlatformError({ code: TOPIC_ERRORS.deliveryFailed, message, kind: "dependency", cause }),
};
