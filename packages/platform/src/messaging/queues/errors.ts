import { PlatformError } from "../../core/errors.js";

/**
 * Error codes of queues (SQS). Each error carries two AWS names: `awsName`, the JSON protocol's
 * `__type` (the shape name of SQS's model, `QueueDoesNotExist`), and `queryCode`, the legacy
 * awsQuery code (`AWS.SimpleQueueService.NonExistentQueue`) that the query protocol puts in
 * `<Code>` and the JSON protocol in `x-amzn-query-error`; the SDKs map either to the exception.
 */
export const QUEUE_ERRORS = {
  notFound: "ERR_QUEUE_NOT_FOUND",
  nameExists: "ERR_QUEUE_NAME_EXISTS",
  invalidParameterValue: "ERR_QUEUE_INVALID_PARAMETER_VALUE",
  missingParameter: "ERR_QUEUE_MISSING_PARAMETER",
  invalidAttributeName: "ERR_QUEUE_INVALID_ATTRIBUTE_NAME",
  invalidAttributeValue: "ERR_QUEUE_INVALID_ATTRIBUTE_VALUE",
  invalidMessageContents: "ERR_QUEUE_INVALID_MESSAGE_CONTENTS",
  receiptHandleInvalid: "ERR_QUEUE_RECEIPT_HANDLE_INVALID",
  messageNotInflight: "ERR_QUEUE_MESSAGE_NOT_INFLIGHT",
  purgeInProgress: "ERR_QUEUE_PURGE_IN_PROGRESS",
  emptyBatch: "ERR_QUEUE_EMPTY_BATCH",
  tooManyEntries: "ERR_QUEUE_TOO_MANY_ENTRIES",
  batchIdsNotDistinct: "ERR_QUEUE_BATCH_IDS_NOT_DISTINCT",
  invalidBatchEntryId: "ERR_QUEUE_INVALID_BATCH_ENTRY_ID",
  batchTooLong: "ERR_QUEUE_BATCH_TOO_LONG",
  unsupported: "ERR_QUEUE_UNSUPPORTED",
  tagLimit: "ERR_QUEUE_TAG_LIMIT",
} as const;

function error(code: string, awsName: string, queryCode: string, message: string, status = 400) {
  return new PlatformError({ code, awsName, queryCode, message, status });
}

/** Constructors for the SQS errors, with AWS's names, codes, statuses and messages. */
export const queueError = {
  notFound: () =>
    error(
      QUEUE_ERRORS.notFound,
      "QueueDoesNotExist",
      "AWS.SimpleQueueService.NonExistentQueue",
      "The specified queue does not exist.",
    ),
  nameExists: (attribute: string) =>
    error(
      QUEUE_ERRORS.nameExists,
      "QueueNameExists",
      "QueueAlreadyExists",
      `A queue already exists with the same name and a different value for attribute ${attribute}`,
    ),
  invalidParameterValue: (message: string) =>
    error(QUEUE_ERRORS.invalidParameterValue, "InvalidParameterValue", "InvalidParameterValue", message),
  missingParameter: (name: string) =>
    error(
      QUEUE_ERRORS.missingParameter,
      "MissingParameter",
      "MissingParameter",
      `The request must contain the parameter ${name}.`,
    ),
  invalidAttributeName: (name: string) =>
    error(
      QUEUE_ERRORS.invalidAttributeName,
      "InvalidAttributeName",
      "InvalidAttributeName",
      `Unknown Attribute ${name}.`,
    ),
  invalidAttributeValue: (message: string) =>
    error(QUEUE_ERRORS.invalidAttributeValue, "InvalidAttributeValue", "InvalidAttributeValue", message),
  invalidMessageContents: (message: string) =>
    error(QUEUE_ERRORS.invalidMessageContents, "InvalidMessageContents", "InvalidMessageContents", message),
  receiptHandleInvalid: (handle: string) =>
    error(
      QUEUE_ERRORS.receiptHandleInvalid,
      "ReceiptHandleIsInvalid",
      "ReceiptHandleIsInvalid",
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
      404,
    ),
  messageNotInflight: () =>
    error(
      QUEUE_ERRORS.messageNotInflight,
      "MessageNotInflight",
      "AWS.SimpleQueueService.MessageNotInflight",
      "The message referred to isn't in flight.",
    ),
  purgeInProgress: (queueArn: string) =>
    error(
      QUEUE_ERRORS.purgeInProgress,
      "PurgeQueueInProgress",
      "AWS.SimpleQueueService.PurgeQueueInProgress",
      `Only one PurgeQueue operation on ${queueArn.split(":").pop()} is allowed every 60 seconds.`,
      403,
    ),
  emptyBatch: () =>
    error(
      QUEUE_ERRORS.emptyBatch,
      "EmptyBatchRequest",
      "AWS.SimpleQueueService.EmptyBatchRequest",
      "There should be at least one entry in the request.",
    ),
  tooManyEntries: (count: number) =>
    error(
      QUEUE_ERRORS.tooManyEntries,
      "TooManyEntriesInBatchRequest",
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${count}.`,
    ),
  batchIdsNotDistinct: (id: string) =>
    error(
      QUEUE_ERRORS.batchIdsNotDistinct,
      "BatchEntryIdsNotDistinct",
      "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
      `Id ${id} repeated.`,
    ),
  invalidBatchEntryId: () =>
    error(
      QUEUE_ERRORS.invalidBatchEntryId,
      "InvalidBatchEntryId",
      "AWS.SimpleQueueService.InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    ),
  batchTooLong: (bytes: number, limit: number) =>
    error(
      QUEUE_ERRORS.batchTooLong,
      "BatchRequestTooLong",
      "AWS.SimpleQueueService.BatchRequestTooLong",
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${bytes} bytes.`,
    ),
  /** Something SQS accepts that Nimbus cannot apply; the message names it. */
  unsupported: (what: string) =>
    error(
      QUEUE_ERRORS.unsupported,
      "UnsupportedOperation",
      "AWS.SimpleQueueService.UnsupportedOperation",
      `${what} is not supported by Nimbus.`,
    ),
  tagLimit: () =>
    error(
      QUEUE_ERRORS.tagLimit,
      "InvalidParameterValue",
      "InvalidParameterValue",
      "Too many tags added for queue. A queue can have at most 50 tags.",
    ),
};
