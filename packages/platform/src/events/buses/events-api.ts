import type { JsonRpcService } from "../../aws/json-rpc.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { EventQueue } from "../delivery/event-queue.js";
import { eventsError } from "../errors.js";
import { parseScheduleExpression, ScheduleExpressionError } from "../schedule/schedule-expression.js";
import { readTagList, type TagStore, tagList } from "../tags.js";
import { busArn, busNameOf, DEFAULT_BUS, type RuleState } from "./bus-model.js";
import { type BusService, checkPattern } from "./bus-service.js";
import { type PutEventsEntry, putEvents } from "./put-events.js";
import { parseTarget } from "./target-wire.js";
import {
  BUS_NAME,
  busName,
  page,
  RULE_NAME,
  required,
  seconds,
  WireReader,
  wireRule,
  wireTarget,
} from "./wire.js";

export interface EventsApiDeps {
  buses: BusService;
  queue: EventQueue;
  tags: TagStore;
  scope: AccountScope;
  clock: Clock;
}

/** EventBridge over awsJson1_1 (`X-Amz-Target: AWSEvents.<Op>`). */
export function createEventsApi(deps: EventsApiDeps): JsonRpcService {
  const { buses } = deps;
  const ruleRef = (input: Record<string, unknown>, member = "Name") => {
    const r = new WireReader(input);
    const name = required(r, member, r.string(member, { min: 1, max: 64, pattern: RULE_NAME }));
    const bus = busName(r);
    r.done();
    return { name, bus };
  };
  /** The ARN of an existing bus or rule (`ResourceARN`), else ResourceNotFoundException. */
  const resourceArn = async (input: Record<string, unknown>): Promise<string> => {
    const r = new WireReader(input);
    const arn = required(r, "ResourceARN", r.string("ResourceARN", { min: 1, max: 1600 }));
    r.done();
    const rule = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:rule\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
    if (rule) {
      await buses.requireRule(rule[1] ?? DEFAULT_BUS, rule[2] as string);
      return arn;
    }
    const bus = busNameOf(arn);
    if (arn.startsWith("arn:") && bus !== undefined && (await buses.getBus(bus))) return arn;
    throw eventsError.notFound(`Resource ${arn} does not exist.`);
  };
  const setState = (state: RuleState) => async (input: Record<string, unknown>) => {
    const { name, bus } = ruleRef(input);
    await buses.setState(bus, name, state);
    return {};
  };
  return {
    targetPrefix: "AWSEvents",
    jsonVersion: "1.1",
    operations: {
      async CreateEventBus(input) {
        const r = new WireReader(input);
        const name = required(r, "Name", r.string("Name", { min: 1, max: 256, pattern: BUS_NAME }));
        const description = r.string("Description", { max: 512 });
        r.done();
        for (const member of ["EventSourceName", "KmsKeyIdentifier", "DeadLetterConfig"] as const)
          if (input[member] !== undefined) throw eventsError.unsupported(`CreateEventBus ${member}`);
        if (name.includes("/")) throw eventsError.unsupported("Partner event buses");
        const tags = tagsOf(input.Tags);
        const bus = await buses.createBus(name, description);
        if (tags) await deps.tags.tag(bus.arn, tags);
        return { EventBusArn: bus.arn, ...(description !== undefined && { Description: description }) };
      },
      async DeleteEventBus(input) {
        const r = new WireReader(input);
        const name = required(r, "Name", r.string("Name", { min: 1, max: 256 }));
        r.done();
        await buses.deleteBus(name);
        await deps.tags.drop(busArn(deps.scope, name));
        return {};
      },
      async DescribeEventBus(input) {
        const r = new WireReader(input);
        const name = busName(r, "Name");
        r.done();
        const bus = await buses.requireBus(name);
        return {
          Name: bus.name,
          Arn: bus.arn,
          ...(bus.description !== undefined && { Description: bus.description }),
          CreationTime: seconds(bus.createdAt),
          LastModifiedTime: seconds(bus.lastModifiedAt),
        };
      },
      async ListEventBuses(input) {
        const r = new WireReader(input);
        const prefix = r.string("NamePrefix", { min: 1, max: 256 });
        const all = (await buses.listBuses()).filter(
          (b) => prefix === undefined || b.name.startsWith(prefix),
        );
        const { items, nextToken } = page(all, (b) => b.name, r);
        return {
          EventBuses: items.map((b) => ({
            Name: b.name,
            Arn: b.arn,
            ...(b.description !== undefined && { Description: b.description }),
            CreationTime: seconds(b.createdAt),
            LastModifiedTime: seconds(b.lastModifiedAt),
          })),
          ...(nextToken && { NextToken: nextToken }),
        };
      },
      async PutEvents(input) {
        if (input.EndpointId !== undefined) throw eventsError.unsupported("Global endpoints (EndpointId)");
        const raw = input.Entries;
        if (!Array.isArray(raw)) throw eventsError.validation("Entries must be a list.");
        const entries = raw.map(readEntry);
        const { failed, results } = await putEvents(entries, deps);
        return {
          FailedEntryCount: failed,
          Entries: results.map((e) =>
            e.eventId !== undefined
              ? { EventId: e.eventId }
              : { ErrorCode: e.errorCode, ErrorMessage: e.errorMessage },
          ),
        };
      },
      async PutRule(input) {
        const r = new WireReader(input);
        const name = required(r, "Name", r.string("Name", { min: 1, max: 64, pattern: RULE_NAME }));
        const eventPattern = r.string("EventPattern", { max: 4096 });
        const scheduleExpression = r.string("ScheduleExpression", { max: 256 });
        const state = r.enumValue("State", [
          "ENABLED",
          "DISABLED",
          "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        ]);
        const description = r.string("Description", { max: 512 });
        const roleArn = r.string("RoleArn", { min: 1, max: 1600 });
        const bus = busName(r);
        r.done();
        const tags = tagsOf(input.Tags);
        if (state === "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
          throw eventsError.unsupported("State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
        if (eventPattern === undefined && scheduleExpression === undefined)
          throw eventsError.validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
        if (scheduleExpression !== undefined) {
          if (bus !== DEFAULT_BUS)
            throw eventsError.validation("ScheduleExpression is supported only on the default event bus.");
          try {
            parseScheduleExpression(scheduleExpression, { allowAt: false });
          } catch (error) {
            if (error instanceof ScheduleExpressionError)
              throw eventsError.validation("Parameter ScheduleExpression is not valid.");
            throw error;
          }
        }
        const rule = await buses.putRule({
          name,
          busName: bus,
          ...(eventPattern !== undefined && { eventPattern }),
          ...(scheduleExpression !== undefined && { scheduleExpression }),
          ...(state !== undefined && { state }),
          ...(description !== undefined && { description }),
          ...(roleArn !== undefined && { roleArn }),
        });
        if (tags) await deps.tags.tag(rule.arn, tags);
        return { RuleArn: rule.arn };
      },
      async DescribeRule(input) {
        const { name, bus } = ruleRef(input);
        const rule = await buses.requireRule(bus, name);
        return { ...wireRule(rule), CreatedBy: deps.scope.accountId };
      },
      async ListRules(input) {
        const r = new WireReader(input);
        const prefix = r.string("NamePrefix", { min: 1, max: 64 });
        const bus = busName(r);
        await buses.requireBus(bus);
        const all = (await buses.listRules(bus)).filter(
          (x) => prefix === undefined || x.name.startsWith(prefix),
        );
        const { items, nextToken } = page(all, (x) => x.name, r);
        return { Rules: items.map(wireRule), ...(nextToken && { NextToken: nextToken }) };
      },
      EnableRule: setState("ENABLED"),
      DisableRule: setState("DISABLED"),
      async DeleteRule(input) {
        const { name, bus } = ruleRef(input);
        const rule = await buses.getRule(bus, name);
        await buses.deleteRule(bus, name);
        if (rule) await deps.tags.drop(rule.arn);
        return {};
      },
      async PutTargets(input) {
        const { name, bus } = ruleRef(input, "Rule");
        const raw = input.Targets;
        if (!Array.isArray(raw) || raw.length === 0 || raw.length > 10)
          throw eventsError.validation("Targets must be a list of 1 to 10 targets.");
        const parsed = raw.map(parseTarget);
        const failed = parsed.flatMap((p) =>
          p.ok ? [] : [{ TargetId: p.id, ErrorCode: p.code, ErrorMessage: p.message }],
        );
        const good = parsed.flatMap((p) => (p.ok ? [p.target] : []));
        await buses.updateTargets(bus, name, (current) => {
          const byId = new Map(current.map((t) => [t.id, t]));
          for (const t of good) byId.set(t.id, t);
          return [...byId.values()];
        });
        return { FailedEntryCount: failed.length, FailedEntries: failed };
      },
      async RemoveTargets(input) {
        const { name, bus } = ruleRef(input, "Rule");
        const ids = input.Ids;
        if (!Array.isArray(ids) || ids.length === 0 || ids.some((i) => typeof i !== "string"))
          throw eventsError.validation("Ids must be a list of 1 to 100 target ids.");
        const missing: string[] = [];
        await buses.updateTargets(bus, name, (current) => {
          for (const id of ids as string[]) if (!current.some((t) => t.id === id)) missing.push(id);
          return current.filter((t) => !(ids as string[]).includes(t.id));
        });
        return {
          FailedEntryCount: missing.length,
          FailedEntries: missing.map((id) => ({
            TargetId: id,
            ErrorCode: "ResourceNotFoundException",
            ErrorMessage: `Target ${id} does not exist on rule ${name}.`,
          })),
        };
      },
      async ListTargetsByRule(input) {
        const r = new WireReader(input);
        const name = required(r, "Rule", r.string("Rule", { min: 1, max: 64, pattern: RULE_NAME }));
        const bus = busName(r);
        const rule = await buses.requireRule(bus, name);
        const { items, nextToken } = page(rule.targets, (t) => t.id, r);
        return { Targets: items.map(wireTarget), ...(nextToken && { NextToken: nextToken }) };
      },
      async ListRuleNamesByTarget(input) {
        const r = new WireReader(input);
        const arn = required(r, "TargetArn", r.string("TargetArn", { min: 1, max: 1600 }));
        const bus = busName(r);
        const rules = (await buses.listRules(bus)).filter((x) => x.targets.some((t) => t.arn === arn));
        const { items, nextToken } = page(rules, (x) => x.name, r);
        return { RuleNames: items.map((x) => x.name), ...(nextToken && { NextToken: nextToken }) };
      },
      async TagResource(input) {
        const arn = await resourceArn(input);
        const tags = tagsOf(input.Tags);
        if (!tags) throw eventsError.validation("Tags must be a list of {Key, Value}.");
        if (!(await deps.tags.tag(arn, tags)))
          throw eventsError.limitExceeded("A resource can have at most 50 tags.");
        return {};
      },
      async UntagResource(input) {
        const arn = await resourceArn(input);
        const keys = input.TagKeys;
        if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string"))
          throw eventsError.validation("TagKeys must be a list of strings.");
        await deps.tags.untag(arn, keys as string[]);
        return {};
      },
      async ListTagsForResource(input) {
        return { Tags: tagList(await deps.tags.get(await resourceArn(input))) };
      },
      async TestEventPattern(input) {
        const r = new WireReader(input);
        const pattern = required(r, "EventPattern", r.string("EventPattern", { max: 4096 }));
        const eventText = required(r, "Event", r.string("Event"));
        r.done();
        const matcher = checkPattern(pattern);
        let event: unknown;
        try {
          event = JSON.parse(eventText);
        } catch {
          throw eventsError.validation("Parameter Event is not valid.");
        }
        const fields = ["id", "account", "source", "time", "region", "detail-type"];
        if (typeof event !== "object" || event === null || fields.some((f) => !(f in event)))
          throw eventsError.validation(`Parameter Event is not valid: an event has ${fields.join(", ")}.`);
        return { Result: matcher(event) };
      },
    },
  };
}

function tagsOf(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const tags = readTagList(raw);
  if (!tags)
    throw eventsError.validation(
      "Tags must be at most 50 {Key, Value} pairs (keys 1-128, values up to 256, not aws:).",
    );
  return tags;
}

function readEntry(raw: unknown): PutEventsEntry {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw eventsError.validation("Each entry must be a structure.");
  const r = new WireReader(raw as Record<string, unknown>);
  const time = (raw as Record<string, unknown>).Time;
  if (time !== undefined && typeof time !== "number")
    throw eventsError.validation("Time must be a timestamp.");
  const entry: PutEventsEntry = {
    source: r.string("Source"),
    detailType: r.string("DetailType"),
    detail: r.string("Detail"),
    resources: r.stringList("Resources"),
    eventBusName: r.string("EventBusName"),
    traceHeader: r.string("TraceHeader"),
    time: time === undefined ? undefined : Math.round(time * 1000),
  };
  r.done();
  return entry;
}
