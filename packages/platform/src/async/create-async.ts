import type { Registry } from "prom-client";
import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import type { RestRouter } from "../aws/rest-router.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Targets } from "../core/targets.js";
import type { FunctionService } from "../functions/index.js";
import type { Invoker } from "../invoke/index.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import type { QueueStore } from "../storage/queue-store.js";
import { AsyncEvents } from "./async-events.js";
import { AsyncMetrics } from "./async-metrics.js";
import { AsyncDispatcher } from "./dispatcher.js";
import { EventInvokeConfigService } from "./event-invoke-config.js";
import { addEventInvokeConfigRoutes } from "./event-invoke-config-api.js";
import { ASYNC_QUEUE_ID, type AsyncMessageMeta } from "./event-types.js";
import { FailureStore } from "./failure-store.js";
import { createFailuresApi } from "./failures-api.js";
import { Settler } from "./settler.js";

/** The `async` section of the configuration (core/config.ts). */
export interface AsyncConfig {
  retryDelayScale: number;
  maxParallel: number;
  maxEventPayloadBytes: number;
  maxInvokeAsyncPayloadBytes: number;
}

export interface AsyncDeps {
  config: AsyncConfig;
  queueStore: QueueStore;
  metadata: MetadataStore;
  functions: FunctionService;
  invoker: Invoker;
  targets: Targets;
  clock: Clock;
  logger: Logger;
  /** Where `nimbus_async_*` metrics go (the server's Prometheus registry). */
  registry?: Registry;
  /**
   * Checks a failure-store API request (the server's SigV4 check when auth is on); throws the
   * AWS error when it is not allowed. Absent: every request is allowed.
   */
  verifyRequest?: (req: AwsRequest) => void;
}

/** Asynchronous invocation, assembled: what server.ts wires. */
export interface AsyncInvocation {
  /** For addInvokeRoutes: Invoke Event and InvokeAsync. */
  events: AsyncEvents;
  /** Adds the FunctionEventInvokeConfig operations to the Lambda router. */
  addRoutes(router: RestRouter): void;
  /** The failure store's Nimbus API (a NimbusRoute). */
  failuresRoute: (req: AwsRequest) => Promise<HttpResult | undefined>;
  /** For `/_nimbus/health`. */
  health(): Record<string, number>;
  /** Runs events left from before (releasing this node's old leases) and starts dispatching. */
  start(): Promise<void>;
  /** Stops dispatching; waits at most `graceMs` for events in flight. */
  close(graceMs: number): Promise<void>;
}

/**
 * Builds asynchronous invocation and registers the "lambda" target (destinations and topic
 * subscriptions that are functions become async invocations).
 */
export function createAsync(deps: AsyncDeps): AsyncInvocation {
  const { clock, logger, functions } = deps;
  const metrics = new AsyncMetrics(
    deps.registry,
    () => deps.queueStore.counts(ASYNC_QUEUE_ID, clock.now()),
    async () => {
      const [first] = await deps.queueStore.peek(ASYNC_QUEUE_ID, { limit: 1 });
      return (first?.meta as AsyncMessageMeta | undefined)?.acceptedAt;
    },
    () => clock.now(),
  );
  const configs = new EventInvokeConfigService(deps.metadata, functions, deps.targets, clock);
  const failures = new FailureStore(deps.metadata);
  const settler = new Settler({ functions, configs, targets: deps.targets, failures, logger, metrics });
  const dispatcher = new AsyncDispatcher({
    store: deps.queueStore,
    invoker: deps.invoker,
    functions,
    configs,
    settler,
    clock,
    logger,
    metrics,
    maxParallel: deps.config.maxParallel,
    retryDelayScale: deps.config.retryDelayScale,
  });
  const events = new AsyncEvents({
    store: deps.queueStore,
    functions,
    clock,
    metrics,
    onAccepted: () => dispatcher.wake(),
    maxEventPayloadBytes: deps.config.maxEventPayloadBytes,
    maxInvokeAsyncPayloadBytes: deps.config.maxInvokeAsyncPayloadBytes,
  });
  deps.targets.register("lambda", events.deliverToFunction);
  return {
    events,
    addRoutes: (router) => addEventInvokeConfigRoutes(router, configs, functions),
    failuresRoute: createFailuresApi(failures, events, deps.verifyRequest ?? (() => undefined)),
    health: () => ({ ...metrics.snapshot(), inFlight: dispatcher.inFlight }),
    async start() {
      const counts = await deps.queueStore.counts(ASYNC_QUEUE_ID, clock.now());
      metrics.startDepth(counts.visible + counts.inFlight + counts.delayed);
      await dispatcher.start();
    },
    close: (graceMs) => dispatcher.close(graceMs),
  };
}
