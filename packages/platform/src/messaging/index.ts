export {
  createQueues,
  type MessageAttribute,
  type MessageAttributes,
  type OutgoingMessage,
  QUEUE_ERRORS,
  type QueueDescription,
  type QueueMessage,
  type QueueService,
  type Queues,
  type QueuesDeps,
  type ReceiveRequest,
  type SentMessage,
} from "./queues/index.js";
