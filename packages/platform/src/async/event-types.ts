/**
 * What Nimbus keeps with each message of the internal async event queue (`QueueStore` meta).
 * The body of every message is the event payload, unchanged.
 */

/** The internal queue every asynchronous event of every function goes through. */
export const ASYNC_QUEUE_ID = "nimbus:async-events";

/** An event waiting for (another) attempt. */
export interface PendingEventMeta {
  kind: "event";
  /** The awsRequestId; the same for every attempt of this event. */
  requestId: string;
  /** Bare function name. */
  functionName: string;
  /** The qualifier it was invoked with (undefined: unqualified, i.e. $LATEST's settings). */
  qualifier: string | undefined;
  /** Epoch ms the event was accepted (its age counts from here). */
  acceptedAt: number;
  /** Attempts that ran to an outcome so far (function errors). */
  attempts: number;
  /** The last attempt's error, carried so a later expiry can report it. */
  lastError?: AttemptError | undefined;
  clientContext?: string | undefined;
  /** The failure-store id this event was redriven from. */
  redrivenFrom?: string | undefined;
}

/** How an attempt ended badly. */
export interface AttemptError {
  /** HTTP status of the attempt as Lambda reports it (200 for function errors, 429 throttles). */
  statusCode: number;
  executedVersion: string | undefined;
  functionError: string | undefined;
  errorType: string;
  errorMessage: string;
  /** The function's error payload (its JSON), when it ran. */
  responsePayload: string | undefined;
}

/** `Success`, `RetriesExhausted`, `EventAgeExceeded` are AWS's; the last one is Nimbus's own. */
export type EventCondition = "Success" | "RetriesExhausted" | "EventAgeExceeded" | "FunctionNotFound";

/** An event whose outcome is decided; its deliveries (DLQ, destinations, failure store) are due. */
export interface SettleMeta {
  kind: "settle";
  requestId: string;
  functionName: string;
  qualifier: string | undefined;
  acceptedAt: number;
  condition: EventCondition;
  attempts: number;
  /** Epoch ms the outcome was decided. */
  settledAt: number;
  /** Success: the version that ran and the function's response. */
  executedVersion: string | undefined;
  responsePayload: string | undefined;
  /** Failure: the last error (absent when no attempt ran). */
  error: AttemptError | undefined;
  redrivenFrom?: string | undefined;
}

export type AsyncMessageMeta = PendingEventMeta | SettleMeta;

/** A request to run a function asynchronously (Invoke Event, InvokeAsync, destinations, topics). */
export interface AsyncInvokeRequest {
  functionName: string;
  qualifier: string | undefined;
  payload: Buffer;
  /** The awsRequestId to use; a new one when absent. */
  requestId?: string | undefined;
  clientContext?: string | undefined;
  redrivenFrom?: string | undefined;
}
