import { queueError } from "./errors.js";
import { type MessageAttributes, md5OfAttributes } from "./message-format.js";
import type { QueueAdmin } from "./queue-admin.js";
import { QUEUE_LIMITS } from "./queue-attributes.js";
import { checkSeconds } from "./queue-checks.js";
import type { QueueRecord } from "./queue-registry.js";
import type { QueueService } from "./queue-service.js";
import type { OutgoingMessage, QueueMessage } from "./queue-types.js";
import {
  attributesOut,
  entries,
  int,
  messageAttributes,
  type SqsInput,
  str,
  stringMap,
  strings,
} from "./sqs-input.js";

/** What an operation knows of the request besides its input. */
export interface SqsContext {
  /** `http://<Host>`: queue URLs are built from it. */
  origin: string;
  /** The request path: `/<account>/<queue>` names the queue when QueueUrl is absent. */
  path: string;
  /** The caller's access key, reported as SenderId. */
  senderId: string | undefined;
}

export type SqsOutput = Record<string, unknown> | undefined;
export type SqsOperation = (input: SqsInput, ctx: SqsContext) => Promise<SqsOutput>;

const SYSTEM_ATTRIBUTE_NAMES = [
  "All",
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SequenceNumber",
  "MessageDeduplicationId",
  "MessageGroupId",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
];

/**
 * SQS's operations on the neutral input (the JSON model's shape), answering the JSON model's
 * output shape. The JSON and query wire layers only translate to and from these.
 */
export function createSqsOperations(admin: QueueAdmin, queues: QueueService): Record<string, SqsOperation> {
  const queueOf = async (input: SqsInput, ctx: SqsContext): Promise<QueueRecord> => {
    const url =
      str(input, "QueueUrl") ?? (ctx.path.split("/").filter(Boolean).length === 2 ? ctx.path : undefined);
    if (url === undefined) throw queueError.missingParameter("QueueUrl");
    return queues.queueByUrl(url);
  };
  const urlOf = (ctx: SqsContext, record: QueueRecord) => queues.urlOf(ctx.origin, record);

  return {
    async CreateQueue(input, ctx) {
      const name = str(input, "QueueName", true);
      const record = await admin.create(name, stringMap(input, "Attributes"), stringMap(input, "tags"));
      return { QueueUrl: urlOf(ctx, record) };
    },
    async GetQueueUrl(input, ctx) {
      const name = str(input, "QueueName", true);
      const owner = str(input, "QueueOwnerAWSAccountId");
      const record = await queues.queueByUrl(`/${owner ?? queues.accountId}/${name}`);
      return { QueueUrl: urlOf(ctx, record) };
    },
    async ListQueues(input, ctx) {
      const prefix = str(input, "QueueNamePrefix");
      const max = int(input, "MaxResults");
      const token = str(input, "NextToken");
      const options: { prefix?: string; max?: number; after?: string } = {};
      if (prefix !== undefined) options.prefix = prefix;
      if (max !== undefined) options.max = max;
      if (token !== undefined) options.after = decodeToken(token);
      const page = await admin.list(options);
      const out: Record<string, unknown> = {};
      if (page.queues.length > 0) out.QueueUrls = page.queues.map((q) => urlOf(ctx, q));
      if (page.nextAfter !== undefined) out.NextToken = Buffer.from(page.nextAfter).toString("base64");
      return out;
    },
    async DeleteQueue(input, ctx) {
      await admin.delete(await queueOf(input, ctx));
      return undefined;
    },
    async GetQueueAttributes(input, ctx) {
      const attributes = await admin.getAttributes(
        await queueOf(input, ctx),
        strings(input, "AttributeNames"),
      );
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
    async SetQueueAttributes(input, ctx) {
      const record = await queueOf(input, ctx);
      if (input.Attributes === undefined) throw queueError.missingParameter("Attributes");
      await admin.setAttributes(record, stringMap(input, "Attributes"));
      return undefined;
    },
    async PurgeQueue(input, ctx) {
      await admin.purge(await queueOf(input, ctx));
      return undefined;
    },
    async TagQueue(input, ctx) {
      const record = await queueOf(input, ctx);
      await admin.tag(record, stringMap(input, "Tags"));
      return undefined;
    },
    async UntagQueue(input, ctx) {
      const record = await queueOf(input, ctx);
      await admin.untag(record, strings(input, "TagKeys"));
      return undefined;
    },
    async ListQueueTags(input, ctx) {
      const record = await queueOf(input, ctx);
      return Object.keys(record.tags).length > 0 ? { Tags: record.tags } : {};
    },
    async ListDeadLetterSourceQueues(input, ctx) {
      const record = await queueOf(input, ctx);
      const sources = await admin.deadLetterSources(record);
      return { queueUrls: sources.map((q) => urlOf(ctx, q)) };
    },
    async SendMessage(input, ctx) {
      const record = await queueOf(input, ctx);
      const sent = await queues.send(record.arn, outgoing(input, ctx));
      return sentOut(sent);
    },
    async SendMessageBatch(input, ctx) {
      const record = await queueOf(input, ctx);
      const list = entries(input, "Entries");
      const result = await queues.sendBatch(
        record.arn,
        list.map((entry) => ({ id: String(entry.Id ?? ""), value: outgoing(entry, ctx) })),
      );
      return {
        Successful: result.successful.map((s) => ({ Id: s.id, ...sentOut(s) })),
        Failed: result.failed.map(failedOut),
      };
    },
    async ReceiveMessage(input, ctx) {
      const record = await queueOf(input, ctx);
      const max = int(input, "MaxNumberOfMessages") ?? 1;
      const visibility = int(input, "VisibilityTimeout");
      const wait = int(input, "WaitTimeSeconds");
      const request: Parameters<QueueService["receive"]>[1] = { max };
      if (visibility !== undefined)
        request.visibilityMs =
          checkSeconds("VisibilityTimeout", visibility, QUEUE_LIMITS.maxVisibilitySeconds) * 1000;
      if (wait !== undefined)
        request.waitMs = checkSeconds("WaitTimeSeconds", wait, QUEUE_LIMITS.maxWaitSeconds) * 1000;
      const attemptId = str(input, "ReceiveRequestAttemptId");
      if (attemptId !== undefined) request.attemptId = attemptId;
      const systemNames = [
        ...strings(input, "AttributeNames"),
        ...strings(input, "MessageSystemAttributeNames"),
      ];
      for (const name of systemNames)
        if (!SYSTEM_ATTRIBUTE_NAMES.includes(name)) throw queueError.invalidAttributeName(name);
      const attributeNames = strings(input, "MessageAttributeNames");
      const messages = await queues.receive(record.arn, request);
      if (messages.length === 0) return {};
      return { Messages: messages.map((m) => messageOut(m, systemNames, attributeNames)) };
    },
    async DeleteMessage(input, ctx) {
      const record = await queueOf(input, ctx);
      await queues.delete(record.arn, str(input, "ReceiptHandle", true));
      return undefined;
    },
    async DeleteMessageBatch(input, ctx) {
      const record = await queueOf(input, ctx);
      const list = entries(input, "Entries").map((entry) => ({
        id: String(entry.Id ?? ""),
        value: str(entry, "ReceiptHandle", true),
      }));
      const result = await queues.deleteBatch(record.arn, list);
      return {
        Successful: result.successful.map((s) => ({ Id: s.id })),
        Failed: result.failed.map(failedOut),
      };
    },
    async ChangeMessageVisibility(input, ctx) {
      const record = await queueOf(input, ctx);
      const seconds = int(input, "VisibilityTimeout");
      if (seconds === undefined) throw queueError.missingParameter("VisibilityTimeout");
      await queues.changeVisibility(record.arn, str(input, "ReceiptHandle", true), seconds);
      return undefined;
    },
    async ChangeMessageVisibilityBatch(input, ctx) {
      const record = await queueOf(input, ctx);
      const list = entries(input, "Entries").map((entry) => ({
        id: String(entry.Id ?? ""),
        value: {
          receiptHandle: str(entry, "ReceiptHandle", true),
          seconds: int(entry, "VisibilityTimeout") ?? 0,
        },
      }));
      const result = await queues.changeVisibilityBatch(record.arn, list);
      return {
        Successful: result.successful.map((s) => ({ Id: s.id })),
        Failed: result.failed.map(failedOut),
      };
    },
  };
}

function outgoing(input: SqsInput, ctx: SqsContext): OutgoingMessage {
  const message: OutgoingMessage = { body: str(input, "MessageBody") ?? "" };
  const attributes = messageAttributes(input, "MessageAttributes");
  if (Object.keys(attributes).length > 0) message.attributes = attributes;
  const system = messageAttributes(input, "MessageSystemAttributes");
  if (Object.keys(system).length > 0) message.systemAttributes = system;
  const delay = int(input, "DelaySeconds");
  if (delay !== undefined) message.delaySeconds = delay;
  const group = str(input, "MessageGroupId");
  if (group !== undefined) message.groupId = group;
  const dedup = str(input, "MessageDeduplicationId");
  if (dedup !== undefined) message.dedupId = dedup;
  if (ctx.senderId !== undefined) message.senderId = ctx.senderId;
  return message;
}

function sentOut(sent: {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes: string | undefined;
  md5OfMessageSystemAttributes: string | undefined;
  sequenceNumber: string | undefined;
}): Record<string, unknown> {
  const out: Record<string, unknown> = { MessageId: sent.messageId, MD5OfMessageBody: sent.md5OfBody };
  if (sent.md5OfMessageAttributes !== undefined) out.MD5OfMessageAttributes = sent.md5OfMessageAttributes;
  if (sent.md5OfMessageSystemAttributes !== undefined)
    out.MD5OfMessageSystemAttributes = sent.md5OfMessageSystemAttributes;
  if (sent.sequenceNumber !== undefined) out.SequenceNumber = sent.sequenceNumber;
  return out;
}

function failedOut(failure: { id: string; code: string; message: string; senderFault: boolean }) {
  return { Id: failure.id, SenderFault: failure.senderFault, Code: failure.code, Message: failure.message };
}

/** A received message with only the requested system and message attributes (and their MD5). */
function messageOut(message: QueueMessage, systemNames: string[], attributeNames: string[]) {
  const out: Record<string, unknown> = {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
  };
  const all = systemNames.includes("All");
  const system: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.attributes))
    if (value !== undefined && (all || systemNames.includes(name))) system[name] = value;
  if (Object.keys(system).length > 0) out.Attributes = system;
  const chosen: MessageAttributes = {};
  for (const [name, value] of Object.entries(message.messageAttributes))
    if (attributeNames.some((pattern) => matchesAttribute(pattern, name))) chosen[name] = value;
  const md5 = md5OfAttributes(chosen);
  if (md5 !== undefined) {
    out.MD5OfMessageAttributes = md5;
    out.MessageAttributes = attributesOut(chosen);
  }
  return out;
}

/** `All`, `.*`, an exact name, or a prefix ending in `.*` (ReceiveMessage MessageAttributeNames). */
function matchesAttribute(pattern: string, name: string): boolean {
  if (pattern === "All" || pattern === ".*") return true;
  if (pattern.endsWith(".*")) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

function decodeToken(token: string): string {
  const name = Buffer.from(token, "base64").toString("utf8");
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(name))
    throw queueError.invalidParameterValue("Invalid NextToken value.");
  return name;
}
