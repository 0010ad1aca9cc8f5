import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import {
  alreadyExists,
  ignoreGone,
  invalidProperty,
  isGone,
  jsonText,
  list,
  numericRetry,
  scalar,
  tagChanges,
  tagMap,
  updateUnsupported,
} from "./service-props.js";

const BUS = "AWS::Events::EventBus";
const RULE = "AWS::Events::Rule";
const GONE = ["ResourceNotFoundException"];
const DEFAULT_BUS = "default";

/** The bus name of `EventBusName` (a name or a bus ARN), `default` when absent. */
export function busNameOf(value: string | undefined): string {
  if (value === undefined || value === "") return DEFAULT_BUS;
  const arn = /^arn:aws[a-z-]*:events:[^:]*:\d{12}:event-bus\/(.+)$/.exec(value);
  return arn?.[1] ?? value;
}

/**
 * A rule's Ref, as CloudFormation answers it: the rule name on the default bus,
 * `<bus>|<rule>` on any other bus.
 */
export function ruleRef(bus: string, name: string): string {
  return bus === DEFAULT_BUS ? name : `${bus}|${name}`;
}

/** The bus and rule names of a rule's physical id (its Ref). */
export function parseRuleRef(ref: string): { bus: string; name: string } {
  const bar = ref.lastIndexOf("|");
  return bar === -1 ? { bus: DEFAULT_BUS, name: ref } : { bus: ref.slice(0, bar), name: ref.slice(bar + 1) };
}

async function applyTags(
  ctx: ProviderContext,
  arn: string,
  before: Record<string, string>,
  after: Record<string, string>,
) {
  const { set, remove } = tagChanges(before, after);
  if (remove.length > 0) await ctx.api.json("AWSEvents.UntagResource", { ResourceARN: arn, TagKeys: remove });
  if (Object.keys(set).length > 0)
    await ctx.api.json("AWSEvents.TagResource", {
      ResourceARN: arn,
      Tags: Object.entries(set).map(([Key, Value]) => ({ Key, Value })),
    });
}

const busProvider: ResourceProvider = {
  type: BUS,
  // EventSourceName (partner buses), Policy, DeadLetterConfig and KmsKeyIdentifier are not
  // applied by Nimbus's EventBridge: left for the planner to report.
  properties: ["Name", "Description", "Tags"],
  required: ["Name"],
  replaceOn: ["Name"],
  async create(ctx, _logicalId, props) {
    const name = scalar(props, "Name", BUS) ?? "";
    const description = scalar(props, "Description", BUS);
    const tags = tagMap(props, BUS);
    // CreateEventBus refuses an existing bus (ResourceAlreadyExistsException), as in CloudFormation.
    const out = await ctx.api.json<{ EventBusArn: string }>("AWSEvents.CreateEventBus", {
      Name: name,
      ...(description !== undefined && { Description: description }),
      ...(Object.keys(tags).length > 0 && {
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    });
    return { physicalId: name, attributes: { Arn: out.EventBusArn, Name: name } };
  },
  async update(ctx, _logicalId, current, props) {
    const name = current.physicalId;
    if (scalar(current.properties, "Description", BUS) !== scalar(props, "Description", BUS))
      throw updateUnsupported(BUS, "Description", "Nimbus's EventBridge has no UpdateEventBus");
    const { Arn: arn } = await ctx.api.json<{ Arn: string }>("AWSEvents.DescribeEventBus", { Name: name });
    await applyTags(ctx, arn, tagMap(current.properties, BUS), tagMap(props, BUS));
    return { physicalId: name, attributes: { Arn: arn, Name: name } };
  },
  async delete(ctx, _logicalId, current) {
    // Deleting a bus that does not exist succeeds; its remaining rules go with it.
    await ignoreGone(GONE, () => ctx.api.json("AWSEvents.DeleteEventBus", { Name: current.physicalId }));
  },
};

/** The PutRule input of a rule's properties. */
export function putRuleInput(name: string, bus: string, props: ResolvedProperties): Record<string, unknown> {
  const input: Record<string, unknown> = { Name: name };
  if (bus !== DEFAULT_BUS) input.EventBusName = bus;
  const pattern = jsonText(props, "EventPattern", RULE);
  if (pattern !== undefined) input.EventPattern = pattern;
  for (const member of ["ScheduleExpression", "State", "Description", "RoleArn"]) {
    const value = scalar(props, member, RULE);
    if (value !== undefined) input[member] = value;
  }
  return input;
}

/** The rule's targets as PutTargets takes them (CloudFormation uses the API's member names). */
export function ruleTargets(props: ResolvedProperties): Record<string, unknown>[] {
  const targets = list(props, "Targets", RULE).map((t) => {
    const target = t as Record<string, unknown> | null;
    if (typeof target?.Id !== "string" || typeof target.Arn !== "string")
      throw invalidProperty(RULE, "Targets", "entries need Id and Arn strings");
    return numericRetry(target);
  });
  const ids = new Set(targets.map((t) => t.Id));
  if (ids.size !== targets.length) throw invalidProperty(RULE, "Targets", "has duplicate Ids");
  return targets;
}

async function putTargets(
  ctx: ProviderContext,
  name: string,
  bus: string,
  targets: Record<string, unknown>[],
) {
  for (let i = 0; i < targets.length; i += 10) {
    const out = await ctx.api.json<{
      FailedEntryCount?: number;
      FailedEntries?: { TargetId?: string; ErrorMessage?: string }[];
    }>("AWSEvents.PutTargets", { Rule: name, EventBusName: bus, Targets: targets.slice(i, i + 10) });
    // PutTargets answers per-target failures in its result; CloudFormation fails the resource.
    const failed = out.FailedEntries ?? [];
    if ((out.FailedEntryCount ?? 0) > 0 || failed.length > 0)
      throw invalidProperty(
        RULE,
        "Targets",
        failed.map((f) => `target ${f.TargetId ?? "?"}: ${f.ErrorMessage ?? "failed"}`).join("; "),
      );
  }
}

async function removeTargets(ctx: ProviderContext, name: string, bus: string, ids: string[]) {
  for (let i = 0; i < ids.length; i += 100)
    await ctx.api.json("AWSEvents.RemoveTargets", {
      Rule: name,
      EventBusName: bus,
      Ids: ids.slice(i, i + 100),
    });
}

const ruleProvider: ResourceProvider = {
  type: RULE,
  properties: [
    "Name",
    "Description",
    "EventBusName",
    "EventPattern",
    "ScheduleExpression",
    "State",
    "RoleArn",
    "Targets",
  ],
  replaceOn: ["Name", "EventBusName"],
  async create(ctx, logicalId, props) {
    const bus = busNameOf(scalar(props, "EventBusName", RULE));
    const name = scalar(props, "Name", RULE) ?? ctx.physicalName(logicalId, { maxLength: 64 });
    const targets = ruleTargets(props);
    // PutRule updates an existing rule; CloudFormation does not take one over.
    try {
      await ctx.api.json("AWSEvents.DescribeRule", { Name: name, EventBusName: bus });
      throw alreadyExists(RULE, ruleRef(bus, name));
    } catch (error) {
      if (!isGone(error, GONE)) throw error;
    }
    const out = await ctx.api.json<{ RuleArn: string }>("AWSEvents.PutRule", putRuleInput(name, bus, props));
    try {
      if (targets.length > 0) await putTargets(ctx, name, bus, targets);
    } catch (error) {
      await ignoreGone(GONE, async () => {
        await removeTargets(
          ctx,
          name,
          bus,
          targets.map((t) => String(t.Id)),
        );
        await ctx.api.json("AWSEvents.DeleteRule", { Name: name, EventBusName: bus });
      });
      throw error;
    }
    return { physicalId: ruleRef(bus, name), attributes: { Arn: out.RuleArn } };
  },
  async update(ctx, _logicalId, current, props) {
    const { bus, name } = parseRuleRef(current.physicalId);
    const targets = ruleTargets(props);
    // PutRule replaces the whole rule: members the template dropped are cleared, as on AWS.
    const out = await ctx.api.json<{ RuleArn: string }>("AWSEvents.PutRule", putRuleInput(name, bus, props));
    const keep = new Set(targets.map((t) => t.Id));
    const listed = await ctx.api.json<{ Targets?: { Id: string }[] }>("AWSEvents.ListTargetsByRule", {
      Rule: name,
      EventBusName: bus,
    });
    const stale = (listed.Targets ?? []).map((t) => t.Id).filter((id) => !keep.has(id));
    if (stale.length > 0) await removeTargets(ctx, name, bus, stale);
    if (targets.length > 0) await putTargets(ctx, name, bus, targets);
    return { physicalId: current.physicalId, attributes: { Arn: out.RuleArn } };
  },
  async delete(ctx, _logicalId, current) {
    const { bus, name } = parseRuleRef(current.physicalId);
    await ignoreGone(GONE, async () => {
      let token: string | undefined;
      const ids: string[] = [];
      do {
        const page = await ctx.api.json<{ Targets?: { Id: string }[]; NextToken?: string }>(
          "AWSEvents.ListTargetsByRule",
          { Rule: name, EventBusName: bus, ...(token && { NextToken: token }) },
        );
        ids.push(...(page.Targets ?? []).map((t) => t.Id));
        token = page.NextToken;
      } while (token);
      // A rule with targets cannot be deleted: remove them first, as CloudFormation does.
      if (ids.length > 0) await removeTargets(ctx, name, bus, ids);
      await ctx.api.json("AWSEvents.DeleteRule", { Name: name, EventBusName: bus });
    });
  },
};

/** AWS::Events::EventBus and AWS::Events::Rule (Archive, Connection, ApiDestination: not supported). */
export function eventsProviders(): ResourceProvider[] {
  return [busProvider, ruleProvider];
}
