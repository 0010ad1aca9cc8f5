import { WireReader } from "../../aws/wire-validation.js";
import { eventsError } from "../errors.js";
import { busNameOf, DEFAULT_BUS, type RetryPolicy, type RuleDoc, type TargetDef } from "./bus-model.js";

/** EventBridge's names: buses and rules `[\.\-_A-Za-z0-9]+`, 1-64 characters (rules) / 256 (buses). */
export const RULE_NAME = /^[.\-_A-Za-z0-9]+$/;
export const BUS_NAME = /^[/.\-_A-Za-z0-9]+$/;

/** Reads a required member, answering ValidationException when it is absent. */
export function required(r: WireReader, member: string, value: string | undefined): string {
  if (value === undefined || value === "") {
    r.fail("null", member, "Member must not be null");
    r.done();
  }
  return value as string;
}

/**
 * A target's `RetryPolicy` (rule targets and Scheduler targets share the shape and limits):
 * the members given replace the defaults already in `policy`.
 */
export function readRetryPolicy(wire: Record<string, unknown>, policy: RetryPolicy): void {
  const p = new WireReader(wire);
  const attempts = p.integer("MaximumRetryAttempts", { min: 0, max: 185 });
  const age = p.integer("MaximumEventAgeInSeconds", { min: 60, max: 86_400 });
  p.done();
  if (attempts !== undefined) policy.maximumRetryAttempts = attempts;
  if (age !== undefined) policy.maximumEventAgeSeconds = age;
}

/** `EventBusName` (a name or an ARN; `default` when absent). */
export function busName(r: WireReader, member = "EventBusName"): string {
  const given = r.string(member, { min: 1, max: 1600 });
  if (given === undefined) return DEFAULT_BUS;
  const name = busNameOf(given);
  if (name === undefined) throw eventsError.validation(`Parameter ${member} is not valid.`);
  return name;
}

/** A page of `items` sorted by `key`, after the NextToken (the last key, base64). */
export function page<T>(
  items: T[],
  key: (item: T) => string,
  r: WireReader,
): { items: T[]; nextToken: string | undefined } {
  const limit = r.integer("Limit", { min: 1, max: 100 }) ?? 100;
  const token = r.string("NextToken", { min: 1, max: 2048 });
  r.done();
  let after: string | undefined;
  if (token !== undefined) {
    after = Buffer.from(token, "base64url").toString("utf8");
    if (after === "") throw eventsError.validation("The NextToken is not valid.");
  }
  const sorted = [...items].sort((a, b) => key(a).localeCompare(key(b)));
  const rest = after === undefined ? sorted : sorted.filter((i) => key(i) > (after as string));
  const slice = rest.slice(0, limit);
  const last = slice.at(-1);
  return {
    items: slice,
    nextToken: rest.length > limit && last ? Buffer.from(key(last), "utf8").toString("base64url") : undefined,
  };
}

/** Epoch ms to the awsJson timestamp (epoch seconds). */
export function seconds(ms: number): number {
  return ms / 1000;
}

export function wireRule(rule: RuleDoc): Record<string, unknown> {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.eventPattern !== undefined && { EventPattern: rule.eventPattern }),
    ...(rule.scheduleExpression !== undefined && { ScheduleExpression: rule.scheduleExpression }),
    State: rule.state,
    ...(rule.description !== undefined && { Description: rule.description }),
    ...(rule.roleArn !== undefined && { RoleArn: rule.roleArn }),
    EventBusName: rule.busName,
  };
}

export function wireTarget(t: TargetDef): Record<string, unknown> {
  return {
    Id: t.id,
    Arn: t.arn,
    ...(t.roleArn !== undefined && { RoleArn: t.roleArn }),
    ...(t.input !== undefined && { Input: t.input }),
    ...(t.inputPath !== undefined && { InputPath: t.inputPath }),
    ...(t.inputTransformer && {
      InputTransformer: {
        InputPathsMap: t.inputTransformer.inputPathsMap,
        InputTemplate: t.inputTransformer.inputTemplate,
      },
    }),
    RetryPolicy: {
      MaximumRetryAttempts: t.retryPolicy.maximumRetryAttempts,
      MaximumEventAgeInSeconds: t.retryPolicy.maximumEventAgeSeconds,
    },
    ...(t.deadLetterArn !== undefined && { DeadLetterConfig: { Arn: t.deadLetterArn } }),
    ...(t.messageGroupId !== undefined && { SqsParameters: { MessageGroupId: t.messageGroupId } }),
  };
}

export { WireReader };
