import type { JsonRpcService } from "../../aws/json-rpc.js";
import type { QueryService } from "../../aws/query-protocol.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { TargetHandler } from "../../core/targets.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { QueueStore } from "../../storage/queue-store.js";
import type { MessageAttributes } from "./message-format.js";
import { QueueAdmin } from "./queue-admin.js";
import { QueueRegistry } from "./queue-registry.js";
import { QueueService } from "./queue-service.js";
import type { OutgoingMessage } from "./queue-types.js";
import { createSqsJsonApi } from "./sqs-json-api.js";
import { createSqsOperations } from "./sqs-operations.js";
import { createSqsQueryApi } from "./sqs-query-api.js";

export interface QueuesDeps {
  /** Queue definitions (documents of kind `sqs-queue`). */
  metadata: MetadataStore;
  /** Messages. */
  store: QueueStore;
  clock: Clock;
  scope: AccountScope;
}

export interface Queues {
  /** Message operations for other areas (event source mappings, destinations, topics). */
  service: QueueService;
  /** SQS over awsJson1_0, for the front door's `jsonServices`. */
  jsonApi: JsonRpcService;
  /** SQS over awsQuery, for the front door's `queryServices`. */
  queryApi: QueryService;
  /** The Targets handler for `arn:aws:sqs:...` (register as "sqs"). */
  targetHandler: TargetHandler;
  /** Releases long polls; close before the stores. */
  close(): void;
}

/** The queues area: SQS's API on both protocols over one QueueService. */
export function createQueues(deps: QueuesDeps): Queues {
  const registry = new QueueRegistry(deps.metadata, deps.scope, deps.clock);
  const service = new QueueService(registry, deps.store, deps.clock);
  const admin = new QueueAdmin(registry, service, deps.store, deps.clock);
  const operations = createSqsOperations(admin, service);
  return {
    service,
    jsonApi: createSqsJsonApi(operations),
    queryApi: createSqsQueryApi(operations),
    targetHandler: async (arn, message) => {
      const outgoing: OutgoingMessage = { body: message.body };
      if (message.attributes && Object.keys(message.attributes).length > 0) {
        const attributes: MessageAttributes = {};
        for (const [name, a] of Object.entries(message.attributes)) {
          const attribute: MessageAttributes[string] = { dataType: a.dataType };
          if (a.stringValue !== undefined) attribute.stringValue = a.stringValue;
          if (a.binaryValue !== undefined) attribute.binaryValue = a.binaryValue.toString("base64");
          attributes[name] = attribute;
        }
        outgoing.attributes = attributes;
      }
      if (message.groupId !== undefined) outgoing.groupId = message.groupId;
      if (message.dedupId !== undefined) outgoing.dedupId = message.dedupId;
      await service.send(arn, outgoing);
    },
    close: () => service.close(),
  };
}
