import type { InvocationSample } from "../../observe/index.js";
import type { AlarmStatistic, LambdaMetricName } from "./alarm-model.js";

const BUCKET_MS = 10_000;
const DEFAULT_RETENTION_MS = 24 * 60 * 60_000;

interface Aggregate {
  invocations: number;
  errors: number;
  throttles: number;
  durationSum: number;
  durationMin: number;
  durationMax: number;
}

interface SeriesKey {
  functionName: string;
  /** `name:qualifier` for a qualified invocation, else the bare name. */
  resource: string;
  executedVersion: string;
}

/**
 * Nimbus's AWS/Lambda metrics for alarms, kept in memory in 10-second buckets per function,
 * resource and executed version (24 hours by default; gone on restart, like a fresh account's
 * metrics would be for a new server).
 *
 *   Invocations  1 per invocation that ran (throttles excluded), unit Count
 *   Errors       1 per invocation ending in a function error, timeout or crash, else 0, unit Count
 *   Throttles    1 per invocation refused for concurrency, 0 per invocation that ran, unit Count
 *   Duration     milliseconds per invocation that ran, unit Milliseconds
 *
 * Dimensions: FunctionName (the name), Resource (`name:alias` or `name:version` when the invoke
 * was qualified, else the name), ExecutedVersion (the version that ran). An alarm's dimensions
 * select the samples matching all of them; AWS publishes only some combinations (FunctionName;
 * FunctionName+Resource; FunctionName+Resource+ExecutedVersion for alias invokes) and matches
 * the set exactly, so Nimbus is a superset there: it also answers combinations AWS has no data for.
 */
export class LambdaMetricSeries {
  private readonly buckets = new Map<number, Map<string, { key: SeriesKey; agg: Aggregate }>>();
  /** Series keys by invoked ARN and executed version: the invoke path builds no strings. */
  private readonly keys = new Map<string, Map<string, { key: SeriesKey; id: string }>>();

  constructor(private readonly retentionMs = DEFAULT_RETENTION_MS) {}

  record(sample: InvocationSample): void {
    const bucket = Math.floor(sample.at / BUCKET_MS) * BUCKET_MS;
    let series = this.buckets.get(bucket);
    if (!series) {
      series = new Map();
      this.buckets.set(bucket, series);
      this.prune(bucket);
    }
    const { key, id } = this.keyFor(sample);
    let entry = series.get(id);
    if (!entry) {
      entry = {
        key,
        agg: {
          invocations: 0,
          errors: 0,
          throttles: 0,
          durationSum: 0,
          durationMin: Number.POSITIVE_INFINITY,
          durationMax: 0,
        },
      };
      series.set(id, entry);
    }
    const { agg } = entry;
    if (sample.outcome === "throttle") {
      agg.throttles++;
      return;
    }
    agg.invocations++;
    if (sample.outcome !== "success") agg.errors++;
    agg.durationSum += sample.durationMs;
    agg.durationMin = Math.min(agg.durationMin, sample.durationMs);
    agg.durationMax = Math.max(agg.durationMax, sample.durationMs);
  }

  /**
   * The statistic of `metric` over [startMs, endMs) for the samples matching `dimensions`, or
   * undefined when there is no sample (a missing datapoint). Bounds are rounded to 10 s.
   */
  statistic(
    metric: LambdaMetricName,
    statistic: AlarmStatistic,
    dimensions: readonly { name: string; value: string }[],
    startMs: number,
    endMs: number,
  ): number | undefined {
    const total: Aggregate = {
      invocations: 0,
      errors: 0,
      throttles: 0,
      durationSum: 0,
      durationMin: Number.POSITIVE_INFINITY,
      durationMax: 0,
    };
    for (let bucket = Math.floor(startMs / BUCKET_MS) * BUCKET_MS; bucket < endMs; bucket += BUCKET_MS) {
      for (const { key, agg } of this.buckets.get(bucket)?.values() ?? []) {
        if (!matches(key, dimensions)) continue;
        total.invocations += agg.invocations;
        total.errors += agg.errors;
        total.throttles += agg.throttles;
        total.durationSum += agg.durationSum;
        total.durationMin = Math.min(total.durationMin, agg.durationMin);
        total.durationMax = Math.max(total.durationMax, agg.durationMax);
      }
    }
    return statisticOf(metric, statistic, total);
  }

  private keyFor(sample: InvocationSample): { key: SeriesKey; id: string } {
    let byVersion = this.keys.get(sample.invokedArn);
    if (!byVersion) {
      if (this.keys.size >= 10_000) this.keys.clear();
      byVersion = new Map();
      this.keys.set(sample.invokedArn, byVersion);
    }
    let entry = byVersion.get(sample.executedVersion);
    if (!entry) {
      const key = keyOf(sample);
      entry = { key, id: `${key.resource}\u0000${key.executedVersion}` };
      byVersion.set(sample.executedVersion, entry);
    }
    return entry;
  }

  private prune(newest: number): void {
    for (const bucket of this.buckets.keys()) {
      if (bucket < newest - this.retentionMs) this.buckets.delete(bucket);
    }
  }
}

function statisticOf(metric: LambdaMetricName, statistic: AlarmStatistic, a: Aggregate): number | undefined {
  if (metric === "Duration") {
    if (a.invocations === 0) return undefined;
    return pick(statistic, a.invocations, a.durationSum, a.durationMin, a.durationMax);
  }
  // Count metrics: one 0/1 (Invocations: 1) value per sample.
  const samples = metric === "Throttles" ? a.invocations + a.throttles : a.invocations;
  if (samples === 0) return undefined;
  const ones = metric === "Invocations" ? a.invocations : metric === "Errors" ? a.errors : a.throttles;
  return pick(statistic, samples, ones, ones === samples ? 1 : 0, ones > 0 ? 1 : 0);
}

function pick(statistic: AlarmStatistic, count: number, sum: number, min: number, max: number): number {
  switch (statistic) {
    case "Sum":
      return sum;
    case "Average":
      return sum / count;
    case "SampleCount":
      return count;
    case "Minimum":
      return min;
    case "Maximum":
      return max;
  }
}

function keyOf(sample: InvocationSample): SeriesKey {
  // arn:aws:lambda:region:account:function:name[:qualifier]
  const parts = sample.invokedArn.split(":");
  const qualifier = parts.length > 7 ? parts[7] : undefined;
  return {
    functionName: sample.functionName,
    resource: qualifier ? `${sample.functionName}:${qualifier}` : sample.functionName,
    executedVersion: sample.executedVersion,
  };
}

function matches(key: SeriesKey, dimensions: readonly { name: string; value: string }[]): boolean {
  for (const { name, value } of dimensions) {
    if (name === "FunctionName" && key.functionName !== value) return false;
    if (name === "Resource" && key.resource !== value) return false;
    if (name === "ExecutedVersion" && key.executedVersion !== value) return false;
  }
  return true;
}
