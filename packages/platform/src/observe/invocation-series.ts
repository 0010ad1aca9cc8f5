/**
 * The two per-invocation Prometheus series, kept as plain numbers per function and written in
 * the text exposition format when scraped. prom-client's labelled `inc`/`observe` hash the label
 * object on every call (children from `labels()` too), which cost the warm invoke path more than
 * the rest of its metrics together; here an invocation is a map lookup and a few additions.
 *
 *   nimbus_invocations_total{function,outcome}          counter
 *   nimbus_invocation_duration_seconds{function}        histogram (REPORT's Duration)
 */
export const DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900];

interface FunctionCounts {
  outcomes: Map<string, number>;
  /** Observations at or below each bucket's bound (not cumulative; summed when written). */
  buckets: number[];
  sum: number;
  count: number;
}

export class InvocationSeries {
  private readonly byFunction = new Map<string, FunctionCounts>();

  record(functionName: string, outcome: string, durationSeconds: number): void {
    let counts = this.byFunction.get(functionName);
    if (!counts) {
      counts = { outcomes: new Map(), buckets: DURATION_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
      this.byFunction.set(functionName, counts);
    }
    counts.outcomes.set(outcome, (counts.outcomes.get(outcome) ?? 0) + 1);
    const bucket = DURATION_BUCKETS_SECONDS.findIndex((bound) => durationSeconds <= bound);
    if (bucket !== -1) counts.buckets[bucket] = (counts.buckets[bucket] ?? 0) + 1;
    counts.sum += durationSeconds;
    counts.count++;
  }

  /** Both series in Prometheus text format (0.0.4), HELP and TYPE lines included. */
  render(): string {
    const lines = [
      "# HELP nimbus_invocations_total Invocations that ran, by function and outcome (success, error, timeout, crash).",
      "# TYPE nimbus_invocations_total counter",
    ];
    for (const [name, counts] of this.byFunction) {
      for (const [outcome, n] of counts.outcomes)
        lines.push(
          `nimbus_invocations_total{function="${escapeLabel(name)}",outcome="${escapeLabel(outcome)}"} ${n}`,
        );
    }
    lines.push(
      "# HELP nimbus_invocation_duration_seconds Duration of invocations as REPORT states it.",
      "# TYPE nimbus_invocation_duration_seconds histogram",
    );
    for (const [name, counts] of this.byFunction) {
      const fn = `function="${escapeLabel(name)}"`;
      let cumulative = 0;
      DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
        cumulative += counts.buckets[i] ?? 0;
        lines.push(`nimbus_invocation_duration_seconds_bucket{le="${bound}",${fn}} ${cumulative}`);
      });
      lines.push(
        `nimbus_invocation_duration_seconds_bucket{le="+Inf",${fn}} ${counts.count}`,
        `nimbus_invocation_duration_seconds_sum{${fn}} ${counts.sum}`,
        `nimbus_invocation_duration_seconds_count{${fn}} ${counts.count}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}

/** Label values: backslash, double quote and newline escaped, as the text format requires. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
