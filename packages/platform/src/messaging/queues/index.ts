export { createQueues, type Queues, type QueuesDeps } from "./create-queues.js";
export { QUEUE_ERRORS } from "./errors.js";
export type { MessageAttribute, MessageAttributes } from "./message-format.js";
export type { QueueService } from "./queue-service.js";
export type {
  OutgoingMessage,
  QueueDescription,
  QueueMessage,
  ReceiveRequest,
  SentMessage,
} from "./queue-types.js";
