import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import { alreadyExists, ignoreGone, invalidProperty, list, scalar } from "./service-props.js";

const ALARM = "AWS::CloudWatch::Alarm";
/** Scalar properties passed to PutMetricAlarm as they are. */
const SCALARS = [
  "AlarmDescription",
  "Namespace",
  "MetricName",
  "Statistic",
  "Unit",
  "Period",
  "EvaluationPeriods",
  "DatapointsToAlarm",
  "Threshold",
  "ComparisonOperator",
  "TreatMissingData",
  "ActionsEnabled",
] as const;

/**
 * AWS::CloudWatch::Alarm through Nimbus's CloudWatch alarms (stacks/deployments/alarms.ts):
 * AWS/Lambda Invocations, Errors, Throttles and Duration with FunctionName / Resource /
 * ExecutedVersion dimensions and the Sum, Average, Maximum, Minimum and SampleCount statistics,
 * evaluated on Nimbus's own invocation metrics. Other namespaces and metrics are refused by
 * PutMetricAlarm with a message naming them. Alarm actions, metric math (Metrics), percentiles
 * (ExtendedStatistic), anomaly detection (ThresholdMetricId) and Tags are not listed, so the plan
 * reports them as not applied.
 */
export function cloudWatchProviders(): ResourceProvider[] {
  return [alarmProvider];
}

const alarmProvider: ResourceProvider = {
  type: ALARM,
  properties: ["AlarmName", ...SCALARS, "Dimensions"],
  required: ["ComparisonOperator", "EvaluationPeriods"],
  replaceOn: ["AlarmName"],
  async create(ctx, logicalId, props) {
    const given = scalar(props, "AlarmName", ALARM);
    // PutMetricAlarm overwrites; CloudFormation refuses to take over an alarm it did not create.
    if (given !== undefined && (await exists(ctx, given))) throw alreadyExists(ALARM, given);
    return put(ctx, given ?? ctx.physicalName(logicalId, { maxLength: 255 }), props);
  },
  async update(ctx, _logicalId, current, props) {
    return put(ctx, current.physicalId, props);
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(["ResourceNotFound"], () =>
      ctx.api.query("monitoring", "DeleteAlarms", { "AlarmNames.member.1": current.physicalId }),
    );
  },
};

async function exists(ctx: ProviderContext, name: string): Promise<boolean> {
  const found = (await ctx.api.query("monitoring", "DescribeAlarms", { "AlarmNames.member.1": name })) as
    | { MetricAlarms?: { member?: unknown[] } }
    | undefined;
  return (found?.MetricAlarms?.member?.length ?? 0) > 0;
}

async function put(ctx: ProviderContext, name: string, props: ResolvedProperties) {
  const params: Record<string, string> = { AlarmName: name };
  for (const key of SCALARS) {
    const value = scalar(props, key, ALARM);
    if (value !== undefined) params[key] = value;
  }
  list(props, "Dimensions", ALARM).forEach((item, i) => {
    const dim = item as { Name?: unknown; Value?: unknown } | null;
    if (typeof dim?.Name !== "string" || dim.Value === undefined || dim.Value === null)
      throw invalidProperty(ALARM, "Dimensions", "must be a list of {Name, Value}");
    params[`Dimensions.member.${i + 1}.Name`] = dim.Name;
    params[`Dimensions.member.${i + 1}.Value`] = String(dim.Value);
  });
  await ctx.api.query("monitoring", "PutMetricAlarm", params);
  const arn = `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}`;
  return { physicalId: name, attributes: { Arn: arn } };
}
