import { Counter, Gauge, Histogram, Registry } from "prom-client";

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
  private readonly invocations: Counter<"function" | "outcome">;
  private readonly duration: Histogram<"function">;
  private readonly throttles: Counter<"reason">;
  private readonly coldStarts: Counter<"source">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.invocations = new Counter({
      name: "nimbus_invocations_total",
      help: "Invocations that ran, by function and outcome (success, error, timeout, crash).",
      labelNames: ["function", "outcome"],
      registers,
    });
    this.duration = new Histogram({
      name: "nimbus_invocation_duration_seconds",
      help: "Duration of invocations as REPORT states it.",
      labelNames: ["function"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers,
    });
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
  ): void {
    this.invocations.inc({ function: functionName, outcome });
    this.duration.observe({ function: functionName }, durationMs / 1000);
  }

  throttled(reason: string): void {
    this.throttles.inc({ reason });
  }

  coldStart(source: "pre-started" | "on-demand"): void {
    this.coldStarts.inc({ source });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
