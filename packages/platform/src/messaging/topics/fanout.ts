import { randomUUID } from "node:crypto";
import type { NewQueueMessage, QueueStore, ReceivedQueueMessage } from "../../storage/queue-store.js";
import type { DeliveryRecord } from "./delivery.js";
import { httpDeliverySettings } from "./delivery-policy.js";
import {
  confirmationEnvelope,
  lambdaEvent,
  notificationEnvelope,
  type PublishedMessage,
} from "./envelope.js";
import { matchesAttributes, matchesBody } from "./filter-policy.js";
import type { MessageSigner } from "./message-signer.js";
import { messageFor } from "./publish-input.js";
import { type PublishRecord, sequenceNumber } from "./publisher.js";
import type { WorkOutcome } from "./queue-worker.js";
import { deadLetterArn } from "./subscription-attributes.js";
import type { SubscriptionService } from "./subscription-service.js";
import type { SubscriptionRecord, TopicRecord } from "./topic-model.js";
import type { TopicService } from "./topic-service.js";

/** Internal queues of single deliveries (one per subscriber and message). */
export const DELIVERY_QUEUE = "nimbus.sns.deliveries";
export const DELIVERY_FIFO_QUEUE = "nimbus.sns.deliveries-fifo";

/**
 * Fan-out: turns one stored publish into one delivery per confirmed subscription whose filter
 * policy matches, built in full now (envelope, raw attributes, retry policy) and committed in one
 * transaction before the publish is deleted. A crash in between fans out again: at least once
 * (FIFO queue subscribers deduplicate by MessageDeduplicationId).
 */
export class Fanout {
  constructor(
    private readonly topics: TopicService,
    private readonly subscriptions: SubscriptionService,
    private readonly queues: QueueStore,
    private readonly onQueued: (fifo: boolean) => void,
    private readonly signer: () => Promise<MessageSigner>,
  ) {}

  /**
   * The worker's handler for a received batch: every delivery of the batch in one transaction per
   * delivery queue, subscriptions read once per topic.
   */
  readonly handle = async (batch: ReceivedQueueMessage[]): Promise<WorkOutcome[]> => {
    // Made on first use: a server whose topics have no subscribers never needs a key.
    let signer: MessageSigner | undefined;
    const byQueue = new Map<string, NewQueueMessage[]>();
    const subscribers = new Map<string, { topic: TopicRecord; subs: SubscriptionRecord[] } | undefined>();
    for (const stored of batch) {
      const record = JSON.parse(stored.body) as PublishRecord;
      if (!subscribers.has(record.topicName)) {
        const topic = await this.topics.find(record.topicName);
        const subs = topic ? (await this.subscriptions.ofTopic(topic.name)).filter((s) => s.confirmed) : [];
        subscribers.set(record.topicName, topic && { topic, subs });
      }
      const found = subscribers.get(record.topicName);
      // A topic deleted (or deleted and created again) since the publish: nothing to deliver.
      if (!found || found.topic.arn !== record.topicArn) continue;
      const { topic, subs } = found;
      const queueId = topic.fifo ? DELIVERY_FIFO_QUEUE : DELIVERY_QUEUE;
      const out = byQueue.get(queueId) ?? [];
      byQueue.set(queueId, out);
      for (const sub of subs) {
        if (!passesFilter(sub, record)) continue;
        signer ??= await this.signer();
        out.push({
          messageId: randomUUID(),
          body: JSON.stringify(notification(topic, sub, record, stored.sequence, signer)),
          sentAt: stored.sentAt,
          visibleAt: stored.sentAt,
          ...(topic.fifo && { groupId: `${sub.arn}/${record.groupId}` }),
        });
      }
    }
    for (const [queueId, deliveries] of byQueue) {
      if (deliveries.length === 0) continue;
      await this.queues.sendBatch(queueId, deliveries);
      this.onQueued(queueId === DELIVERY_FIFO_QUEUE);
    }
    return batch.map(() => ({ done: true }));
  };

  /**
   * Queues the SubscriptionConfirmation of a pending HTTP/S subscription, or (with `restoreToken`)
   * the UnsubscribeConfirmation of one just unsubscribed.
   */
  async confirmation(
    sub: SubscriptionRecord,
    origin: string,
    now: number,
    restoreToken?: string,
  ): Promise<void> {
    const topic = await this.topics.find(sub.topicArn.split(":")[5] ?? "");
    if (!topic) return;
    const signer = await this.signer();
    const messageId = randomUUID();
    const delivery: DeliveryRecord = {
      kind: restoreToken === undefined ? "SubscriptionConfirmation" : "UnsubscribeConfirmation",
      subscriptionArn: sub.arn,
      topicArn: sub.topicArn,
      protocol: sub.protocol,
      endpoint: sub.endpoint,
      messageId,
      body: confirmationEnvelope(
        {
          messageId,
          topicArn: sub.topicArn,
          token: restoreToken ?? sub.token ?? "",
          timestamp: now,
          ...(restoreToken !== undefined && { unsubscribedArn: sub.arn }),
          ...(topic.attributes.SignatureVersion !== undefined && {
            signatureVersion: topic.attributes.SignatureVersion,
          }),
        },
        { origin, sign: (canonical, version) => signer.sign(canonical, version) },
      ),
      raw: false,
      http: httpDeliverySettings(topic.attributes.DeliveryPolicy, sub.deliveryPolicy),
    };
    await this.queues.send(DELIVERY_QUEUE, {
      messageId,
      body: JSON.stringify(delivery),
      sentAt: now,
      visibleAt: now,
    });
    this.onQueued(false);
  }
}

function passesFilter(sub: SubscriptionRecord, record: PublishRecord): boolean {
  if (sub.filterPolicy === undefined) return true;
  const policy = JSON.parse(sub.filterPolicy) as Record<string, unknown>;
  return sub.filterPolicyScope === "MessageBody"
    ? matchesBody(policy, messageFor(record, sub.protocol))
    : matchesAttributes(policy, record.attributes);
}

function notification(
  topic: TopicRecord,
  sub: SubscriptionRecord,
  record: PublishRecord,
  sequence: number,
  signer: MessageSigner,
): DeliveryRecord {
  const published: PublishedMessage = {
    messageId: record.messageId,
    topicArn: record.topicArn,
    message: messageFor(record, sub.protocol),
    attributes: record.attributes,
    timestamp: record.timestamp,
    ...(record.subject !== undefined && { subject: record.subject }),
    ...(topic.fifo && { sequenceNumber: sequenceNumber(sequence) }),
    ...(topic.attributes.SignatureVersion !== undefined && {
      signatureVersion: topic.attributes.SignatureVersion,
    }),
  };
  const urls = { origin: record.origin, sign: (c: string, v: string) => signer.sign(c, v) };
  const raw = sub.rawMessageDelivery && sub.protocol !== "lambda";
  const body =
    sub.protocol === "lambda"
      ? lambdaEvent(published, sub.arn, urls)
      : raw
        ? published.message
        : notificationEnvelope(published, sub.arn, urls);
  const dlq = deadLetterArn(sub);
  const http = sub.protocol === "http" || sub.protocol === "https";
  return {
    kind: "Notification",
    subscriptionArn: sub.arn,
    topicArn: topic.arn,
    protocol: sub.protocol,
    endpoint: sub.endpoint,
    messageId: record.messageId,
    body,
    raw,
    ...(raw && sub.protocol === "sqs" && { attributes: record.attributes }),
    // FIFO order and deduplication carry over to FIFO queues only; standard queues take neither.
    ...(topic.fifo && sub.endpoint.endsWith(".fifo") && { groupId: record.groupId, dedupId: record.dedupId }),
    ...(dlq !== undefined && { deadLetterArn: dlq }),
    ...(http && { http: httpDeliverySettings(topic.attributes.DeliveryPolicy, sub.deliveryPolicy) }),
  };
}
