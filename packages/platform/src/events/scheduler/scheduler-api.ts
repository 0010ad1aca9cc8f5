import type { AwsRequest } from "../../aws/http-types.js";
import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import { RestRouter } from "../../aws/rest-router.js";
import { WireReader } from "../../aws/wire-validation.js";
import { schedulerError } from "../errors.js";
import { readTagList, type TagStore, tagList } from "../tags.js";
import { DEFAULT_GROUP, type ScheduleDoc, type ScheduleGroupDoc } from "./schedule-model.js";
import type { ScheduleService } from "./schedule-service.js";
import { readSchedule } from "./schedule-wire.js";

const NAME = /^[0-9a-zA-Z-_.]+$/;

/** EventBridge Scheduler over restJson1 (signing name `scheduler`): /schedules and /schedule-groups. */
export function createSchedulerApi(schedules: ScheduleService, tags: TagStore): RestRouter {
  const router = new RestRouter();
  const name = (params: Record<string, string>) => {
    const value = params.Name ?? "";
    if (!NAME.test(value) || value.length > 64)
      throw schedulerError.validation(`Name ${value} must be 1 to 64 letters, digits, '-', '_' or '.'.`);
    return value;
  };
  const groupOf = (req: AwsRequest) => req.query.get("groupName") ?? DEFAULT_GROUP;

  router.add("POST", "/schedules/{Name}", async (req, params) => {
    const doc = await schedules.create(readSchedule(name(params), readJsonBody(req)));
    return jsonResult(200, { ScheduleArn: doc.arn });
  });
  router.add("PUT", "/schedules/{Name}", async (req, params) => {
    const doc = await schedules.update(readSchedule(name(params), readJsonBody(req)));
    return jsonResult(200, { ScheduleArn: doc.arn });
  });
  router.add("GET", "/schedules/{Name}", async (req, params) =>
    jsonResult(200, wireSchedule(await schedules.get(groupOf(req), name(params)))),
  );
  router.add("DELETE", "/schedules/{Name}", async (req, params) => {
    await schedules.delete(groupOf(req), name(params));
    return jsonResult(200, {});
  });
  router.add("GET", "/schedules", async (req) => {
    const q = req.query;
    const prefix = q.get("NamePrefix") ?? undefined;
    const group = q.get("ScheduleGroup") ?? undefined;
    const state = q.get("State") ?? undefined;
    if (state !== undefined && state !== "ENABLED" && state !== "DISABLED")
      throw schedulerError.validation("State must be ENABLED or DISABLED.");
    const all = (await schedules.list(group))
      .filter(
        (s) =>
          (prefix === undefined || s.name.startsWith(prefix)) && (state === undefined || s.state === state),
      )
      .sort((a, b) => `${a.group}/${a.name}`.localeCompare(`${b.group}/${b.name}`));
    const { items, next } = pageOf(all, (s) => `${s.group}/${s.name}`, req);
    return jsonResult(200, {
      Schedules: items.map((s) => ({
        Arn: s.arn,
        Name: s.name,
        GroupName: s.group,
        State: s.state,
        CreationDate: s.createdAt / 1000,
        LastModificationDate: s.modifiedAt / 1000,
        Target: { Arn: s.target.arn },
      })),
      ...(next && { NextToken: next }),
    });
  });

  router.add("POST", "/schedule-groups/{Name}", async (req, params) => {
    const body = readJsonBody(req);
    const given = body.Tags === undefined ? undefined : readTagList(body.Tags);
    if (body.Tags !== undefined && !given)
      throw schedulerError.validation("Tags must be at most 50 {Key, Value} pairs.");
    const group = await schedules.createGroup(name(params));
    if (given) await tags.tag(group.arn, given);
    return jsonResult(200, { ScheduleGroupArn: group.arn });
  });
  router.add("GET", "/schedule-groups/{Name}", async (_req, params) => {
    const group = await schedules.getGroup(name(params));
    if (!group) throw schedulerError.notFound(`Schedule group ${params.Name} does not exist.`);
    return jsonResult(200, wireGroup(group));
  });
  router.add("DELETE", "/schedule-groups/{Name}", async (_req, params) => {
    const group = await schedules.getGroup(name(params));
    await schedules.deleteGroup(name(params));
    if (group) await tags.drop(group.arn);
    return jsonResult(200, {});
  });
  // Tags of schedule groups (schedules themselves carry none in Scheduler).
  const groupArnOf = async (params: Record<string, string>) => {
    const arn = params.ResourceArn ?? "";
    const m = /:schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(arn);
    const group = m?.[1] === undefined ? undefined : await schedules.getGroup(m[1]);
    if (!group || group.arn !== arn) throw schedulerError.notFound(`Resource ${arn} does not exist.`);
    return arn;
  };
  router.add("GET", "/tags/{ResourceArn}", async (_req, params) =>
    jsonResult(200, { Tags: tagList(await tags.get(await groupArnOf(params))) }),
  );
  router.add("POST", "/tags/{ResourceArn}", async (req, params) => {
    const arn = await groupArnOf(params);
    const given = readTagList(readJsonBody(req).Tags);
    if (!given) throw schedulerError.validation("Tags must be at most 50 {Key, Value} pairs.");
    if (!(await tags.tag(arn, given)))
      throw schedulerError.validation("A resource can have at most 50 tags.");
    return jsonResult(200, {});
  });
  router.add("DELETE", "/tags/{ResourceArn}", async (req, params) => {
    await tags.untag(await groupArnOf(params), req.query.getAll("TagKeys"));
    return jsonResult(200, {});
  });
  router.add("GET", "/schedule-groups", async (req) => {
    const prefix = req.query.get("NamePrefix") ?? undefined;
    const all = (await schedules.listGroups())
      .filter((g) => prefix === undefined || g.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { items, next } = pageOf(all, (g) => g.name, req);
    return jsonResult(200, { ScheduleGroups: items.map(wireGroup), ...(next && { NextToken: next }) });
  });
  return router;
}

function pageOf<T>(
  all: T[],
  key: (item: T) => string,
  req: AwsRequest,
): { items: T[]; next: string | undefined } {
  const r = new WireReader({});
  const max = Number(req.query.get("MaxResults") ?? "100");
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    r.fail(String(max), "MaxResults", "Member must have value between 1 and 100");
    r.done();
  }
  const token = req.query.get("NextToken");
  const after = token ? Buffer.from(token, "base64url").toString("utf8") : undefined;
  const rest = after === undefined ? all : all.filter((i) => key(i) > after);
  const items = rest.slice(0, max);
  const last = items.at(-1);
  return {
    items,
    next: rest.length > max && last ? Buffer.from(key(last)).toString("base64url") : undefined,
  };
}

function wireGroup(g: ScheduleGroupDoc): Record<string, unknown> {
  return {
    Arn: g.arn,
    Name: g.name,
    State: "ACTIVE",
    CreationDate: g.createdAt / 1000,
    LastModificationDate: g.modifiedAt / 1000,
  };
}

function wireSchedule(s: ScheduleDoc): Record<string, unknown> {
  return {
    Arn: s.arn,
    Name: s.name,
    GroupName: s.group,
    ScheduleExpression: s.expression,
    ScheduleExpressionTimezone: s.timezone,
    ...(s.startDate !== undefined && { StartDate: s.startDate / 1000 }),
    ...(s.endDate !== undefined && { EndDate: s.endDate / 1000 }),
    ...(s.description !== undefined && { Description: s.description }),
    State: s.state,
    FlexibleTimeWindow: {
      Mode: s.window.mode,
      ...(s.window.maximumWindowMinutes !== undefined && {
        MaximumWindowInMinutes: s.window.maximumWindowMinutes,
      }),
    },
    Target: {
      Arn: s.target.arn,
      RoleArn: s.target.roleArn,
      ...(s.target.input !== undefined && { Input: s.target.input }),
      RetryPolicy: {
        MaximumRetryAttempts: s.target.retryPolicy.maximumRetryAttempts,
        MaximumEventAgeInSeconds: s.target.retryPolicy.maximumEventAgeSeconds,
      },
      ...(s.target.deadLetterArn !== undefined && { DeadLetterConfig: { Arn: s.target.deadLetterArn } }),
      ...(s.target.messageGroupId !== undefined && {
        SqsParameters: { MessageGroupId: s.target.messageGroupId },
      }),
    },
    ActionAfterCompletion: s.actionAfterCompletion,
    CreationDate: s.createdAt / 1000,
    LastModificationDate: s.modifiedAt / 1000,
  };
}
