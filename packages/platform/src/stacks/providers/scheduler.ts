import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import {
  ignoreGone,
  invalidProperty,
  numericRetry,
  object,
  scalar,
  tagChanges,
  tagMap,
} from "./service-props.js";

const SCHEDULE = "AWS::Scheduler::Schedule";
const GROUP = "AWS::Scheduler::ScheduleGroup";
const GONE = ["ResourceNotFoundException"];

/** An ISO 8601 date property as the epoch seconds Scheduler's restJson1 body carries. */
function epochSeconds(props: ResolvedProperties, name: string): number | undefined {
  const value = scalar(props, name, SCHEDULE);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidProperty(SCHEDULE, name, `must be an ISO 8601 date-time, got ${value}`);
  return ms / 1000;
}

/**
 * The CreateSchedule / UpdateSchedule body of a schedule's properties (CloudFormation uses the
 * API's member names; dates are ISO strings in templates and epoch seconds on the wire).
 * UpdateSchedule replaces the whole schedule, so members the template dropped are cleared.
 */
export function scheduleBody(props: ResolvedProperties): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const member of [
    "GroupName",
    "Description",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "State",
  ]) {
    const value = scalar(props, member, SCHEDULE);
    if (value !== undefined) body[member] = value;
  }
  const start = epochSeconds(props, "StartDate");
  if (start !== undefined) body.StartDate = start;
  const end = epochSeconds(props, "EndDate");
  if (end !== undefined) body.EndDate = end;
  const window = object(props, "FlexibleTimeWindow", SCHEDULE);
  if (window) {
    const minutes = window.MaximumWindowInMinutes;
    body.FlexibleTimeWindow = {
      ...window,
      ...(typeof minutes === "string" && { MaximumWindowInMinutes: Number(minutes) }),
    };
  }
  const target = object(props, "Target", SCHEDULE);
  if (target) body.Target = numericRetry(target);
  return body;
}

function groupQuery(props: ResolvedProperties): string {
  const group = scalar(props, "GroupName", SCHEDULE);
  return group === undefined ? "" : `?groupName=${encodeURIComponent(group)}`;
}

const scheduleProvider: ResourceProvider = {
  type: SCHEDULE,
  // KmsKeyArn is left out: Nimbus does not encrypt schedules with customer keys.
  properties: [
    "Name",
    "GroupName",
    "Description",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "StartDate",
    "EndDate",
    "State",
    "FlexibleTimeWindow",
    "Target",
  ],
  required: ["ScheduleExpression", "FlexibleTimeWindow", "Target"],
  replaceOn: ["Name", "GroupName"],
  async create(ctx, logicalId, props) {
    const name = scalar(props, "Name", SCHEDULE) ?? ctx.physicalName(logicalId, { maxLength: 64 });
    // CreateSchedule refuses an existing name in the group (ConflictException), as in CloudFormation.
    const out = await ctx.api.rest<{ ScheduleArn: string }>(
      "scheduler",
      "POST",
      `/schedules/${encodeURIComponent(name)}`,
      scheduleBody(props),
    );
    return { physicalId: name, attributes: { Arn: out.ScheduleArn } };
  },
  async update(ctx, _logicalId, current, props) {
    const out = await ctx.api.rest<{ ScheduleArn: string }>(
      "scheduler",
      "PUT",
      `/schedules/${encodeURIComponent(current.physicalId)}`,
      scheduleBody(props),
    );
    return { physicalId: current.physicalId, attributes: { Arn: out.ScheduleArn } };
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(GONE, () =>
      ctx.api.rest(
        "scheduler",
        "DELETE",
        `/schedules/${encodeURIComponent(current.physicalId)}${groupQuery(current.properties)}`,
      ),
    );
  },
};

async function groupResult(ctx: ProviderContext, name: string) {
  const g = await ctx.api.rest<Record<string, unknown>>(
    "scheduler",
    "GET",
    `/schedule-groups/${encodeURIComponent(name)}`,
  );
  // The API answers epoch seconds; the attributes are ISO 8601 timestamps, as in templates.
  const iso = (seconds: unknown) =>
    typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : undefined;
  return {
    physicalId: name,
    attributes: {
      Arn: g.Arn,
      CreationDate: iso(g.CreationDate),
      LastModificationDate: iso(g.LastModificationDate),
      State: g.State,
    },
  };
}

const groupProvider: ResourceProvider = {
  type: GROUP,
  properties: ["Name", "Tags"],
  replaceOn: ["Name"],
  async create(ctx, logicalId, props) {
    const name = scalar(props, "Name", GROUP) ?? ctx.physicalName(logicalId, { maxLength: 64 });
    const tags = tagMap(props, GROUP);
    await ctx.api.rest("scheduler", "POST", `/schedule-groups/${encodeURIComponent(name)}`, {
      ...(Object.keys(tags).length > 0 && {
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    });
    return groupResult(ctx, name);
  },
  async update(ctx, _logicalId, current, props) {
    const arn = String((await groupResult(ctx, current.physicalId)).attributes.Arn);
    const { set, remove } = tagChanges(tagMap(current.properties, GROUP), tagMap(props, GROUP));
    const path = `/tags/${encodeURIComponent(arn)}`;
    if (remove.length > 0)
      await ctx.api.rest(
        "scheduler",
        "DELETE",
        `${path}?${remove.map((k) => `TagKeys=${encodeURIComponent(k)}`).join("&")}`,
      );
    if (Object.keys(set).length > 0)
      await ctx.api.rest("scheduler", "POST", path, {
        Tags: Object.entries(set).map(([Key, Value]) => ({ Key, Value })),
      });
    return groupResult(ctx, current.physicalId);
  },
  async delete(ctx, _logicalId, current) {
    // Deleting a group deletes the schedules still in it, as on AWS.
    await ignoreGone(GONE, () =>
      ctx.api.rest("scheduler", "DELETE", `/schedule-groups/${encodeURIComponent(current.physicalId)}`),
    );
  },
};

/** AWS::Scheduler::Schedule and AWS::Scheduler::ScheduleGroup. */
export function schedulerProviders(): ResourceProvider[] {
  return [scheduleProvider, groupProvider];
}
