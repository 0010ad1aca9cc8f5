import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import { addPermission, copy, required } from "./event-support.js";
import { assumeRolePolicy } from "./role.js";
import type { EventTarget } from "./types.js";
import { getAtt, isIntrinsic, isObject, ref } from "./util.js";

/**
 * Schedule, EventBridgeRule / CloudWatchEvent (AWS::Events::Rule) and ScheduleV2
 * (AWS::Scheduler::Schedule) events of functions and state machines.
 */

/** A rule's dead-letter queue: `{ Arn }`, or `{ Type: SQS, QueueLogicalId? }` (SAM makes the queue). */
function deadLetter(
  build: SamBuild,
  target: EventTarget,
  eventId: string,
  config: TemplateValue | undefined,
  principal: string,
  sourceArn: TemplateValue,
): TemplateObject | undefined {
  if (!isObject(config)) return undefined;
  if (config.Arn !== undefined) return { Arn: config.Arn };
  if (config.Type !== "SQS") {
    throw new SamResourceError(eventId, "No 'Arn' or 'Type' property provided for DeadLetterConfig");
  }
  const queueId = typeof config.QueueLogicalId === "string" ? config.QueueLogicalId : `${eventId}Queue`;
  build.add(queueId, { Type: "AWS::SQS::Queue", Properties: {}, ...target.attributes }, target.logicalId);
  build.add(
    `${queueId}Policy`,
    {
      Type: "AWS::SQS::QueuePolicy",
      Properties: {
        Queues: [ref(queueId)],
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Action: "sqs:SendMessage",
              Effect: "Allow",
              Principal: { Service: principal },
              Resource: getAtt(queueId, "Arn"),
              Condition: { ArnEquals: { "aws:SourceArn": sourceArn } },
            },
          ],
        },
      },
      ...target.attributes,
    },
    target.logicalId,
  );
  return { Arn: getAtt(queueId, "Arn") };
}

/** The rule target (and, for a state machine, the role EventBridge assumes to start it). */
function ruleTarget(
  build: SamBuild,
  target: EventTarget,
  eventId: string,
  id?: TemplateValue,
): TemplateObject {
  if (target.kind === "function") {
    addPermission(build, target, `${eventId}Permission`, "events.amazonaws.com", {
      sourceArn: getAtt(eventId, "Arn"),
    });
    return { Arn: target.arn, Id: id ?? `${eventId}LambdaTarget` };
  }
  const roleId = `${eventId}Role`;
  build.add(
    roleId,
    invokeRole(eventId, "events.amazonaws.com", "states:StartExecution", target, "StartExecutionPolicy"),
    target.logicalId,
  );
  return { Arn: target.arn, Id: id ?? `${eventId}StepFunctionsTarget`, RoleArn: getAtt(roleId, "Arn") };
}

/** A role a service assumes to invoke the target (rules and schedules of state machines, ScheduleV2). */
export function invokeRole(
  eventId: string,
  service: string,
  action: string,
  target: EventTarget,
  policySuffix: string,
  permissionsBoundary?: TemplateValue,
): ResourceDefinition {
  const properties: TemplateObject = {
    AssumeRolePolicyDocument: assumeRolePolicy(service),
    Policies: [
      {
        PolicyName: `${eventId}Role${policySuffix}`,
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [{ Action: action, Effect: "Allow", Resource: target.arn }],
        },
      },
    ],
  };
  if (permissionsBoundary !== undefined) properties.PermissionsBoundary = permissionsBoundary;
  return { Type: "AWS::IAM::Role", Properties: properties, ...target.attributes };
}

function ruleState(p: TemplateObject): TemplateValue | undefined {
  if (p.State !== undefined) return p.State;
  if (p.Enabled === undefined) return undefined;
  if (isIntrinsic(p.Enabled)) return { "Fn::If": [p.Enabled, "ENABLED", "DISABLED"] } as TemplateValue;
  return p.Enabled === false || p.Enabled === "false" ? "DISABLED" : "ENABLED";
}

export function scheduleEvent(
  build: SamBuild,
  target: EventTarget,
  eventId: string,
  p: TemplateObject,
): void {
  const rule: TemplateObject = { ScheduleExpression: required(p, "Schedule", eventId) };
  copy(p, rule, ["Name", "Description"]);
  const state = ruleState(p);
  if (state !== undefined) rule.State = state;
  const ruleTargetObject = ruleTarget(build, target, eventId);
  if (p.Input !== undefined) ruleTargetObject.Input = p.Input;
  if (p.RetryPolicy !== undefined) ruleTargetObject.RetryPolicy = p.RetryPolicy;
  const dlq = deadLetter(
    build,
    target,
    eventId,
    p.DeadLetterConfig,
    "events.amazonaws.com",
    getAtt(eventId, "Arn"),
  );
  if (dlq !== undefined) ruleTargetObject.DeadLetterConfig = dlq;
  rule.Targets = [ruleTargetObject];
  build.add(eventId, { Type: "AWS::Events::Rule", Properties: rule, ...target.attributes }, target.logicalId);
}

export function ruleEvent(build: SamBuild, target: EventTarget, eventId: string, p: TemplateObject): void {
  const rule: TemplateObject = { EventPattern: required(p, "Pattern", eventId) };
  copy(p, rule, ["EventBusName", "State"], {});
  if (p.RuleName !== undefined) rule.Name = p.RuleName;
  const targetOptions = isObject(p.Target) ? p.Target : {};
  const ruleTargetObject = ruleTarget(build, target, eventId, targetOptions.Id);
  copy(p, ruleTargetObject, ["Input", "InputPath", "InputTransformer", "RetryPolicy"]);
  const dlq = deadLetter(
    build,
    target,
    eventId,
    p.DeadLetterConfig,
    "events.amazonaws.com",
    getAtt(eventId, "Arn"),
  );
  if (dlq !== undefined) ruleTargetObject.DeadLetterConfig = dlq;
  rule.Targets = [ruleTargetObject];
  build.add(eventId, { Type: "AWS::Events::Rule", Properties: rule, ...target.attributes }, target.logicalId);
}

export function scheduleV2Event(
  build: SamBuild,
  target: EventTarget,
  eventId: string,
  p: TemplateObject,
): void {
  const schedule: TemplateObject = {
    ScheduleExpression: required(p, "ScheduleExpression", eventId),
    FlexibleTimeWindow: p.FlexibleTimeWindow ?? { Mode: "OFF" },
  };
  copy(p, schedule, [
    "Name",
    "Description",
    "GroupName",
    "StartDate",
    "EndDate",
    "ScheduleExpressionTimezone",
    "State",
    "KmsKeyArn",
  ]);
  let roleArn = p.RoleArn;
  if (roleArn === undefined) {
    const roleId = `${eventId}Role`;
    const action = target.kind === "function" ? "lambda:InvokeFunction" : "states:StartExecution";
    const suffix = target.kind === "function" ? "LambdaPolicy" : "StartExecutionPolicy";
    build.add(
      roleId,
      invokeRole(eventId, "scheduler.amazonaws.com", action, target, suffix, p.PermissionsBoundary),
      target.logicalId,
    );
    roleArn = getAtt(roleId, "Arn");
  }
  const scheduleTarget: TemplateObject = { Arn: target.arn, RoleArn: roleArn };
  copy(p, scheduleTarget, ["Input", "RetryPolicy"]);
  const dlq = deadLetter(
    build,
    target,
    eventId,
    p.DeadLetterConfig,
    "scheduler.amazonaws.com",
    getAtt(eventId, "Arn"),
  );
  if (dlq !== undefined) scheduleTarget.DeadLetterConfig = dlq;
  schedule.Target = scheduleTarget;
  build.add(
    eventId,
    { Type: "AWS::Scheduler::Schedule", Properties: schedule, ...target.attributes },
    target.logicalId,
  );
}
