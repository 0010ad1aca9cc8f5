import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Targets } from "../../core/targets.js";
import type { ReceivedQueueMessage } from "../../storage/queue-store.js";
import { type HttpDeliverySettings, type RetryPolicy, retryDelaySeconds } from "./delivery-policy.js";
import { topicError } from "./errors.js";
import { type MessageAttributeValue, targetAttributes } from "./message-attributes.js";
import type { WorkOutcome } from "./queue-worker.js";
import type { SubscriptionService } from "./subscription-service.js";
import type { SubscriptionProtocol } from "./topic-model.js";

/** One message to one subscriber, complete: what to send, where, and how to retry. */
export interface DeliveryRecord {
  kind: "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation";
  subscriptionArn: string;
  topicArn: string;
  protocol: SubscriptionProtocol;
  endpoint: string;
  messageId: string;
  /** The envelope, the Lambda event or (raw delivery) the message itself. */
  body: string;
  raw: boolean;
  /** Raw delivery to SQS: the message attributes, which become SQS message attributes. */
  attributes?: Record<string, MessageAttributeValue>;
  groupId?: string;
  dedupId?: string;
  deadLetterArn?: string;
  http?: HttpDeliverySettings;
}

/**
 * SNS's policy for SQS and Lambda endpoints (not changeable): 3 immediate retries, 2 at 1 s,
 * 10 backing off to 20 s, then 100,000 at 20 s; about 23 days in all.
 */
export const MANAGED_RETRY_POLICY: RetryPolicy = {
  numRetries: 100_015,
  numNoDelayRetries: 3,
  numMinDelayRetries: 2,
  numMaxDelayRetries: 100_000,
  minDelayTarget: 1,
  maxDelayTarget: 20,
  backoffFunction: "exponential",
};

/** SNS waits 15 seconds for an HTTP/S endpoint to answer. */
export const HTTP_TIMEOUT_MS = 15_000;

type Attempt = { ok: true } | { ok: false; permanent: boolean; reason: string };

/**
 * Runs one delivery attempt. SQS and Lambda subscribers go through `Targets` (durable once it
 * resolves); HTTP/S endpoints get a POST. Server-side failures (5xx, 429, network, timeout, a
 * target's internal error) are retried by the policy; client-side ones (other 4xx, a queue or
 * function that does not exist) are not, as in SNS. A delivery that will not be retried goes to
 * the subscription's dead-letter queue when it has one, else is dropped with a log line.
 */
export class Delivery {
  private readonly closing = new AbortController();

  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly targets: Targets,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The worker's handler (one message per call). */
  readonly handle = async (messages: ReceivedQueueMessage[]): Promise<WorkOutcome[]> =>
    Promise.all(messages.map((m) => this.deliver(m)));

  private async deliver(stored: ReceivedQueueMessage): Promise<WorkOutcome> {
    const d = JSON.parse(stored.body) as DeliveryRecord;
    if (d.kind !== "UnsubscribeConfirmation") {
      const sub = await this.subscriptions.find(d.subscriptionArn);
      // Unsubscribed (or its topic deleted) since the publish: SNS stops delivering.
      if (!sub || (d.kind === "Notification" && !sub.confirmed)) return { done: true };
    }
    const attempt = await this.attempt(d);
    if (attempt.ok) return { done: true };
    if (this.closing.signal.aborted) return { done: false, retryAt: this.clock.now() };
    const policy =
      d.protocol === "sqs" || d.protocol === "lambda"
        ? MANAGED_RETRY_POLICY
        : (d.http?.retry ?? MANAGED_RETRY_POLICY);
    const delay = attempt.permanent ? undefined : retryDelaySeconds(policy, stored.receiveCount);
    if (delay !== undefined) return { done: false, retryAt: this.clock.now() + delay * 1000 };
    await this.giveUp(d, attempt.reason);
    return { done: true };
  }

  /** Aborts HTTP requests in flight (their deliveries stay queued for the next start). */
  close(): void {
    this.closing.abort();
  }

  private async attempt(d: DeliveryRecord): Promise<Attempt> {
    if (d.protocol === "http" || d.protocol === "https") return this.post(d);
    try {
      await this.targets.deliver(d.endpoint, {
        body: d.body,
        ...(d.attributes && { attributes: targetAttributes(d.attributes) }),
        ...(d.groupId !== undefined && { groupId: d.groupId }),
        ...(d.dedupId !== undefined && { dedupId: d.dedupId }),
      });
      return { ok: true };
    } catch (error) {
      const permanent = isPlatformError(error) && error.kind === "user";
      return { ok: false, permanent, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private async post(d: DeliveryRecord): Promise<Attempt> {
    const timeout = new AbortController();
    const cancel = this.clock.setTimer(HTTP_TIMEOUT_MS, () => timeout.abort());
    try {
      const headers: Record<string, string> = {
        "content-type": d.http?.contentType ?? "text/plain; charset=UTF-8",
        "user-agent": "Amazon Simple Notification Service Agent",
        "x-amz-sns-message-type": d.kind,
        "x-amz-sns-message-id": d.messageId,
        "x-amz-sns-topic-arn": d.topicArn,
      };
      if (d.kind === "Notification") {
        headers["x-amz-sns-subscription-arn"] = d.subscriptionArn;
        headers["x-amz-sns-rawdelivery"] = String(d.raw);
      }
      const res = await fetch(d.endpoint, {
        method: "POST",
        headers,
        body: d.body,
        signal: AbortSignal.any([timeout.signal, this.closing.signal]),
        redirect: "manual",
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retryable = res.status === 429 || res.status >= 500;
      return { ok: false, permanent: !retryable, reason: `the endpoint answered HTTP ${res.status}` };
    } catch (error) {
      return { ok: false, permanent: false, reason: error instanceof Error ? error.message : String(error) };
    } finally {
      cancel();
    }
  }

  private async giveUp(d: DeliveryRecord, reason: string): Promise<void> {
    const failure = topicError.deliveryFailed(
      `delivery of ${d.messageId} to ${d.endpoint} failed: ${reason}`,
    );
    if (d.kind !== "Notification" || d.deadLetterArn === undefined) {
      this.logger.warn(
        { err: failure, subscription: d.subscriptionArn },
        "topic delivery dropped after its retries",
      );
      return;
    }
    try {
      await this.targets.deliver(d.deadLetterArn, {
        body: d.body,
        ...(d.attributes && { attributes: targetAttributes(d.attributes) }),
        ...(d.groupId !== undefined && { groupId: d.groupId }),
        ...(d.dedupId !== undefined && { dedupId: d.dedupId }),
      });
      this.logger.info(
        { err: failure, deadLetter: d.deadLetterArn },
        "topic delivery moved to the dead-letter queue",
      );
    } catch (error) {
      this.logger.warn(
        { err: error, cause: failure.message, deadLetter: d.deadLetterArn },
        "topic delivery dropped: the dead-letter queue refused it",
      );
    }
  }
}
