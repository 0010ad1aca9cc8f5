import { mkdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createAsync } from "./async/index.js";
import { Authenticator } from "./aws/authenticator.js";
import { FrontDoor, type NimbusRoute } from "./aws/front-door.js";
import { RestRouter } from "./aws/rest-router.js";
import { type Clock, systemClock } from "./core/clock.js";
import { type NimbusConfig, type NimbusOptions, parseConfig } from "./core/config.js";
import { FunctionCredentials } from "./core/function-credentials.js";
import { createLogger, type Logger } from "./core/logger.js";
import { Targets } from "./core/targets.js";
import { createEvents } from "./events/index.js";
import {
  AliasService,
  addAliasRoutes,
  addConcurrencyRoutes,
  addLambdaControlRoutes,
  addLayerRoutes,
  addPermissionRoutes,
  CodeStore,
  FunctionService,
  LayerService,
  PermissionService,
  Reservations,
} from "./functions/index.js";
import { createFunctionUrls, createHttpApis, createLoadBalancers, createRestApis } from "./gateway/index.js";
import { addInvokeRoutes, addProvisionedRoutes, Invoker, ProvisionedConcurrency } from "./invoke/index.js";
import { createQueues } from "./messaging/index.js";
import { createTopics } from "./messaging/topics/index.js";
import { createObjects } from "./objects/index.js";
import { createLogsApi, LogSink, Metrics } from "./observe/index.js";
import { EnvironmentPool } from "./sandbox/index.js";
import {
  CodeLinks,
  internalRequest,
  jsonBody,
  lockDataDir,
  prepareHost,
  runtimeNote,
} from "./server-support.js";
import { createSources } from "./sources/index.js";
import { AwsCalls } from "./stacks/aws-calls.js";
import { createDeployments } from "./stacks/deployments/index.js";
import { createStacks } from "./stacks/index.js";
import type { GradualDeployments } from "./stacks/model.js";
import { FsBlobStore } from "./storage/fs/fs-blob-store.js";
import { SqliteLogStore } from "./storage/sqlite/sqlite-log-store.js";
import { SqliteMetadataStore } from "./storage/sqlite/sqlite-metadata-store.js";
import { SqliteQueueStore } from "./storage/sqlite/sqlite-queue-store.js";
import { createWorkflows, servicePortsFromApis } from "./workflow/index.js";

export const NIMBUS_VERSION = "0.1.0";

/** The dated path prefixes of Lambda's REST API (lambda-api.md section 3). */
const LAMBDA_PATH_PREFIXES = [
  "2014-11-13",
  "2015-03-31",
  "2016-08-19",
  "2017-03-31",
  "2017-10-31",
  "2018-10-31",
  "2019-09-25",
  "2019-09-30",
  "2021-10-31",
  "2021-11-15",
];

/** Folder of the in-sandbox runtimes (`node/`, `python/`), beside this package. */
const RUNTIMES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../runtimes");

export interface StartOptions {
  config?: NimbusOptions;
  clock?: Clock;
  logger?: Logger;
}

export interface NimbusServer {
  /** `http://host:port` of the listener. */
  readonly url: string;
  readonly port: number;
  readonly config: Readonly<NimbusConfig>;
  /** In-process calls of every API operation (what stack deploys apply resources through). */
  readonly api: AwsCalls;
  /** Gradual alias updates (CodeDeploy semantics) that stack deploys use. */
  readonly gradual: GradualDeployments;
  /** Everything `/_nimbus/health` reports. */
  health(): Record<string, unknown>;
  /** Stops accepting requests, lets running invocations finish (bounded), then shuts down. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * The composition root: config -> instances -> listener. `close()` undoes it in reverse. One
 * server at a time owns a data directory (`nimbus.lock`): a second one is refused.
 */
export async function startServer(options: StartOptions = {}): Promise<NimbusServer> {
  const config = parseConfig(options.config ?? {});
  const dataDir = resolve(config.server.dataDir);
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  try {
    return await startLocked(options, config, dataDir, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

async function startLocked(
  options: StartOptions,
  config: NimbusConfig,
  dataDir: string,
  unlock: () => Promise<void>,
): Promise<NimbusServer> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level);
  const { scratchDir, driver, warnings, interpreters, precompiled, nodeModules, sdkEntries } =
    await prepareHost(config, dataDir, RUNTIMES_DIR, logger);
  const functionCredentials = new FunctionCredentials();
  const scope = { region: config.account.region, accountId: config.account.accountId };
  const metadata = new SqliteMetadataStore(join(dataDir, "nimbus.db"));
  // Durable messages of every queue: user queues (messaging/) and Nimbus's internal ones (async/).
  const queueStore = new SqliteQueueStore(join(dataDir, "queues.db"));
  // ARN-addressed delivery between areas: each registers the service it receives for.
  const targets = new Targets();
  const blobs = new FsBlobStore(join(dataDir, "blobs"));
  const logStore = new SqliteLogStore(join(dataDir, "logs.db"), clock);
  const logSink = new LogSink(logStore, clock, {
    onError: (error) => logger.error({ err: error }, "function log lines could not be stored"),
  });
  const code = new CodeStore(join(dataDir, "code"), blobs, config.functions);
  const functions = new FunctionService(metadata, code, scope, clock, Math.random, config.functions);
  const reservations = new Reservations(functions, {
    accountConcurrency: config.functions.accountConcurrency,
    minimumUnreserved: 100,
  });
  const pool = new EnvironmentPool(clock, config.sandbox.idleTimeoutMs);
  // Gauges read the invoker, created just below, only when scraped.
  let invokerRef: Invoker | undefined;
  const metrics = new Metrics({
    environments: () => pool.stats(),
    concurrentExecutions: () => invokerRef?.concurrency ?? 0,
    prestarted: () => {
      const stats = invokerRef?.prestart?.stats() as
        | { families?: Record<string, { ready: number; target: number }> }
        | undefined;
      if (!stats?.families) return undefined;
      const all = Object.values(stats.families);
      return { ready: all.reduce((n, f) => n + f.ready, 0), target: all.reduce((n, f) => n + f.target, 0) };
    },
  });
  let endpoint = "";
  const invoker = new Invoker({
    functions,
    reservations,
    code,
    driver,
    pool,
    logs: logSink,
    clock,
    logger,
    scope,
    interpreters,
    runtimesDir: RUNTIMES_DIR,
    endpointUrl: () => endpoint,
    credentials: functionCredentials,
    slotsDir: join(dataDir, "slots"),
    prestart: config.sandbox.prestart,
    metrics,
    sdk: sdkEntries.length > 0 ? { nodeModules, entries: sdkEntries } : undefined,
    limits: {
      accountConcurrency: config.functions.accountConcurrency,
      maxResponseBytes: config.functions.maxSyncResponseBytes,
      initTimeoutMs: config.sandbox.initTimeoutMs,
      maxProcesses: config.sandbox.maxProcesses,
      functionNice: config.sandbox.functionNice,
    },
  });

  invokerRef = invoker;
  const workflows = createWorkflows({
    store: metadata,
    invoker,
    // Queue, topic and bus tasks call those APIs in-process (built below; used once running).
    services: servicePortsFromApis(
      { sqs: () => queues.jsonApi, sns: () => topics.api, events: () => events.api },
      () => ({ ...internalRequest(scope), origin: endpoint }),
    ),
    clock,
    scope,
    logger,
    limits: config.workflows,
    logs: logSink,
  });
  const codeLinks = new CodeLinks(clock);
  const lambda = new RestRouter();
  addLambdaControlRoutes(lambda, {
    functions,
    limits: config.functions,
    codeUrl: (req, codeKey) => codeLinks.url(req.origin, codeKey),
    reservations,
    runtimeNote: (runtime) => runtimeNote(runtime, interpreters),
  });
  addAliasRoutes(lambda, new AliasService(metadata, functions), functions);
  addPermissionRoutes(lambda, new PermissionService(metadata, functions, logger));
  addLayerRoutes(lambda, {
    layers: new LayerService(metadata, code, scope, clock),
    codeUrl: (req, codeKey) => codeLinks.url(req.origin, codeKey),
  });
  addConcurrencyRoutes(lambda, functions, reservations);
  const provisioned = new ProvisionedConcurrency(metadata, functions, invoker, clock, logger);
  addProvisionedRoutes(lambda, provisioned, functions);
  const authenticator = new Authenticator(config.auth, scope, clock, functionCredentials);
  const asyncInvocation = createAsync({
    config: config.async,
    queueStore,
    metadata,
    functions,
    invoker,
    targets,
    clock,
    logger,
    registry: metrics.registry,
    verifyRequest: (req) => authenticator.verify(req),
  });
  addInvokeRoutes(lambda, invoker, config.functions, asyncInvocation.events);
  asyncInvocation.addRoutes(lambda);
  const functionUrls = createFunctionUrls({
    functions,
    invoker,
    store: metadata,
    clock,
    scope,
    auth: config.auth,
    maxPayloadBytes: config.functions.maxSyncPayloadBytes,
    logger,
  });
  functionUrls.addRoutes(lambda);
  // HTTP APIs (API Gateway v2): management API under /v2, data plane by Host or path prefix.
  const httpApis = createHttpApis({
    store: metadata,
    invoker,
    clock,
    scope,
    logger,
    integrationTimeoutMs: config.gateway.integrationTimeoutMs,
    maxPayloadBytes: config.functions.maxSyncPayloadBytes,
    accessLog: (group, stream, timestamp, message) => logSink.append(group, stream, timestamp, message),
  });
  // REST APIs (API Gateway v1): management API under /restapis, /apikeys, /usageplans; data plane
  // by Host or path prefix (docs/rest-apis.md).
  const restApis = createRestApis({
    store: metadata,
    invoker,
    clock,
    scope,
    logger,
    accessLog: (group, stream, timestamp, message) => logSink.append(group, stream, timestamp, message),
    auth: config.auth,
    // AWS integrations call Step Functions, SQS and SNS in-process (`api` is built after the front door).
    services: () => api,
  });
  // Application load balancers (ELBv2 subset, awsQuery) with Lambda targets (docs/load-balancers.md).
  const loadBalancers = createLoadBalancers({ store: metadata, invoker, clock, scope, logger });
  // SQS queues; their QueueService (queues.service) is what other areas consume queues through.
  const queues = createQueues({ metadata, store: queueStore, clock, scope });
  targets.register("sqs", queues.targetHandler);
  // Event source mappings: their Lambda API and the queue pollers (docs/event-source-mappings.md).
  const sources = createSources({
    store: metadata,
    functions,
    invoker,
    queues: queues.service,
    clock,
    logger,
    scope,
    maxPayloadBytes: config.functions.maxSyncPayloadBytes,
    scaling: { initial: config.sources.initialConcurrency, defaultMax: config.sources.maxConcurrency },
  });
  sources.addRoutes(lambda);
  const topics = createTopics({
    store: metadata,
    queues: queueStore,
    targets,
    clock,
    scope,
    logger,
    endpointUrl: () => endpoint,
  });
  targets.register("sns", topics.deliver);
  // Buckets (S3): key index and bytes under <dataDir>/objects, notifications through targets (docs/buckets.md).
  const objects = createObjects({
    dir: join(dataDir, "objects"),
    targets,
    clock,
    scope,
    logger,
    functionExists: async (arn) => {
      await functions.getConfig(arn);
    },
  });
  // Event buses, rules, scheduled rules and EventBridge Scheduler (docs/event-buses.md, docs/schedules.md).
  const events = createEvents({
    metadata,
    queueStore,
    targets,
    clock,
    scope,
    logger,
    config: config.events,
  });
  targets.register("events", events.targetHandler);
  // Rule and schedule targets that are state machines start an execution (StartExecution's own checks).
  targets.register("states", async (arn, message) => {
    await workflows.api.operations.StartExecution?.(
      { stateMachineArn: arn, input: message.body },
      internalRequest(scope),
    );
  });

  // Gradual deployments: CodeDeploy API, CloudWatch alarms on the invocation metrics (docs/gradual-deployments.md).
  const deployments = createDeployments({ metadata, metrics, clock, logger, scope, api: () => api });
  // Stack deploys (CloudFormation API, SAM): resources applied through the APIs in-process (docs/stacks.md).
  const stacks = createStacks({
    metadata,
    api: () => api,
    clock,
    logger,
    scope,
    config: config.stacks,
    gradual: deployments.gradual,
  });

  const startedAt = clock.now();
  const health = () => ({
    status: "ok",
    version: NIMBUS_VERSION,
    uptimeMs: clock.now() - startedAt,
    endpoint,
    account: { accountId: scope.accountId, region: scope.region },
    sandbox: { driver: driver.name, isolated: driver.isolated, enforces: driver.enforces },
    warnings,
    runtimes: {
      node: interpreters.node ? { path: interpreters.node.path, version: interpreters.node.version } : null,
      python: interpreters.python
        ? { path: interpreters.python.path, version: interpreters.python.version }
        : null,
    },
    environments: pool.stats(),
    prestarted: invoker.prestart?.stats() ?? null,
    concurrentExecutions: invoker.concurrency,
    throttles: invoker.throttleCount,
    async: asyncInvocation.health(),
    // Concurrent batches of each running event source mapping, by UUID.
    eventSourceMappings: sources.stats(),
    objects: objects.health(),
    auth: config.auth.enabled ? "sigv4-verified" : "any-credentials",
  });
  const nimbusRoutes: NimbusRoute[] = [
    asyncInvocation.failuresRoute,
    async (req) => (req.rawPath === "/_nimbus/health" ? jsonBody(200, health()) : undefined),
    async (req) => {
      if (req.rawPath !== "/_nimbus/metrics") return undefined;
      const { contentType, body } = await metrics.render();
      return { status: 200, headers: { "content-type": contentType }, body };
    },
    async (req) => codeLinks.serve(req, blobs),
    topics.route,
  ];

  const frontDoor = new FrontDoor({
    restServices: [
      {
        signingName: "scheduler",
        pathPrefixes: events.schedulerPathPrefixes,
        router: events.schedulerRouter,
      },
      {
        signingName: "lambda",
        pathPrefixes: LAMBDA_PATH_PREFIXES,
        router: lambda,
      },
      { signingName: "apigateway", pathPrefixes: ["v2"], router: httpApis.router },
      { signingName: "apigateway", pathPrefixes: restApis.pathPrefixes, router: restApis.router },
    ],
    jsonServices: [
      createLogsApi(logStore, clock),
      workflows.api,
      queues.jsonApi,
      events.api,
      deployments.codeDeployApi,
    ],
    queryServices: [topics.api, queues.queryApi, loadBalancers.api, deployments.cloudWatchApi, stacks.api],
    nimbusRoutes,
    trafficRoutes: [
      functionUrls.route,
      httpApis.route,
      restApis.route,
      loadBalancers.route,
      topics.linksRoute,
    ],
    streamingService: objects.api,
    authenticator,
    maxBodyBytes: config.server.maxBodyBytes,
    logger,
  });
  const api = new AwsCalls(frontDoor, scope, () => endpoint);
  // Stacks a restart interrupted are marked failed before any client can see them in progress.
  await stacks.start();
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, frontDoor.handle);
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  for (const warning of warnings) logger.warn(warning);
  await provisioned.restore();
  await workflows.start();
  await asyncInvocation.start();
  await topics.start();
  await objects.start();
  await sources.start();
  await events.start();
  await deployments.start();
  const families = [interpreters.node ? "node" : undefined, interpreters.python ? "python" : undefined];
  invoker.prestart?.warm(families.filter((f): f is string => f !== undefined));
  logger.info({ endpoint, sandbox: driver.name, dataDir }, "nimbus is ready");

  let closing: Promise<void> | undefined;
  return {
    url: endpoint,
    port,
    config,
    api,
    gradual: deployments.gradual,
    health,
    close: (closeOptions = {}) => {
      closing ??= (async () => {
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        // Pollers stop first: no new batches, and their long polls end with the others.
        sources.close();
        // Running stack operations end (bounded) while the services they call are still up.
        await stacks.close(closeOptions.graceMs ?? 10_000);
        deployments.close();
        // Long polls return now, so their connections can close.
        queues.close();
        // Schedules stop firing and deliveries finish before the areas they deliver to close.
        await events.close();
        await topics.close();
        await workflows.close();
        await asyncInvocation.close(closeOptions.graceMs ?? 10_000);
        await invoker.drain(closeOptions.graceMs ?? 10_000);
        await invoker.prestart?.close();
        await pool.close();
        await sources.idle();
        server.closeAllConnections();
        await stopped;
        // After the listener: uploads in flight finish writing first.
        await objects.close();
        await functionUrls.service.idle();
        await logSink.close();
        await Promise.all([metadata.close(), queueStore.close(), logStore.close(), blobs.close()]);
        await driver.close();
        await precompiled;
        await rm(scratchDir, { recursive: true, force: true });
        await unlock();
      })();
      return closing;
    },
  };
}
