import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { FunctionService } from "../functions/index.js";
import type { AsyncInvocations } from "../invoke/index.js";
import type { QueueStore } from "../storage/queue-store.js";
import type { AsyncMetrics } from "./async-metrics.js";
import { asyncError } from "./errors.js";
import { ASYNC_QUEUE_ID, type AsyncInvokeRequest, type PendingEventMeta } from "./event-types.js";

export interface AsyncEventsDeps {
  store: QueueStore;
  functions: FunctionService;
  clock: Clock;
  metrics: AsyncMetrics;
  /** Called after each accepted event, so the dispatcher looks at once. */
  onAccepted: () => void;
  maxEventPayloadBytes: number;
  maxInvokeAsyncPayloadBytes: number;
}

/**
 * The front of asynchronous invocation: checks the function exists, stores the event in the
 * internal queue and resolves only once it is committed (so 202 means durable).
 */
export class AsyncEvents implements AsyncInvocations {
  readonly maxEventPayloadBytes: number;
  readonly maxInvokeAsyncPayloadBytes: number;

  constructor(private readonly deps: AsyncEventsDeps) {
    this.maxEventPayloadBytes = deps.maxEventPayloadBytes;
    this.maxInvokeAsyncPayloadBytes = deps.maxInvokeAsyncPayloadBytes;
  }

  /** Queues one event; resolves with its awsRequestId once stored. */
  async accept(req: AsyncInvokeRequest): Promise<string> {
    const { store, functions, clock } = this.deps;
    if (req.payload.length > this.maxEventPayloadBytes)
      throw asyncError.payloadTooLarge(this.maxEventPayloadBytes, "InvokeFunction");
    // ResourceNotFoundException for a missing function, version or alias, as a sync invoke.
    const resolved = await functions.resolve(req.functionName, req.qualifier);
    const requestId = req.requestId ?? randomUUID();
    const now = clock.now();
    const meta: PendingEventMeta = {
      kind: "event",
      requestId,
      functionName: resolved.config.name,
      qualifier: qualifierOf(resolved.invokedArn),
      acceptedAt: now,
      attempts: 0,
      ...(req.clientContext === undefined ? {} : { clientContext: req.clientContext }),
      ...(req.redrivenFrom === undefined ? {} : { redrivenFrom: req.redrivenFrom }),
    };
    await store.send(ASYNC_QUEUE_ID, {
      messageId: randomUUID(),
      body: req.payload.toString("utf8"),
      meta,
      sentAt: now,
      visibleAt: now,
    });
    this.deps.metrics.accepted();
    this.deps.onAccepted();
    return requestId;
  }

  /**
   * The "lambda" target of core/targets.ts: a destination or a topic subscription that is a
   * function becomes an asynchronous invocation of it (the ARN may carry a qualifier).
   */
  readonly deliverToFunction = async (arn: string, message: { body: string }): Promise<void> => {
    await this.accept({
      functionName: arn,
      qualifier: undefined,
      payload: Buffer.from(message.body, "utf8"),
    });
  };
}

/** `arn:aws:lambda:r:a:function:name[:qualifier]` -> the qualifier, if any. */
function qualifierOf(invokedArn: string): string | undefined {
  return invokedArn.split(":")[7];
}
