import { queueError } from "./errors.js";
import { QUEUE_LIMITS } from "./queue-attributes.js";
import type { QueueRecord } from "./queue-registry.js";

const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The checks every batch request makes first: entries present, at most 10, ids valid and distinct. */
export function checkBatch(ids: string[]): void {
  if (ids.length === 0) throw queueError.emptyBatch();
  if (ids.length > QUEUE_LIMITS.maxBatchEntries) throw queueError.tooManyEntries(ids.length);
  const seen = new Set<string>();
  for (const id of ids) {
    if (!BATCH_ID.test(id)) throw queueError.invalidBatchEntryId();
    if (seen.has(id)) throw queueError.batchIdsNotDistinct(id);
    seen.add(id);
  }
}

/** A whole number of seconds in 0..max (VisibilityTimeout, DelaySeconds, WaitTimeSeconds). */
export function checkSeconds(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw queueError.invalidParameterValue(
      `Value ${value} for parameter ${name} is invalid. Reason: Must be between 0 and ${max}, if provided.`,
    );
  return value;
}

/**
 * Receipt handles name the queue incarnation and the store's handle, so a handle given to
 * another queue (or to a queue deleted and created again) is recognized as invalid.
 */
export function encodeHandle(record: QueueRecord, storeHandle: string): string {
  return Buffer.from(`${record.storeId}\n${storeHandle}`, "utf8").toString("base64");
}

/** The store's handle inside `handle`; ReceiptHandleIsInvalid when it is not this queue's. */
export function decodeHandle(record: QueueRecord, handle: string): string {
  const text = Buffer.from(handle, "base64").toString("utf8");
  const newline = text.indexOf("\n");
  if (newline === -1 || text.slice(0, newline) !== record.storeId)
    throw queueError.receiptHandleInvalid(handle);
  return text.slice(newline + 1);
}
