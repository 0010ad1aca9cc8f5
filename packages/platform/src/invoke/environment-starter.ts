import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { randomHex } from "../core/ids.js";
import { assembleOpt, type FunctionConfig, layersOf, mergeInto, runtimeInfo } from "../functions/index.js";
import { type EnvironmentOutcome, ExecutionEnvironment } from "../sandbox/index.js";
import { planEnvironment } from "./environment-spec.js";
import type { InvokerDeps } from "./invoker.js";
import { PrestartPool } from "./prestart-pool.js";
import { STANDBY_TMP_MB, type StandbyEnvironment, startStandby } from "./standby.js";

/** Log routing of one environment: its stream, and the invocation collecting a tail. */
export interface EnvironmentLog {
  group: string;
  stream: string;
  current: string[] | undefined;
}

export type Started =
  | { env: ExecutionEnvironment }
  | { env: ExecutionEnvironment | undefined; failure: EnvironmentOutcome };

/**
 * Cold starts: a pre-started environment from the pool when one fits, else a new sandbox; both
 * end with the function's Init. Keeps each environment's log routing and the phases of its
 * cold start until its first invocation reports them.
 */
export class EnvironmentStarter {
  /** Generic environments started ahead of demand (docs/prestarted-pool.md). */
  readonly prestart: PrestartPool<StandbyEnvironment> | undefined;
  private readonly logs = new Map<string, EnvironmentLog>();
  private readonly phases = new Map<string, string>();

  constructor(private readonly deps: InvokerDeps) {
    this.prestart =
      deps.prestart.initial > 0
        ? new PrestartPool<StandbyEnvironment>({
            start: (family) => startStandby(deps, family),
            initial: deps.prestart.initial,
            max: Math.max(deps.prestart.initial, deps.prestart.max),
            decayMs: deps.prestart.decayMs,
            clock: deps.clock,
          })
        : undefined;
  }

  /** What every environment plan takes from the platform rather than from the function's folders. */
  private commonInputs(config: FunctionConfig, initializationType: "on-demand" | "provisioned-concurrency") {
    const { deps } = this;
    return {
      interpreters: deps.interpreters,
      scope: deps.scope,
      endpointUrl: deps.endpointUrl(),
      maxProcesses: deps.limits.maxProcesses,
      nice: deps.limits.functionNice,
      nowMs: deps.clock.now(),
      hostPath: deps.driver.isolated ? undefined : process.env.PATH,
      initializationType,
      credentials: deps.credentials.issue(config.name),
      sdk: deps.sdk,
    };
  }

  logOf(environmentId: string): EnvironmentLog | undefined {
    return this.logs.get(environmentId);
  }

  /** The cold-start phases of an environment, once (its first invocation logs them). */
  takePhases(environmentId: string): string | undefined {
    const phases = this.phases.get(environmentId);
    this.phases.delete(environmentId);
    return phases;
  }

  forget(environmentId: string): void {
    this.logs.delete(environmentId);
    this.phases.delete(environmentId);
  }

  async start(
    config: FunctionConfig,
    initializationType: "on-demand" | "provisioned-concurrency" = "on-demand",
  ): Promise<
    { env: ExecutionEnvironment } | { env: ExecutionEnvironment | undefined; failure: EnvironmentOutcome }
  > {
    const { deps } = this;
    const family = runtimeInfo(config.runtime)?.family;
    const standby =
      family !== undefined && family !== "provided" && config.ephemeralStorageMb === STANDBY_TMP_MB
        ? this.prestart?.take(family)
        : undefined;
    if (standby) {
      this.deps.metrics?.coldStart("pre-started");
      return this.assignStandby(config, standby, initializationType);
    }
    this.deps.metrics?.coldStart("on-demand");
    const environmentId = randomHex(16);
    const codeDir = await deps.code.ensureUnpacked(config.codeKey);
    // Layers: merged in order once per ordered list, mounted read-only at /opt.
    const layers = layersOf(config);
    const optDir =
      layers.length === 0
        ? undefined
        : await assembleOpt(
            deps.code,
            layers.map((l) => l.codeKey),
          );
    const layout = deps.driver.layout({
      environmentId,
      codeDir,
      runtimesDir: deps.runtimesDir,
      ...(optDir === undefined ? {} : { optDir }),
    });
    // A custom runtime's bootstrap comes from the code, else from a layer (as on Lambda).
    const custom = runtimeInfo(config.runtime)?.family === "provided";
    const bootstrapInCode = custom && (await isExecutable(join(codeDir, "bootstrap")));
    const bootstrapInOpt =
      custom && !bootstrapInCode && optDir !== undefined && (await isExecutable(join(optDir, "bootstrap")));
    const plan = planEnvironment({
      config,
      environmentId,
      codeDir,
      runtimesDir: deps.runtimesDir,
      optDir,
      bootstrapInOpt,
      layout,
      ...this.commonInputs(config, initializationType),
    });
    if ("error" in plan) {
      return {
        env: undefined,
        failure: {
          kind: "init-error",
          errorType: plan.errorType,
          payload: json({ errorType: plan.errorType, errorMessage: plan.error }),
        },
      };
    }
    if (plan.protocol === "http" && !bootstrapInCode && !bootstrapInOpt) {
      const message = "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]";
      return {
        env: undefined,
        failure: {
          kind: "init-error",
          errorType: "Runtime.InvalidEntrypoint",
          payload: json({ errorType: "Runtime.InvalidEntrypoint", errorMessage: message }),
        },
      };
    }
    const log: EnvironmentLog = { group: config.logGroup, stream: plan.logStreamName, current: undefined };
    this.logs.set(environmentId, log);
    const env = await ExecutionEnvironment.start({
      driver: deps.driver,
      clock: deps.clock,
      spec: plan.spec,
      protocol: plan.protocol,
      maxResponseBytes: deps.limits.maxResponseBytes,
      initTimeoutMs: deps.limits.initTimeoutMs,
      onOutput: (text) => this.output(log, text),
    });
    deps.pool.adopt(`${config.name}:${config.version}:${config.revisionId}`, env);
    return this.awaitInit(env, () => `Environment: on-demand\tStart+Init: ${fixed(env.initDurationMs)} ms`);
  }

  /**
   * Cold start from the pre-started pool: link the code (and layers) into the environment's slot,
   * set its memory limit and variables, and run only the function's Init.
   */
  private async assignStandby(
    config: FunctionConfig,
    standby: StandbyEnvironment,
    initializationType: "on-demand" | "provisioned-concurrency",
  ): Promise<
    { env: ExecutionEnvironment } | { env: ExecutionEnvironment | undefined; failure: EnvironmentOutcome }
  > {
    const { deps } = this;
    const env = standby.env;
    const linkStarted = deps.clock.monotonic();
    await mergeInto(await deps.code.ensureUnpacked(config.codeKey), standby.taskDir);
    const layers = layersOf(config);
    if (layers.length > 0) {
      await mergeInto(
        await assembleOpt(
          deps.code,
          layers.map((l) => l.codeKey),
        ),
        standby.optDir,
      );
    }
    const codeMs = deps.clock.monotonic() - linkStarted;
    const optDir = layers.length > 0 ? standby.optDir : undefined;
    const plan = planEnvironment({
      config,
      environmentId: env.id,
      codeDir: standby.taskDir,
      runtimesDir: deps.runtimesDir,
      optDir,
      layout: deps.driver.layout({
        environmentId: env.id,
        codeDir: standby.taskDir,
        runtimesDir: deps.runtimesDir,
        optDir: standby.optDir,
      }),
      ...this.commonInputs(config, initializationType),
    });
    if ("error" in plan) {
      await env.shutdown();
      return {
        env: undefined,
        failure: {
          kind: "init-error",
          errorType: plan.errorType,
          payload: json({ errorType: plan.errorType, errorMessage: plan.error }),
        },
      };
    }
    const log: EnvironmentLog = { group: config.logGroup, stream: plan.logStreamName, current: undefined };
    this.logs.set(env.id, log);
    deps.pool.adopt(`${config.name}:${config.version}:${config.revisionId}`, env);
    await env.assign(plan.spec.env, config.memoryMb, (text) => this.output(log, text));
    return this.awaitInit(
      env,
      () =>
        `Environment: pre-started\tStart: ${fixed(standby.startMs)} ms (before the request)\tCode: ${fixed(codeMs)} ms\tInit: ${fixed(env.initDurationMs)} ms`,
    );
  }

  private async awaitInit(
    env: ExecutionEnvironment,
    phases: () => string,
  ): Promise<{ env: ExecutionEnvironment } | { env: ExecutionEnvironment; failure: EnvironmentOutcome }> {
    const ready = await env.ready();
    this.phases.set(env.id, phases());
    if ("ok" in ready) {
      if (ready.ok) return { env };
      return { env, failure: { kind: "init-error", errorType: ready.errorType, payload: ready.payload } };
    }
    return { env, failure: ready };
  }

  private output(log: EnvironmentLog, text: string): void {
    const now = this.deps.clock.now();
    for (const raw of text.split("\n")) {
      if (raw === "") continue;
      log.current?.push(raw);
      this.deps.logs.append(log.group, log.stream, now, raw);
    }
  }
}

function fixed(ms: number | undefined): string {
  return (ms ?? 0).toFixed(2);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
