import type { JsonRpcService } from "../aws/json-rpc.js";
import type { AccountScope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import { SqliteMetadataStore } from "../storage/sqlite/sqlite-metadata-store.js";
import { createSfnApi } from "./api/sfn-api.js";
import { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from "./engine/index.js";
import { ExecutionLogWriter, type LogLineSink } from "./executions/execution-logs.js";
import { ExecutionRunner } from "./executions/execution-runner.js";
import type { ServiceIntegrationPorts } from "./executions/service-integrations.js";
import { TaskDispatcher } from "./executions/task-dispatch.js";
import type { FunctionInvoker } from "./executions/task-invocation.js";
import { AliasService } from "./service/alias-service.js";
import { ExecutionService } from "./service/execution-service.js";
import { MachineTargets } from "./service/machine-targets.js";
import { StateMachineService } from "./service/state-machine-service.js";
import { TagService } from "./service/tag-service.js";
import { testState } from "./service/test-state.js";
import { VersionService } from "./service/version-service.js";

export interface WorkflowsDeps {
  store: MetadataStore;
  /** The one invoke path (`Invoker`). */
  invoker: FunctionInvoker;
  /** Queues, topics and buses for `sqs:sendMessage`, `sns:publish`, `events:putEvents` tasks. */
  services: ServiceIntegrationPorts;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  /** Execution logs (loggingConfiguration) go here: the observe area's LogSink. */
  logs?: LogLineSink;
  /** Quotas: `workflows` section of the config. AWS's defaults when absent. */
  limits?: WorkflowLimits;
  /** Picks an alias's version by weight; Math.random by default. */
  random?: () => number;
}

export interface WorkflowLimits {
  /** Standard executions fail with States.Runtime at this many history events (25,000). */
  maxHistoryEvents: number;
  /** Execution input, state input/output and task results, in UTF-8 bytes (262,144). */
  maxPayloadBytes: number;
}

export interface Workflows {
  /** The Step Functions API, to hand to the front door's JSON services. */
  api: JsonRpcService;
  /** Resumes every RUNNING Standard execution (call once the invoker is ready). */
  start(): Promise<void>;
  /** Stops timers and waits for steps being stored. Close before the invoker and the store. */
  close(): Promise<void>;
}

/**
 * The workflow service: Standard executions are durable in `store`; Express executions run in
 * an in-memory store and keep no history.
 */
export function createWorkflows(deps: WorkflowsDeps): Workflows {
  const machines = new StateMachineService(deps.store, deps.scope, deps.clock);
  const targets = new MachineTargets(
    deps.store,
    machines,
    new VersionService(deps.store, deps.clock),
    new AliasService(deps.store, deps.clock, deps.random ?? Math.random),
  );
  // The dispatcher reaches the execution service (nested executions) once it exists.
  let executions: ExecutionService | undefined;
  const tasks = new TaskDispatcher({
    invoker: deps.invoker,
    services: deps.services,
    nested: () => {
      if (!executions) throw new Error("workflow service used before it was built");
      return executions;
    },
  });
  const limits = deps.limits ?? { maxHistoryEvents: MAX_HISTORY_EVENTS, maxPayloadBytes: MAX_PAYLOAD_BYTES };
  const standard = new ExecutionRunner({
    ...runnerDeps(deps, tasks),
    store: deps.store,
    durable: true,
    limits,
  });
  const expressStore = new SqliteMetadataStore(":memory:");
  // Express executions keep no history, so only the payload quota applies to them.
  const express = new ExecutionRunner({
    ...runnerDeps(deps, tasks),
    store: expressStore,
    durable: false,
    limits: { maxHistoryEvents: Number.POSITIVE_INFINITY, maxPayloadBytes: limits.maxPayloadBytes },
  });
  executions = new ExecutionService({
    targets,
    standard,
    express,
    store: deps.store,
    scope: deps.scope,
    logger: deps.logger,
    maxPayloadBytes: limits.maxPayloadBytes,
  });
  return {
    api: createSfnApi(
      targets,
      executions,
      (request) => testState(request, { tasks, clock: deps.clock, scope: deps.scope, limits }),
      new TagService(deps.store, machines),
    ),
    async start() {
      const resumed = await standard.resumeAll();
      if (resumed > 0) deps.logger.info({ resumed }, "resumed running workflow executions");
    },
    async close() {
      await standard.close();
      await express.close();
      await expressStore.close();
    },
  };
}

function runnerDeps(deps: WorkflowsDeps, tasks: TaskDispatcher) {
  return {
    tasks,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.logs && { logs: new ExecutionLogWriter(deps.logs) }),
  };
}
