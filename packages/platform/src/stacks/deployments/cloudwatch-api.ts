import type { QueryParams, QueryService, XmlObject } from "../../aws/query-protocol.js";
import type { AlarmInput, AlarmRecord } from "./alarm-model.js";
import type { Alarms } from "./alarms.js";
import { alarmError } from "./errors.js";

/**
 * The alarm part of the CloudWatch API (awsQuery, signing name `monitoring`, version 2010-08-01):
 * PutMetricAlarm, DescribeAlarms, DeleteAlarms. What the AWS::CloudWatch::Alarm provider applies
 * alarms through, and where `aws cloudwatch describe-alarms` reads their state.
 */
export function createCloudWatchApi(alarms: Alarms): QueryService {
  return {
    signingName: "monitoring",
    version: "2010-08-01",
    xmlNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/",
    operations: {
      PutMetricAlarm: async (params) => {
        await alarms.put(alarmInputOf(params));
        return undefined;
      },
      DescribeAlarms: async (params) => {
        const types = params.list("AlarmTypes");
        const names = params.list("AlarmNames");
        const prefix = params.get("AlarmNamePrefix");
        const state = params.get("StateValue");
        const found =
          types.length > 0 && !types.includes("MetricAlarm")
            ? []
            : await alarms.describe({
                ...(names.length > 0 ? { names } : {}),
                ...(prefix === undefined ? {} : { prefix }),
                ...(state === undefined ? {} : { state }),
              });
        const max = Number(params.get("MaxRecords") ?? "50");
        if (!Number.isInteger(max) || max < 1 || max > 100)
          throw alarmError("InvalidParameterValue", "MaxRecords must be from 1 to 100.");
        const start = Number(params.get("NextToken") ?? "0") || 0;
        const page = found.slice(start, start + max);
        return {
          MetricAlarms: { member: page.map(alarmXml) },
          CompositeAlarms: { member: [] },
          NextToken: start + max < found.length ? String(start + max) : undefined,
        };
      },
      DeleteAlarms: async (params) => {
        await alarms.delete(params.list("AlarmNames"));
        return undefined;
      },
    },
  };
}

/** The form fields of PutMetricAlarm as the provider and SDKs send them. */
function alarmInputOf(params: QueryParams): AlarmInput {
  const input: AlarmInput = {};
  const scalar = [
    "AlarmName",
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Statistic",
    "ExtendedStatistic",
    "Unit",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ThresholdMetricId",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "ActionsEnabled",
  ] as const;
  for (const name of scalar) {
    const value = params.get(name);
    if (value !== undefined) input[name] = value;
  }
  const dimensions = params.structList("Dimensions");
  if (dimensions.length > 0)
    input.Dimensions = dimensions.map((d) => ({ Name: d.get("Name"), Value: d.get("Value") }));
  for (const name of ["AlarmActions", "OKActions", "InsufficientDataActions"] as const) {
    const list = params.list(name);
    if (list.length > 0) input[name] = list;
  }
  if ([...params.fields.keys()].some((k) => k.startsWith("Metrics.")))
    input.Metrics = params.structList("Metrics").length;
  return input;
}

function alarmXml(alarm: AlarmRecord): XmlObject {
  return {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    AlarmDescription: alarm.description || undefined,
    AlarmConfigurationUpdatedTimestamp: new Date(alarm.configurationUpdatedAt).toISOString(),
    ActionsEnabled: alarm.actionsEnabled,
    OKActions: { member: [] },
    AlarmActions: { member: [] },
    InsufficientDataActions: { member: [] },
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateUpdatedTimestamp: new Date(alarm.stateUpdatedAt).toISOString(),
    MetricName: alarm.metricName,
    Namespace: alarm.namespace,
    Statistic: alarm.statistic,
    Dimensions: { member: alarm.dimensions.map((d) => ({ Name: d.name, Value: d.value })) },
    Period: alarm.periodSec,
    Unit: alarm.unit,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparison,
    TreatMissingData: alarm.treatMissingData,
    StateTransitionedTimestamp: new Date(alarm.stateUpdatedAt).toISOString(),
  };
}
