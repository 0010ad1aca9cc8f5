import { randomUUID } from "node:crypto";
import { QueryParams } from "../../aws/query-protocol.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { TargetMessage } from "../../core/targets.js";
import type { NewQueueMessage, QueueStore } from "../../storage/queue-store.js";
import { topicError } from "./errors.js";
import type { MessageAttributeValue } from "./message-attributes.js";
import { MAX_MESSAGE_BYTES, type PublishInput, readPublishInput } from "./publish-input.js";
import type { TopicRecord } from "./topic-model.js";
import type { TopicService } from "./topic-service.js";

/** Internal queues of published messages waiting for fan-out (FIFO topics keep their order). */
export const PUBLISH_QUEUE = "nimbus.sns.publish";
export const PUBLISH_FIFO_QUEUE = "nimbus.sns.publish-fifo";
/** SNS FIFO topics deduplicate within 5 minutes. */
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const MAX_BATCH = 10;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** A published message as stored until fan-out. */
export interface PublishRecord {
  messageId: string;
  topicArn: string;
  topicName: string;
  message: string;
  messages?: Record<string, string>;
  subject?: string;
  attributes: Record<string, MessageAttributeValue>;
  timestamp: number;
  /** The origin the publisher reached; the envelopes' URLs point there. */
  origin: string;
  groupId?: string;
  dedupId?: string;
}

export interface PublishResult {
  messageId: string;
  sequenceNumber?: string;
}

export type BatchEntryResult =
  | { id: string; ok: true; result: PublishResult }
  | { id: string; ok: false; code: string; message: string; senderFault: boolean };

/**
 * Publish and PublishBatch: a message is answered only once it is committed to the publish queue
 * (one transaction for a batch); fan-out reads it from there, so a crash after the answer loses
 * nothing (at least once).
 */
export class Publisher {
  constructor(
    private readonly topics: TopicService,
    private readonly queues: QueueStore,
    private readonly clock: Clock,
    private readonly onPublished: (fifo: boolean) => void,
  ) {}

  async publish(params: QueryParams, origin: string): Promise<PublishResult> {
    const topicArnValue = params.get("TopicArn");
    const targetArn = params.get("TargetArn");
    if (params.get("PhoneNumber") !== undefined) throw topicError.unsupported("PhoneNumber (SMS)");
    if (topicArnValue !== undefined && targetArn !== undefined)
      throw topicError.invalidParameter(
        "TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be set",
      );
    if (targetArn?.includes(":endpoint/"))
      throw topicError.unsupported("TargetArn of a mobile platform endpoint");
    if (topicArnValue === undefined && targetArn === undefined)
      throw topicError.invalidParameter("TopicArn or TargetArn Reason: no value for required parameter");
    const topic = await this.topics.get(
      topicArnValue ?? targetArn,
      topicArnValue !== undefined ? "TopicArn" : "TargetArn",
    );
    const input = readPublishInput(params, topic);
    const [outcome] = await this.store(topic, [input], origin);
    return outcome as PublishResult;
  }

  async publishBatch(params: QueryParams, origin: string): Promise<BatchEntryResult[]> {
    const topic = await this.topics.get(params.get("TopicArn"));
    const entries = params.structList("PublishBatchRequestEntries");
    if (entries.length === 0) throw topicError.emptyBatch();
    if (entries.length > MAX_BATCH) throw topicError.tooManyEntries();
    const ids = entries.map((e) => e.get("Id") ?? "");
    if (ids.some((id) => !BATCH_ID.test(id))) throw topicError.invalidBatchEntryId();
    if (new Set(ids).size !== ids.length) throw topicError.batchIdsNotDistinct();
    const results: BatchEntryResult[] = [];
    const accepted: { id: string; input: PublishInput }[] = [];
    for (const [i, entry] of entries.entries()) {
      const id = ids[i] as string;
      try {
        accepted.push({ id, input: readPublishInput(entry, topic) });
      } catch (error) {
        if (!isPlatformError(error)) throw error;
        results.push({
          id,
          ok: false,
          code: error.awsName ?? "InvalidParameter",
          message: error.message,
          senderFault: true,
        });
      }
    }
    if (accepted.reduce((n, a) => n + a.input.size, 0) > MAX_MESSAGE_BYTES) throw topicError.batchTooLong();
    const outcomes = await this.store(
      topic,
      accepted.map((a) => a.input),
      origin,
    );
    for (const [i, a] of accepted.entries())
      results.push({ id: a.id, ok: true, result: outcomes[i] as PublishResult });
    return results;
  }

  /** The "sns" target: an async destination or dead-letter record published to a topic. */
  async publishTarget(arn: string, message: TargetMessage, origin: string): Promise<void> {
    const topic = await this.topics.get(arn);
    const fields = new URLSearchParams({ Message: message.body });
    if (message.subject !== undefined) fields.set("Subject", message.subject);
    if (message.groupId !== undefined) fields.set("MessageGroupId", message.groupId);
    if (message.dedupId !== undefined) fields.set("MessageDeduplicationId", message.dedupId);
    let n = 1;
    for (const [name, a] of Object.entries(message.attributes ?? {})) {
      const base = `MessageAttributes.entry.${n++}`;
      fields.set(`${base}.Name`, name);
      fields.set(`${base}.Value.DataType`, a.dataType);
      if (a.binaryValue !== undefined)
        fields.set(`${base}.Value.BinaryValue`, a.binaryValue.toString("base64"));
      else fields.set(`${base}.Value.StringValue`, a.stringValue ?? "");
    }
    await this.store(topic, [readPublishInput(new QueryParams(fields), topic)], origin);
  }

  private async store(topic: TopicRecord, inputs: PublishInput[], origin: string): Promise<PublishResult[]> {
    if (inputs.length === 0) return [];
    const now = this.clock.now();
    const messages: NewQueueMessage[] = inputs.map((input) => {
      const record: PublishRecord = {
        messageId: randomUUID(),
        topicArn: topic.arn,
        topicName: topic.name,
        message: input.message,
        attributes: input.attributes,
        timestamp: now,
        origin,
        ...(input.messages && { messages: input.messages }),
        ...(input.subject !== undefined && { subject: input.subject }),
        ...(input.groupId !== undefined && { groupId: input.groupId }),
        ...(input.dedupId !== undefined && { dedupId: input.dedupId }),
      };
      return {
        messageId: record.messageId,
        body: JSON.stringify(record),
        sentAt: now,
        visibleAt: now,
        // Groups and deduplication are per topic: the shared FIFO queue keys them by topic name.
        ...(topic.fifo && {
          groupId: `${topic.name}/${input.groupId}`,
          dedupId: `${topic.name}/${input.dedupId}`,
        }),
      };
    });
    const queue = topic.fifo ? PUBLISH_FIFO_QUEUE : PUBLISH_QUEUE;
    const outcomes = await this.queues.sendBatch(
      queue,
      messages,
      topic.fifo ? { dedupSince: now - DEDUP_WINDOW_MS } : undefined,
    );
    this.onPublished(topic.fifo);
    return outcomes.map((o) =>
      topic.fifo
        ? { messageId: o.messageId, sequenceNumber: sequenceNumber(o.sequence) }
        : { messageId: o.messageId },
    );
  }
}

/** SNS FIFO sequence numbers are 20-digit decimal strings, increasing. */
export function sequenceNumber(sequence: number): string {
  return (10n ** 19n + BigInt(sequence)).toString();
}
