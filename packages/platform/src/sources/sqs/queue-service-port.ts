import { isPlatformError } from "../../core/errors.js";
import type { PolledMessage, QueuePort } from "./queue-port.js";

/**
 * The parts of the messaging area's QueueService a mapping uses, described by shape so that
 * sources does not depend on messaging (server.ts passes the real service; tsc checks it fits).
 */
export interface SqsQueueService {
  describe(arn: string): Promise<{ arn: string; fifo: boolean; visibilityTimeoutSeconds: number }>;
  receive(
    arn: string,
    request: { max: number; waitMs?: number; visibilityMs?: number; signal?: AbortSignal },
  ): Promise<
    {
      messageId: string;
      receiptHandle: string;
      body: string;
      md5OfBody: string;
      md5OfMessageAttributes: string | undefined;
      messageAttributes: Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>;
      attributes: object;
    }[]
  >;
  deleteBatch(arn: string, entries: { id: string; value: string }[]): Promise<unknown>;
}

/** DeleteMessageBatch takes at most 10 entries. */
const DELETE_CHUNK = 10;

/** Adapts the queue service to the poller's port. */
export function queuePortOf(service: SqsQueueService): QueuePort {
  return {
    async describe(queueArn) {
      try {
        const queue = await service.describe(queueArn);
        return { arn: queue.arn, fifo: queue.fifo, visibilityTimeoutSec: queue.visibilityTimeoutSeconds };
      } catch (error) {
        if (isPlatformError(error) && error.code === "ERR_QUEUE_NOT_FOUND") return undefined;
        throw error;
      }
    },
    async receive(queueArn, options) {
      const messages = await service.receive(queueArn, {
        max: options.max,
        waitMs: options.waitMs,
        ...(options.visibilityMs === undefined ? {} : { visibilityMs: options.visibilityMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      return messages.map(
        (m): PolledMessage => ({
          messageId: m.messageId,
          receiptHandle: m.receiptHandle,
          body: m.body,
          attributes: m.attributes as Record<string, string>,
          messageAttributes: m.messageAttributes,
          md5OfBody: m.md5OfBody,
          md5OfMessageAttributes: m.md5OfMessageAttributes,
        }),
      );
    },
    async deleteBatch(queueArn, receiptHandles) {
      for (let i = 0; i < receiptHandles.length; i += DELETE_CHUNK) {
        const chunk = receiptHandles.slice(i, i + DELETE_CHUNK);
        await service.deleteBatch(
          queueArn,
          chunk.map((value, n) => ({ id: String(n), value })),
        );
      }
    },
  };
}
