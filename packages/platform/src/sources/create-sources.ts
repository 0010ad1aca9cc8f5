import type { RestRouter } from "../aws/rest-router.js";
import type { AccountScope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { FunctionService } from "../functions/index.js";
import type { InvokeRequest, InvokeResult } from "../invoke/index.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import { addMappingRoutes } from "./mapping-api.js";
import { MappingService } from "./mapping-service.js";
import { queuePortOf, type SqsQueueService } from "./sqs/queue-service-port.js";
import type { PollerScaling } from "./sqs/sqs-poller.js";
import { SqsPollers } from "./sqs/sqs-pollers.js";

export interface SourcesDeps {
  store: MetadataStore;
  functions: FunctionService;
  /** The one invoke path (`Invoker`). */
  invoker: { invoke(req: InvokeRequest): Promise<InvokeResult> };
  /** The messaging area's QueueService. */
  queues: SqsQueueService;
  clock: Clock;
  logger: Logger;
  scope: AccountScope;
  /** The synchronous invoke payload limit (a batch stays under it). */
  maxPayloadBytes: number;
  /** Concurrent batches per mapping (docs/event-source-mappings.md, Scaling). */
  scaling?: Partial<PollerScaling>;
}

export interface Sources {
  readonly mappings: MappingService;
  /** Adds the event source mapping operations to Lambda's REST router. */
  addRoutes(router: RestRouter): void;
  /** Starts a poller for every enabled mapping (call once the invoker and queues are ready). */
  start(): Promise<void>;
  /** Stops polling at once (long polls end); received messages return after their visibility. */
  close(): void;
  /** Resolves when in-flight batches have ended (after `close`, before the stores close). */
  idle(): Promise<void>;
  stats(): Record<string, number>;
}

/** Defaults for one machine: start with 2 concurrent batches, grow to 20 while messages remain. */
export const DEFAULT_SCALING: PollerScaling = { initial: 2, defaultMax: 20 };

/** Event source mappings: the Lambda API for them and the pollers that run them. */
export function createSources(deps: SourcesDeps): Sources {
  const queues = queuePortOf(deps.queues);
  const mappings = new MappingService(deps.store, deps.functions, queues, deps.scope, deps.clock);
  // LastProcessingResult writes run beside the pollers; close waits for them before the store goes.
  const writes = new Set<Promise<void>>();
  const pollers = new SqsPollers(
    {
      queues,
      invoke: (functionArn, payload) =>
        deps.invoker.invoke({
          functionName: functionArn,
          qualifier: undefined,
          payload,
          tailLog: false,
          clientContext: undefined,
          dryRun: false,
        }),
      functionTimeoutSec: async (functionArn) =>
        (await deps.functions.resolve(functionArn, undefined)).config.timeoutSec,
      onResult: (uuid, result) => {
        const write = mappings
          .setLastProcessingResult(uuid, result)
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, mapping: uuid }, "LastProcessingResult not stored"),
          )
          .finally(() => writes.delete(write));
        writes.add(write);
      },
      clock: deps.clock,
      logger: deps.logger,
      region: deps.scope.region,
      maxPayloadBytes: deps.maxPayloadBytes,
      scaling: { ...DEFAULT_SCALING, ...deps.scaling },
    },
    deps.logger,
  );
  let started = false;
  mappings.onChange((uuid, record) => {
    if (started) pollers.apply(uuid, record);
  });
  return {
    mappings,
    addRoutes: (router) => addMappingRoutes(router, mappings),
    async start() {
      started = true;
      for (const record of await mappings.all()) pollers.apply(record.uuid, record);
    },
    close: () => pollers.close(),
    async idle() {
      await pollers.idle();
      while (writes.size > 0) await Promise.all([...writes]);
    },
    stats: () => pollers.stats(),
  };
}
