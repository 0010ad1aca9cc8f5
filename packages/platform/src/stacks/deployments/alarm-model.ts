import { alarmError } from "./errors.js";

/**
 * A CloudWatch metric alarm as Nimbus keeps it. Nimbus evaluates alarms on its own Lambda
 * invocation metrics only (namespace AWS/Lambda; see lambda-metric-series.ts for the metrics
 * and dimensions). Anything else is refused at PutMetricAlarm with a clear error, so a template
 * with such an alarm shows it as not applied instead of an alarm that never fires.
 */
export interface AlarmRecord {
  name: string;
  arn: string;
  description: string;
  namespace: "AWS/Lambda";
  metricName: LambdaMetricName;
  dimensions: { name: string; value: string }[];
  statistic: AlarmStatistic;
  unit: string | undefined;
  periodSec: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissingData: "missing" | "notBreaching" | "breaching" | "ignore";
  actionsEnabled: boolean;
  state: AlarmState;
  stateReason: string;
  stateUpdatedAt: number;
  configurationUpdatedAt: number;
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type LambdaMetricName = "Invocations" | "Errors" | "Throttles" | "Duration";
export type AlarmStatistic = "Sum" | "Average" | "Maximum" | "Minimum" | "SampleCount";
export type ComparisonOperator =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

export const LAMBDA_METRICS: readonly LambdaMetricName[] = ["Invocations", "Errors", "Throttles", "Duration"];
const STATISTICS: readonly AlarmStatistic[] = ["Sum", "Average", "Maximum", "Minimum", "SampleCount"];
const COMPARISONS: readonly ComparisonOperator[] = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
];
const TREAT_MISSING = ["missing", "notBreaching", "breaching", "ignore"] as const;
/** Dimensions of AWS/Lambda metrics that Nimbus's series carry. */
export const LAMBDA_DIMENSIONS = ["FunctionName", "Resource", "ExecutedVersion"] as const;

/** PutMetricAlarm's input in PascalCase (as CloudFormation properties and the query form name it). */
export interface AlarmInput {
  AlarmName?: unknown;
  AlarmDescription?: unknown;
  Namespace?: unknown;
  MetricName?: unknown;
  Dimensions?: unknown;
  Statistic?: unknown;
  ExtendedStatistic?: unknown;
  Unit?: unknown;
  Period?: unknown;
  EvaluationPeriods?: unknown;
  DatapointsToAlarm?: unknown;
  Threshold?: unknown;
  ThresholdMetricId?: unknown;
  ComparisonOperator?: unknown;
  TreatMissingData?: unknown;
  EvaluateLowSampleCountPercentile?: unknown;
  ActionsEnabled?: unknown;
  AlarmActions?: unknown;
  OKActions?: unknown;
  InsufficientDataActions?: unknown;
  Metrics?: unknown;
}

/** Checks a PutMetricAlarm input and builds the alarm's definition (state fields left to the caller). */
export function readAlarmInput(
  input: AlarmInput,
  arnOf: (name: string) => string,
): Omit<AlarmRecord, "state" | "stateReason" | "stateUpdatedAt" | "configurationUpdatedAt"> {
  const name = requiredString(input.AlarmName, "AlarmName", 255);
  if (input.Metrics !== undefined)
    throw unsupported(`Alarm ${name}: metric math (Metrics) alarms are not evaluated by Nimbus.`);
  if (input.ExtendedStatistic !== undefined)
    throw unsupported(
      `Alarm ${name}: percentile statistics (ExtendedStatistic) are not evaluated by Nimbus.`,
    );
  if (input.ThresholdMetricId !== undefined)
    throw unsupported(`Alarm ${name}: anomaly detection (ThresholdMetricId) is not evaluated by Nimbus.`);
  if (input.EvaluateLowSampleCountPercentile !== undefined)
    throw unsupported(`Alarm ${name}: EvaluateLowSampleCountPercentile applies to percentiles only.`);
  for (const key of ["AlarmActions", "OKActions", "InsufficientDataActions"] as const) {
    const actions = input[key];
    if (Array.isArray(actions) && actions.length > 0)
      throw unsupported(
        `Alarm ${name}: ${key} are not run by Nimbus (its alarms drive gradual deployments only).`,
      );
  }
  const namespace = requiredString(input.Namespace, "Namespace", 255);
  if (namespace !== "AWS/Lambda")
    throw unsupported(
      `Alarm ${name}: namespace ${namespace} is not evaluated by Nimbus; only AWS/Lambda metrics (${LAMBDA_METRICS.join(", ")}) are.`,
    );
  const metricName = requiredString(input.MetricName, "MetricName", 255);
  if (!(LAMBDA_METRICS as readonly string[]).includes(metricName))
    throw unsupported(
      `Alarm ${name}: metric AWS/Lambda ${metricName} is not evaluated by Nimbus; supported: ${LAMBDA_METRICS.join(", ")}.`,
    );
  const statistic = requiredString(input.Statistic, "Statistic", 20);
  if (!(STATISTICS as readonly string[]).includes(statistic))
    throw invalid(`Statistic must be one of ${STATISTICS.join(", ")}.`);
  const comparison = requiredString(input.ComparisonOperator, "ComparisonOperator", 64);
  if (!(COMPARISONS as readonly string[]).includes(comparison))
    throw unsupported(
      `Alarm ${name}: ComparisonOperator ${comparison} is not evaluated by Nimbus; supported: ${COMPARISONS.join(", ")}.`,
    );
  const periodSec = integer(input.Period, "Period", 10);
  if (!(periodSec === 10 || periodSec === 30 || periodSec % 60 === 0))
    throw invalid("The parameter Period must be 10, 30 or a multiple of 60.");
  const evaluationPeriods = integer(input.EvaluationPeriods, "EvaluationPeriods", 1);
  const datapointsToAlarm =
    input.DatapointsToAlarm === undefined
      ? evaluationPeriods
      : integer(input.DatapointsToAlarm, "DatapointsToAlarm", 1);
  if (datapointsToAlarm > evaluationPeriods)
    throw invalid("DatapointsToAlarm must be less than or equal to EvaluationPeriods.");
  const threshold = number(input.Threshold, "Threshold");
  const treat = input.TreatMissingData === undefined ? "missing" : String(input.TreatMissingData);
  if (!(TREAT_MISSING as readonly string[]).includes(treat))
    throw invalid(`TreatMissingData must be one of ${TREAT_MISSING.join(", ")}.`);
  return {
    name,
    arn: arnOf(name),
    description: input.AlarmDescription === undefined ? "" : String(input.AlarmDescription),
    namespace: "AWS/Lambda",
    metricName: metricName as LambdaMetricName,
    dimensions: readDimensions(input.Dimensions, name),
    statistic: statistic as AlarmStatistic,
    unit: input.Unit === undefined ? undefined : String(input.Unit),
    periodSec,
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparison: comparison as ComparisonOperator,
    treatMissingData: treat as AlarmRecord["treatMissingData"],
    actionsEnabled: input.ActionsEnabled === undefined ? true : truthy(input.ActionsEnabled),
  };
}

function readDimensions(value: unknown, alarm: string): { name: string; value: string }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid("Dimensions must be a list.");
  if (value.length > 30) throw invalid("The collection Dimensions must not have a size greater than 30.");
  const out: { name: string; value: string }[] = [];
  for (const item of value) {
    const dim = (item ?? {}) as { Name?: unknown; Value?: unknown };
    const name = requiredString(dim.Name, "Dimensions.member.N.Name", 255);
    const dimValue = requiredString(dim.Value, "Dimensions.member.N.Value", 1024);
    if (!(LAMBDA_DIMENSIONS as readonly string[]).includes(name))
      throw unsupported(
        `Alarm ${alarm}: dimension ${name} is not recorded by Nimbus; supported: ${LAMBDA_DIMENSIONS.join(", ")}.`,
      );
    if (out.some((d) => d.name === name)) throw invalid(`Dimension ${name} is given twice.`);
    out.push({ name, value: dimValue });
  }
  return out;
}

function requiredString(value: unknown, name: string, max: number): string {
  if (value === undefined || value === null || value === "")
    throw alarmError("MissingParameter", `The parameter ${name} is required.`);
  const text = String(value);
  if (text.length > max) throw invalid(`The parameter ${name} must be at most ${max} characters long.`);
  return text;
}

function number(value: unknown, name: string): number {
  if (value === undefined || value === "")
    throw alarmError("MissingParameter", `The parameter ${name} is required.`);
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw invalid(`The parameter ${name} must be a number.`);
  return n;
}

function integer(value: unknown, name: string, min: number): number {
  const n = number(value, name);
  if (!Number.isInteger(n) || n < min)
    throw invalid(`The parameter ${name} must be an integer of at least ${min}.`);
  return n;
}

function truthy(value: unknown): boolean {
  return value === true || value === "true";
}

const invalid = (message: string) => alarmError("InvalidParameterValue", message);
const unsupported = (message: string) => alarmError("InvalidParameterValue", message, true);
