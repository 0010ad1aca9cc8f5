export { createSources, DEFAULT_SCALING, type Sources, type SourcesDeps } from "./create-sources.js";
export { SOURCES_ERRORS, sourcesError } from "./errors.js";
export type { MappingRecord } from "./mapping-model.js";
export type {
  MappedQueue,
  PolledMessage,
  PolledMessageAttribute,
  PollOptions,
  QueuePort,
} from "./sqs/queue-port.js";
