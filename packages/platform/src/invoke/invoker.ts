import { randomUUID } from "node:crypto";
import type { AccountScope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { FunctionCredentials } from "../core/function-credentials.js";
import type { Logger } from "../core/logger.js";
import type { CodeStore, FunctionConfig, FunctionService, Reservations } from "../functions/index.js";
import type { LogSink, Metrics } from "../observe/index.js";
import type { EnvironmentOutcome, EnvironmentPool, SandboxDriver } from "../sandbox/index.js";
import type { RuntimeHosts } from "./environment-spec.js";
import { EnvironmentStarter } from "./environment-starter.js";
import { invokeError } from "./errors.js";
import type { InvokeRequest, InvokeResult } from "./invoke-types.js";
import { endLine, reportLine, startLine, tailBytes, timeoutLine } from "./log-lines.js";
import type { PrestartPool } from "./prestart-pool.js";
import type { StandbyEnvironment } from "./standby.js";
import { MAX_STREAMED_RESPONSE_BYTES, StreamCollector } from "./stream-collector.js";
import { TraceIds } from "./trace-ids.js";

export interface InvokerDeps {
  functions: FunctionService;
  reservations: Reservations;
  code: CodeStore;
  driver: SandboxDriver;
  pool: EnvironmentPool;
  logs: LogSink;
  clock: Clock;
  logger: Logger;
  scope: AccountScope;
  interpreters: RuntimeHosts;
  runtimesDir: string;
  endpointUrl: () => string;
  credentials: FunctionCredentials;
  /** The AWS SDK the Node runtime provides, when found (see sandbox/runtime-sdk.ts). */
  sdk: { nodeModules: string; entries: string[] } | undefined;
  limits: {
    accountConcurrency: number;
    maxResponseBytes: number;
    initTimeoutMs: number;
    maxProcesses: number;
    /** Nice value of function processes (sandbox/priority.ts); 0 runs them at the platform's. */
    functionNice: number;
  };
  /** Where pre-started environments keep their /var/task and /opt (`<dataDir>/slots`). */
  slotsDir: string;
  /** Pre-started pool sizing; `initial: 0` turns it off. */
  prestart: { initial: number; max: number; decayMs: number };
  metrics?: Metrics;
}

const TAIL_BYTES = 4096;

/**
 * The one invoke path: resolve -> admit -> place (warm or cold) -> run -> record. Every caller
 * goes through `invoke`, so concurrency, logs and reports are right everywhere at once.
 */
export class Invoker {
  private inFlight = 0;
  private unreservedInFlight = 0;
  private throttles = 0;
  private readonly perFunction = new Map<string, number>();
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly traceIds = new TraceIds();

  /** Generic environments started ahead of demand (docs/prestarted-pool.md). */
  readonly prestart: PrestartPool<StandbyEnvironment> | undefined;
  private readonly starter: EnvironmentStarter;

  constructor(private readonly deps: InvokerDeps) {
    this.starter = new EnvironmentStarter(deps);
    this.prestart = this.starter.prestart;
    // Environments are keyed by name:version:revision, so stale ones are never reused; retiring
    // frees them at once. Published versions never change, so only $LATEST's go on updates.
    deps.functions.onChange((name, change) => {
      if (change === "deleted") deps.pool.retire(`${name}:`);
      else if (change === "updated") deps.pool.retire(`${name}:$LATEST:`);
    });
  }

  get concurrency(): number {
    return this.inFlight;
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    if (this.closing) throw invokeError.shuttingDown();
    const { functions, reservations } = this.deps;
    // Warm path: the target and the reservations are cached, so nothing here waits.
    const { config, invokedArn, reservedConcurrency } =
      functions.resolveCached(req.functionName, req.qualifier) ??
      (await functions.resolve(req.functionName, req.qualifier));
    const requestId = req.requestId ?? randomUUID();
    if (req.dryRun) {
      return {
        requestId,
        executedVersion: config.version,
        payload: Buffer.alloc(0),
        functionError: undefined,
        errorType: undefined,
        logTail: undefined,
        durationMs: 0,
        coldStart: false,
      };
    }
    const unreserved =
      reservedConcurrency === undefined
        ? (reservations.unreservedCached() ?? (await reservations.unreserved()))
        : 0;
    const release = this.admit(config.name, reservedConcurrency, unreserved, () => ({
      at: this.deps.clock.now(),
      functionName: config.name,
      invokedArn,
      executedVersion: config.version,
    }));
    try {
      return await this.run(config, invokedArn, requestId, req);
    } finally {
      release();
    }
  }

  /**
   * Admission (invocation-semantics.md section 3): a function with reserved concurrency R runs
   * at most R at once; the others share what the reservations leave of the account's limit
   * (`unreserved`). Throttles fail at once with TooManyRequestsException and AWS's Reason;
   * nothing waits.
   */
  private admit(
    functionName: string,
    reserved: number | undefined,
    unreserved: number,
    sample: () => { at: number; functionName: string; invokedArn: string; executedVersion: string },
  ): () => void {
    const running = this.perFunction.get(functionName) ?? 0;
    if (reserved !== undefined) {
      if (running >= reserved) {
        this.throttles++;
        this.deps.metrics?.throttled("ReservedFunctionConcurrentInvocationLimitExceeded", sample());
        throw invokeError.functionThrottled();
      }
    } else {
      if (this.unreservedInFlight >= unreserved) {
        this.throttles++;
        this.deps.metrics?.throttled("ConcurrentInvocationLimitExceeded", sample());
        throw invokeError.accountThrottled();
      }
      this.unreservedInFlight++;
    }
    this.perFunction.set(functionName, running + 1);
    this.inFlight++;
    return () => {
      this.inFlight--;
      if (reserved === undefined) this.unreservedInFlight--;
      const left = (this.perFunction.get(functionName) ?? 1) - 1;
      if (left === 0) this.perFunction.delete(functionName);
      else this.perFunction.set(functionName, left);
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /** Invocations refused for concurrency since start. */
  get throttleCount(): number {
    return this.throttles;
  }

  private async run(
    config: FunctionConfig,
    invokedArn: string,
    requestId: string,
    req: InvokeRequest,
  ): Promise<InvokeResult> {
    const { clock, pool } = this.deps;
    const key = `${config.name}:${config.version}:${config.revisionId}`;
    let env = pool.take(key);
    const coldStart = env === undefined;
    let initFailure: EnvironmentOutcome | undefined;
    if (!env) {
      const started = await this.starter.start(config);
      if ("failure" in started) {
        initFailure = started.failure;
        env = started.env;
      } else {
        env = started.env;
      }
    }
    const log = this.starter.logOf(env?.id ?? "") ?? {
      group: config.logGroup,
      stream: "",
      current: undefined,
    };
    const lines: string[] = [];
    log.current = lines;
    const emit = (line: string) => {
      lines.push(line);
      if (log.stream) this.deps.logs.append(log.group, log.stream, clock.now(), line);
    };
    const phases = env ? this.starter.takePhases(env.id) : undefined;
    if (phases !== undefined) {
      // The cold start's phases, once, in the log stream before START (like AWS's INIT_ lines,
      // not in the invocation's tail). Init Duration in REPORT is the Init part alone.
      if (log.stream)
        this.deps.logs.append(
          log.group,
          log.stream,
          clock.now(),
          `NIMBUS_INIT RequestId: ${requestId}\t${phases}`,
        );
    }
    emit(startLine(requestId, config.version));
    const begin = clock.monotonic();
    const timeoutMs = config.timeoutSec * 1000;
    // A streamed answer goes to the caller's sink as it comes, or is buffered for plain Invoke.
    const stream = new StreamCollector({
      target: req.responseStream,
      executedVersion: config.version,
      limitBytes: req.responseStream ? MAX_STREAMED_RESPONSE_BYTES : this.deps.limits.maxResponseBytes,
    });
    const outcome: EnvironmentOutcome =
      initFailure ??
      (env
        ? await env.invoke(
            {
              requestId,
              payload: req.payload,
              deadlineMs: clock.now() + timeoutMs,
              invokedArn,
              traceId: this.traceIds.next(clock.now()),
              clientContext: req.clientContext,
              identity: undefined,
              stream,
            },
            timeoutMs,
          )
        : { kind: "exit", errorType: "Runtime.ExitError", detail: "environment could not start" });
    stream.close();
    const durationMs = clock.monotonic() - begin;
    const result = this.toResult(outcome, requestId, config, emit, stream);
    this.deps.metrics?.invoked(config.name, outcomeLabel(outcome.kind), durationMs, {
      at: clock.now(),
      invokedArn,
      executedVersion: config.version,
    });
    emit(endLine(requestId));
    const peak = env?.peakMemoryBytes(durationMs);
    emit(
      reportLine({
        requestId,
        durationMs,
        memorySizeMb: config.memoryMb,
        maxMemoryUsedMb: Math.ceil((peak ?? 0) / (1024 * 1024)),
        initDurationMs: coldStart ? env?.initDurationMs : undefined,
        status:
          outcome.kind === "timeout"
            ? "timeout"
            : outcome.kind === "exit" || outcome.kind === "init-error"
              ? "error"
              : undefined,
        errorType: result.errorType,
      }),
    );
    log.current = undefined;
    if (env) {
      const reusable = outcome.kind === "response" || outcome.kind === "error" || outcome.kind === "streamed";
      if (!reusable) this.starter.forget(env.id);
      pool.release(env, reusable);
    }
    return {
      ...result,
      requestId,
      executedVersion: config.version,
      durationMs,
      coldStart,
      logTail: req.tailLog ? tailBytes(`${lines.join("\n")}\n`, TAIL_BYTES) : undefined,
      streamed:
        stream.contentType === undefined
          ? undefined
          : { contentType: stream.contentType, sizeBytes: stream.sizeBytes },
    };
  }

  private toResult(
    outcome: EnvironmentOutcome,
    requestId: string,
    config: FunctionConfig,
    emit: (line: string) => void,
    stream: StreamCollector,
  ): Pick<InvokeResult, "payload" | "functionError" | "errorType"> {
    const fail = (errorType: string, payload: Buffer) => ({
      payload,
      functionError: "Unhandled" as const,
      errorType,
    });
    switch (outcome.kind) {
      case "response":
        if (outcome.payload.length > this.deps.limits.maxResponseBytes) {
          const message = `Response payload size exceeded maximum allowed payload size (${this.deps.limits.maxResponseBytes} bytes).`;
          return fail(
            "Function.ResponseSizeTooLarge",
            json({ errorType: "Function.ResponseSizeTooLarge", errorMessage: message }),
          );
        }
        return {
          payload: outcome.payload.length === 0 ? Buffer.from("null") : outcome.payload,
          functionError: undefined,
          errorType: undefined,
        };
      case "streamed":
        if (stream.overLimit) {
          const message = `Response payload size exceeded maximum allowed payload size (${stream.limitBytes} bytes).`;
          return fail(
            "Function.ResponseSizeTooLarge",
            json({ errorType: "Function.ResponseSizeTooLarge", errorMessage: message }),
          );
        }
        if (outcome.error) return fail(outcome.error.errorType, outcome.error.payload);
        return { payload: stream.bytes(), functionError: undefined, errorType: undefined };
      case "error":
      case "init-error":
        return fail(outcome.errorType, outcome.payload);
      case "timeout": {
        emit(timeoutLine(this.deps.clock.now(), requestId, config.timeoutSec));
        const message = `RequestId: ${requestId} Error: Task timed out after ${config.timeoutSec.toFixed(2)} seconds`;
        return fail("Sandbox.Timedout", json({ errorType: "Sandbox.Timedout", errorMessage: message }));
      }
      case "exit": {
        const suffix =
          outcome.errorType === "Runtime.OutOfMemory"
            ? ` (the function exceeded its memory limit of ${config.memoryMb} MB)`
            : "";
        const message = `RequestId: ${requestId} Error: Runtime exited with error: ${outcome.detail}${suffix}`;
        emit(message);
        emit(outcome.errorType);
        return fail(outcome.errorType, json({ errorType: outcome.errorType, errorMessage: message }));
      }
    }
  }

  /** Cold start: plan, spawn and initialise a new environment for `config`. */
  /**
   * Provisioned concurrency: makes sure `count` initialised environments of `config` are
   * pinned in the pool (started now if missing). Resolves with how many are ready.
   */
  async provision(config: FunctionConfig, count: number): Promise<number> {
    const key = `${config.name}:${config.version}:${config.revisionId}`;
    const missing = count - this.deps.pool.pinnedCount(key);
    if (missing < 0) this.deps.pool.unpin(key, -missing);
    const starts = Array.from({ length: Math.max(0, missing) }, async () => {
      const started = await this.starter.start(config, "provisioned-concurrency");
      if (!started.env) return;
      if ("failure" in started) {
        this.deps.pool.release(started.env, false);
        return;
      }
      this.deps.pool.pin(started.env);
      this.deps.pool.release(started.env, true);
    });
    await Promise.all(starts);
    return this.deps.pool.pinnedCount(key);
  }

  /** Releases the provisioned environments of `config`. */
  unprovision(config: FunctionConfig): void {
    this.deps.pool.unpin(`${config.name}:${config.version}:${config.revisionId}`);
  }

  /** Stops new invocations and waits (at most `graceMs`) for running ones to finish. */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const cancel = this.deps.clock.setTimer(graceMs, resolve);
      this.idleWaiters.push(() => {
        cancel();
        resolve();
      });
    });
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function outcomeLabel(kind: EnvironmentOutcome["kind"]): "success" | "error" | "timeout" | "crash" {
  if (kind === "response" || kind === "streamed") return "success";
  if (kind === "timeout") return "timeout";
  if (kind === "exit") return "crash";
  return "error";
}
