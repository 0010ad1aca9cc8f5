import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../core/clock.js";
import { randomHex } from "../core/ids.js";
import { ExecutionEnvironment, type SandboxDriver } from "../sandbox/index.js";
import type { RuntimeHosts } from "./environment-spec.js";
import type { Standby } from "./prestart-pool.js";

/** A pre-started environment and the host folders it will see as /var/task and /opt. */
export interface StandbyEnvironment extends Standby {
  env: ExecutionEnvironment;
  taskDir: string;
  optDir: string;
}

export interface StandbyDeps {
  driver: SandboxDriver;
  clock: Clock;
  interpreters: RuntimeHosts;
  runtimesDir: string;
  /** Where slot folders live (`<dataDir>/slots`). */
  slotsDir: string;
  sdk: { nodeModules: string; entries: string[] } | undefined;
  limits: { maxResponseBytes: number; initTimeoutMs: number; maxProcesses: number; functionNice: number };
}

/** Largest MemorySize: a standby environment's limit until a function is assigned. */
const STANDBY_MEMORY_MB = 10_240;
/** Pre-started environments have the default /tmp size; other functions start on demand. */
export const STANDBY_TMP_MB = 512;

/**
 * Starts a generic runtime of `family` in a sandbox whose /var/task and /opt are empty slot
 * folders; the runtime waits (NIMBUS_DEFERRED_INIT=1) until a function is assigned.
 */
export async function startStandby(
  deps: StandbyDeps,
  family: string,
): Promise<StandbyEnvironment | undefined> {
  const interpreter =
    family === "node" ? deps.interpreters.node : family === "python" ? deps.interpreters.python : undefined;
  if (!interpreter) return undefined;
  const environmentId = randomHex(16);
  const slot = join(deps.slotsDir, environmentId);
  const taskDir = join(slot, "task");
  const optDir = join(slot, "opt");
  await mkdir(taskDir, { recursive: true });
  await mkdir(optDir, { recursive: true });
  // Same module-type boundary as unpacked code has (functions/code-store.ts).
  await writeFile(join(slot, "package.json"), '{"private":true}\n');
  const layout = deps.driver.layout({
    environmentId,
    codeDir: taskDir,
    runtimesDir: deps.runtimesDir,
    optDir,
  });
  const env: Record<string, string> = {
    NIMBUS_DEFERRED_INIT: "1",
    PATH: "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    LAMBDA_TASK_ROOT: layout.taskRoot,
    LAMBDA_RUNTIME_DIR: layout.runtimesDir,
  };
  const argv =
    family === "node"
      ? [interpreter.path, `${layout.runtimesDir}/node/bootstrap.mjs`]
      : [interpreter.path, `${layout.runtimesDir}/python/bootstrap.py`];
  if (family === "python") {
    env.PYTHONPATH = `${layout.runtimesDir}/python`;
    env.PYTHONDONTWRITEBYTECODE = "1";
  }
  const started = deps.clock.monotonic();
  const environment = await ExecutionEnvironment.start({
    driver: deps.driver,
    clock: deps.clock,
    spec: {
      environmentId,
      codeDir: taskDir,
      runtimesDir: deps.runtimesDir,
      optDir,
      extraReadOnly: interpreter.folders,
      sdk: family === "node" ? deps.sdk : undefined,
      argv,
      env,
      memoryMb: STANDBY_MEMORY_MB,
      tmpSizeMb: STANDBY_TMP_MB,
      maxProcesses: deps.limits.maxProcesses,
      nice: deps.limits.functionNice,
    },
    protocol: "framed",
    maxResponseBytes: deps.limits.maxResponseBytes,
    initTimeoutMs: deps.limits.initTimeoutMs,
    onOutput: () => {},
    cleanup: () => rm(slot, { recursive: true, force: true }),
  });
  if (!(await environment.waitStandby())) {
    await environment.shutdown();
    return undefined;
  }
  const startMs = deps.clock.monotonic() - started;
  return {
    env: environment,
    taskDir,
    optDir,
    startMs,
    get alive() {
      return environment.alive;
    },
    shutdown: () => environment.shutdown(),
  };
}
