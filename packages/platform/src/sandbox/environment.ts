import type { Socket } from "node:net";
import type { Clock } from "../core/clock.js";
import { FramedChannel } from "./framed-channel.js";
import { RuntimeApiChannel } from "./runtime-api-channel.js";
import type { ChannelResult, InitOutcome, RuntimeChannel, RuntimeInvocation } from "./runtime-channel.js";
import type { SandboxDriver, SandboxProcess, SandboxSpec } from "./sandbox-driver.js";

/** What an invocation in an environment came to. */
export type EnvironmentOutcome =
  | ChannelResult
  | { kind: "init-error"; errorType: string; payload: Buffer }
  | { kind: "timeout" }
  | { kind: "exit"; errorType: "Runtime.ExitError" | "Runtime.OutOfMemory"; detail: string };

export interface EnvironmentStartOptions {
  driver: SandboxDriver;
  clock: Clock;
  spec: Omit<SandboxSpec, "framedChannel">;
  /** `framed` for Nimbus's runtimes, `http` for the Runtime API. */
  protocol: "framed" | "http";
  maxResponseBytes: number;
  initTimeoutMs: number;
  /** Receives every line of output, in and out of invocations. */
  onOutput: (text: string) => void;
  /** Runs after the environment is shut down (e.g. removes its folders). */
  cleanup?: () => Promise<void>;
}

/**
 * One execution environment: a sandboxed runtime process that serves one invocation at a time
 * and keeps its module state and /tmp between them.
 */
export class ExecutionEnvironment {
  readonly id: string;
  /** Init Duration of this environment's cold start, reported on its first invocation. */
  initDurationMs: number | undefined;
  private invocations = 0;
  private exited: Promise<EnvironmentOutcome>;
  private dead = false;
  private deprioritized = false;
  private peak: number | undefined;
  private peakReadAt: number | undefined;
  /** When Init began: the spawn, or for a pre-started environment its assignment. */
  private initStartedAt: number;
  /** Milliseconds from spawn to `standby`, for a pre-started environment. */
  standbyMs: number | undefined;

  /** Where this environment's output goes (set again when a pre-started one is assigned). */
  private onOutput: (text: string) => void;
  /** Waits (`settle`) that end when the process exits; each removes itself when it settles. */
  private readonly exitWaiters = new Set<(outcome: EnvironmentOutcome) => void>();

  private constructor(
    private readonly process: SandboxProcess,
    private readonly channel: RuntimeChannel,
    private readonly options: EnvironmentStartOptions,
    private readonly startedAt: number,
  ) {
    this.id = options.spec.environmentId;
    this.initStartedAt = startedAt;
    this.onOutput = options.onOutput;
    this.exited = new Promise((resolve) => {
      process.child.once("exit", (code, signal) => {
        this.dead = true;
        this.channel.close();
        void this.exitOutcome(code, signal).then((outcome) => {
          resolve(outcome);
          for (const waiter of [...this.exitWaiters]) waiter(outcome);
        });
      });
    });
  }

  static async start(options: EnvironmentStartOptions): Promise<ExecutionEnvironment> {
    const startedAt = options.clock.monotonic();
    let apiChannel: { channel: RuntimeApiChannel; address: string } | undefined;
    const env = { ...options.spec.env };
    if (options.protocol === "http") {
      apiChannel = await RuntimeApiChannel.start(options.maxResponseBytes);
      env.AWS_LAMBDA_RUNTIME_API = apiChannel.address;
    }
    const proc = await options.driver.spawn({
      ...options.spec,
      env,
      framedChannel: options.protocol === "framed",
    });
    let environment: ExecutionEnvironment | undefined;
    const emit = (chunk: Buffer | string) => environment?.onOutput(chunk.toString());
    proc.child.stdout?.on("data", emit);
    proc.child.stderr?.on("data", emit);
    const channel: RuntimeChannel =
      apiChannel?.channel ??
      new FramedChannel(proc.child.stdio[3] as Socket, (text) => environment?.onOutput(text));
    environment = new ExecutionEnvironment(proc, channel, options, startedAt);
    return environment;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Waits for Init (bounded by the init timeout). */
  async ready(): Promise<InitOutcome | EnvironmentOutcome> {
    const outcome = await this.settle(this.channel.init, this.options.initTimeoutMs, "init");
    if ("ok" in outcome && outcome.ok) {
      this.initDurationMs = this.options.clock.monotonic() - this.initStartedAt;
      this.deprioritize();
    }
    return outcome;
  }

  /** Once up, the function's processes go below the platform's priority (after this turn, off the cold start's path). */
  private deprioritize(): void {
    if (this.deprioritized) return;
    this.deprioritized = true;
    setImmediate(() => {
      if (!this.dead) this.process.deprioritize();
    });
  }

  /**
   * Pre-started environments (spawned with NIMBUS_DEFERRED_INIT=1): waits until the runtime is up
   * and waiting for a function. False when it died or did not get there in the init timeout.
   */
  async waitStandby(): Promise<boolean> {
    if (!(this.channel instanceof FramedChannel)) return false;
    const outcome = await this.settle(this.channel.standby, this.options.initTimeoutMs, "init");
    if (outcome !== true) return false;
    this.standbyMs = this.options.clock.monotonic() - this.startedAt;
    this.deprioritize();
    return true;
  }

  /** Assigns a function to a standby environment: its memory limit, then its variables (Init starts). */
  async assign(
    env: Record<string, string>,
    memoryMb: number,
    onOutput: (text: string) => void,
  ): Promise<void> {
    if (!(this.channel instanceof FramedChannel)) throw new Error("only framed runtimes can be pre-started");
    this.onOutput = onOutput;
    await this.process.setMemoryLimit(memoryMb);
    this.initStartedAt = this.options.clock.monotonic();
    this.channel.assign(env);
  }

  /** Runs one invocation to its end: response, function error, timeout or crash. */
  invoke(invocation: RuntimeInvocation, timeoutMs: number): Promise<EnvironmentOutcome> {
    this.invocations++;
    if (this.dead) return this.exited;
    return this.settle(this.channel.invoke(invocation), timeoutMs, "invoke");
  }

  get invocationCount(): number {
    return this.invocations;
  }

  /**
   * Peak memory of the environment (REPORT's Max Memory Used). Reading it is a syscall on the
   * warm path, so after an invocation shorter than 5 ms (too short to grow memory by much) the
   * value read within the last 100 ms is reused; longer invocations always read it afresh.
   */
  peakMemoryBytes(durationMs: number): number | undefined {
    const now = this.options.clock.monotonic();
    if (peakReadingStale(durationMs, this.peakReadAt, now)) {
      this.peak = this.process.peakMemoryBytes();
      this.peakReadAt = now;
    }
    return this.peak;
  }

  /** Kills the environment and releases its resources. */
  async shutdown(): Promise<void> {
    this.dead = true;
    this.channel.close();
    await this.process.dispose();
    await this.options.cleanup?.();
  }

  /**
   * The first of: `work`, the timeout (which kills the process), or the process's exit. Not
   * `Promise.race` with the long-lived exit promise: every race would leave a reaction on it that
   * is only freed when the environment dies (about 300 bytes per invocation, kept for the
   * environment's life, and traced by every garbage collection).
   */
  private settle<T>(
    work: Promise<T>,
    timeoutMs: number,
    phase: "init" | "invoke",
  ): Promise<T | EnvironmentOutcome> {
    return new Promise((resolve, reject) => {
      let done = false;
      const end = () => {
        if (done) return false;
        done = true;
        cancel();
        this.exitWaiters.delete(finish);
        return true;
      };
      const finish = (value: T | EnvironmentOutcome) => {
        if (end()) resolve(value);
      };
      const cancel = this.options.clock.setTimer(timeoutMs, () => {
        this.dead = true;
        this.process.kill();
        finish(
          phase === "init"
            ? { kind: "init-error", errorType: "Runtime.InitTimeout", payload: initTimeoutPayload(timeoutMs) }
            : { kind: "timeout" },
        );
      });
      // Once dead, the exit promise settles once and for all: waiting on it holds nothing.
      if (this.dead) void this.exited.then(finish);
      else this.exitWaiters.add(finish);
      work.then(finish, (error: unknown) => {
        if (end()) reject(error);
      });
    });
  }

  private async exitOutcome(code: number | null, signal: NodeJS.Signals | null): Promise<EnvironmentOutcome> {
    const oom = await this.process.wasOomKilled();
    if (oom) return { kind: "exit", errorType: "Runtime.OutOfMemory", detail: "signal: killed" };
    const detail = signal
      ? `signal: ${signal === "SIGKILL" ? "killed" : signal.toLowerCase()}`
      : `exit status ${code ?? 0}`;
    return { kind: "exit", errorType: "Runtime.ExitError", detail };
  }
}

/**
 * Whether REPORT's peak memory must be read again: after an invocation of 5 ms or more, or when
 * the last reading (monotonic ms) is 100 ms old or missing.
 */
export function peakReadingStale(durationMs: number, readAt: number | undefined, now: number): boolean {
  return durationMs >= 5 || readAt === undefined || now - readAt >= 100;
}

function initTimeoutPayload(timeoutMs: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      errorType: "Runtime.InitTimeout",
      errorMessage: `Init phase did not complete within ${(timeoutMs / 1000).toFixed(2)} seconds`,
    }),
  );
}
