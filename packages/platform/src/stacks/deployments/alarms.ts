import type { Clock } from "../../core/clock.js";
import type { AlarmInput, AlarmRecord, AlarmState, ComparisonOperator } from "./alarm-model.js";
import { readAlarmInput } from "./alarm-model.js";
import type { DeploymentStore } from "./deployment-store.js";
import { alarmError } from "./errors.js";
import type { LambdaMetricSeries } from "./lambda-metric-series.js";

/**
 * Metric alarms (PutMetricAlarm / DescribeAlarms / DeleteAlarms) evaluated on Nimbus's Lambda
 * series. Evaluation happens when an alarm is read (DescribeAlarms, a deployment's alarm check),
 * as of the last period boundary: the datapoints are the `EvaluationPeriods` complete periods
 * before it, as CloudWatch evaluates at the end of each period. A state change is stored with
 * its reason and time.
 */
export class Alarms {
  constructor(
    private readonly store: DeploymentStore,
    private readonly series: LambdaMetricSeries,
    private readonly clock: Clock,
    private readonly scope: { region: string; accountId: string },
  ) {}

  async put(input: AlarmInput): Promise<AlarmRecord> {
    const definition = readAlarmInput(
      input,
      (name) => `arn:aws:cloudwatch:${this.scope.region}:${this.scope.accountId}:alarm:${name}`,
    );
    const existing = await this.store.get("alarm", definition.name);
    const now = this.clock.now();
    // Changing an alarm's definition keeps its state until the next evaluation, as CloudWatch does.
    const record: AlarmRecord = {
      ...definition,
      state: existing?.state ?? "INSUFFICIENT_DATA",
      stateReason: existing?.stateReason ?? "Unchecked: Initial alarm creation",
      stateUpdatedAt: existing?.stateUpdatedAt ?? now,
      configurationUpdatedAt: now,
    };
    await this.store.put("alarm", record.name, record);
    return record;
  }

  async get(name: string): Promise<AlarmRecord | undefined> {
    const record = await this.store.get("alarm", name);
    return record ? this.evaluate(record) : undefined;
  }

  async describe(filter: { names?: string[]; prefix?: string; state?: string }): Promise<AlarmRecord[]> {
    if (filter.names && filter.names.length > 0 && filter.prefix !== undefined)
      throw alarmError(
        "InvalidParameterCombination",
        "AlarmNames and AlarmNamePrefix may not be specified together.",
      );
    const all =
      filter.names && filter.names.length > 0
        ? (await Promise.all(filter.names.map((n) => this.store.get("alarm", n)))).filter(
            (r): r is AlarmRecord => r !== undefined,
          )
        : await this.store.all("alarm", filter.prefix);
    const evaluated = await Promise.all(all.map((r) => this.evaluate(r)));
    return evaluated
      .filter((r) => filter.state === undefined || r.state === filter.state)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deleting a missing alarm fails as CloudWatch does (ResourceNotFound). */
  async delete(names: string[]): Promise<void> {
    for (const name of names) {
      if (!(await this.store.get("alarm", name)))
        throw alarmError("ResourceNotFound", `Alarm ${name} does not exist.`);
    }
    for (const name of names) await this.store.delete("alarm", name);
  }

  /** The alarm's state now; a change is stored. */
  async evaluate(alarm: AlarmRecord): Promise<AlarmRecord> {
    const next = evaluateAlarm(alarm, this.clock.now(), (start, end) =>
      this.series.statistic(alarm.metricName, alarm.statistic, alarm.dimensions, start, end),
    );
    if (next.state === alarm.state) return alarm;
    const updated: AlarmRecord = {
      ...alarm,
      state: next.state,
      stateReason: next.reason,
      stateUpdatedAt: this.clock.now(),
    };
    await this.store.put("alarm", alarm.name, updated);
    return updated;
  }
}

/**
 * Pure evaluation: the datapoints of the `EvaluationPeriods` complete periods before the last
 * period boundary; ALARM when at least `DatapointsToAlarm` breach. Missing datapoints follow
 * TreatMissingData (breaching / notBreaching count as such; missing and ignore leave them out;
 * when every datapoint is missing, `missing` gives INSUFFICIENT_DATA and `ignore` keeps the
 * state). CloudWatch may also look back past the range when some datapoints are missing: Nimbus
 * does not.
 */
export function evaluateAlarm(
  alarm: Pick<
    AlarmRecord,
    | "periodSec"
    | "evaluationPeriods"
    | "datapointsToAlarm"
    | "threshold"
    | "comparison"
    | "treatMissingData"
    | "state"
    | "unit"
    | "metricName"
  >,
  now: number,
  datapoint: (startMs: number, endMs: number) => number | undefined,
): { state: AlarmState; reason: string } {
  const periodMs = alarm.periodSec * 1000;
  const end = Math.floor(now / periodMs) * periodMs;
  const expectedUnit = alarm.metricName === "Duration" ? "Milliseconds" : "Count";
  const unitMatches = alarm.unit === undefined || alarm.unit === expectedUnit;
  const values: (number | undefined)[] = [];
  for (let i = alarm.evaluationPeriods; i >= 1; i--) {
    values.push(unitMatches ? datapoint(end - i * periodMs, end - (i - 1) * periodMs) : undefined);
  }
  const present = values.filter((v): v is number => v !== undefined);
  const missing = values.length - present.length;
  let breaching = present.filter((v) => breaches(v, alarm.comparison, alarm.threshold)).length;
  if (alarm.treatMissingData === "breaching") breaching += missing;
  const shown = present.map((v) => formatNumber(v)).join(", ");
  const relation = RELATION[alarm.comparison];
  if (breaching >= alarm.datapointsToAlarm) {
    return {
      state: "ALARM",
      reason: `Threshold Crossed: ${breaching} out of the last ${values.length} datapoints [${shown}] ${relation} the threshold (${formatNumber(alarm.threshold)}).`,
    };
  }
  if (present.length === 0 && (alarm.treatMissingData === "missing" || alarm.treatMissingData === "ignore")) {
    if (alarm.treatMissingData === "ignore" && alarm.state !== "INSUFFICIENT_DATA")
      return { state: alarm.state, reason: "" };
    return {
      state: "INSUFFICIENT_DATA",
      reason: `Insufficient Data: ${values.length} datapoints were unknown.`,
    };
  }
  return {
    state: "OK",
    reason: `Threshold Crossed: ${breaching} out of the last ${values.length} datapoints [${shown}] ${relation} the threshold (${formatNumber(alarm.threshold)}); fewer than ${alarm.datapointsToAlarm} needed.`,
  };
}

const RELATION: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: "were greater than or equal to",
  GreaterThanThreshold: "were greater than",
  LessThanThreshold: "were less than",
  LessThanOrEqualToThreshold: "were less than or equal to",
};

function breaches(value: number, comparison: ComparisonOperator, threshold: number): boolean {
  switch (comparison) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
