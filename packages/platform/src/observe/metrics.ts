import { Counter, Gauge, Registry } from "prom-client";
import { InvocationSeries } from "./invocation-series.js";

/**
 * One invocation (or throttle) as the per-function series see it: what CloudWatch's AWS/Lambda
 * metrics (Invocations, Errors, Throttles, Duration) are made of. Alarms evaluate these.
 */
export interface InvocationSample {
  /** Epoch ms on the server's clock. */
  at: number;
  functionName: string;
  /** The ARN that was invoked: unqualified, or with a version or alias qualifier. */
  invokedArn: string;
  /** The version that ran (or would have run, for a throttle). */
  executedVersion: string;
  outcome: "success" | "error" | "timeout" | "crash" | "throttle";
  durationMs: number;
}

export interface MetricsSources {
  environments: () => { idle: number; busy: number; provisioned: number };
  concurrentExecutions: () => number;
  prestarted: () => { ready: number; target: number } | undefined;
}

/**
 * Prometheus metrics at `/_nimbus/metrics`: invocations by outcome, durations, throttles, cold
 * starts by source, and live environments. Counters are updated on the invoke path (a few
 * microseconds); gauges are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Invocations and durations per function (the invoke path's metrics: invocation-series.ts). */
  private readonly invocations = new InvocationSeries();
  private readonly throttles: Counter<"reason">;
  private readonly coldStarts: Counter<"source">;
  private readonly sampleListeners = new Set<(sample: InvocationSample) => void>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.throttles = new Counter({
      name: "nimbus_throttles_total",
      help: "Invocations refused for concurrency, by AWS Reason.",
      labelNames: ["reason"],
      registers,
    });
    this.coldStarts = new Counter({
      name: "nimbus_cold_starts_total",
      help: "New environments for an invocation, by where they came from (pre-started or on-demand).",
      labelNames: ["source"],
      registers,
    });
    new Gauge({
      name: "nimbus_environments",
      help: "Live execution environments by state.",
      labelNames: ["state"],
      registers,
      collect() {
        const e = sources.environments();
        this.set({ state: "idle" }, e.idle);
        this.set({ state: "busy" }, e.busy);
        this.set({ state: "provisioned" }, e.provisioned);
      },
    });
    new Gauge({
      name: "nimbus_concurrent_executions",
      help: "Invocations in flight.",
      registers,
      collect() {
        this.set(sources.concurrentExecutions());
      },
    });
    new Gauge({
      name: "nimbus_prestarted_environments",
      help: "Pre-started environments ready to be assigned (all runtime families).",
      registers,
      collect() {
        this.set(sources.prestarted()?.ready ?? 0);
      },
    });
  }

  invoked(
    functionName: string,
    outcome: "success" | "error" | "timeout" | "crash",
    durationMs: number,
    target?: { at: number; invokedArn: string; executedVersion: string },
  ): void {
    this.invocations.record(functionName, outcome, durationMs / 1000);
    if (target && this.sampleListeners.size > 0)
      this.emit({
        at: target.at,
        invokedArn: target.invokedArn,
        executedVersion: target.executedVersion,
        functionName,
        outcome,
        durationMs,
      });
  }

  throttled(
    reason: string,
    target?: { at: number; functionName: string; invokedArn: string; executedVersion: string },
  ): void {
    this.throttles.inc({ reason });
    if (target) this.emit({ ...target, outcome: "throttle", durationMs: 0 });
  }

  /** Receives every invocation and throttle as it is counted (alarms' metric series). */
  onSample(listener: (sample: InvocationSample) => void): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  private emit(sample: InvocationSample): void {
    for (const listener of this.sampleListeners) listener(sample);
  }

  coldStart(source: "pre-started" | "on-demand"): void {
    this.coldStarts.inc({ source });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    const rest = await this.registry.metrics();
    return { contentType: this.registry.contentType, body: `${this.invocations.render()}\n${rest}` };
  }
}
