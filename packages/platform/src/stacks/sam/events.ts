import type { ResourceDefinition, TemplateObject } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import { addPermission, copy, required } from "./event-support.js";
import { awsManagedPolicy } from "./role.js";
import { ruleEvent, scheduleEvent, scheduleV2Event } from "./rule-events.js";
import type { EventTarget } from "./types.js";
import { addDependsOn, getAtt, isIntrinsic, isObject, ref } from "./util.js";

/** Event types handled outside this file (API events go into the API bodies: api-events.ts). */
export const API_EVENT_TYPES = new Set(["Api", "HttpApi"]);

const KNOWN: Record<string, ReadonlySet<string>> = {
  SQS: new Set([
    "Queue",
    "BatchSize",
    "Enabled",
    "FilterCriteria",
    "MaximumBatchingWindowInSeconds",
    "FunctionResponseTypes",
    "ScalingConfig",
    "KmsKeyArn",
  ]),
  SNS: new Set(["Topic", "FilterPolicy", "FilterPolicyScope", "Region", "SqsSubscription", "RedrivePolicy"]),
  S3: new Set(["Bucket", "Events", "Filter"]),
  Schedule: new Set([
    "Schedule",
    "Input",
    "Enabled",
    "State",
    "Name",
    "Description",
    "DeadLetterConfig",
    "RetryPolicy",
  ]),
  ScheduleV2: new Set([
    "ScheduleExpression",
    "FlexibleTimeWindow",
    "Name",
    "Description",
    "GroupName",
    "StartDate",
    "EndDate",
    "ScheduleExpressionTimezone",
    "State",
    "Input",
    "RetryPolicy",
    "DeadLetterConfig",
    "KmsKeyArn",
    "PermissionsBoundary",
    "RoleArn",
  ]),
  EventBridgeRule: new Set([
    "Pattern",
    "EventBusName",
    "Input",
    "InputPath",
    "InputTransformer",
    "Target",
    "DeadLetterConfig",
    "RetryPolicy",
    "State",
    "RuleName",
  ]),
};
KNOWN.CloudWatchEvent = KNOWN.EventBridgeRule as ReadonlySet<string>;

/** Which event types each SAM resource type expands here. */
const FUNCTION_EVENTS = new Set([
  "SQS",
  "SNS",
  "S3",
  "Schedule",
  "ScheduleV2",
  "EventBridgeRule",
  "CloudWatchEvent",
]);
const STATE_MACHINE_EVENTS = new Set(["Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent"]);

/**
 * Expands one non-API event of a function or state machine into the resources SAM makes:
 * an event source mapping (SQS), a subscription (SNS), a bucket notification (S3), a rule
 * (Schedule, EventBridgeRule, CloudWatchEvent) or a scheduler schedule (ScheduleV2), with the
 * permission that lets the source invoke the function. Other types are listed unsupported.
 */
export function expandEvent(
  build: SamBuild,
  target: EventTarget,
  ownerType: string,
  eventName: string,
  type: string,
  properties: TemplateObject,
): void {
  const eventId = `${target.logicalId}${eventName}`;
  const supported = target.kind === "function" ? FUNCTION_EVENTS : STATE_MACHINE_EVENTS;
  if (!supported.has(type)) {
    build.unsupported.push({
      logicalId: target.logicalId,
      type: ownerType,
      property: `Events.${eventName}`,
      reason: `event type ${type} is not supported by Nimbus (the event is not expanded)`,
    });
    return;
  }
  build.checkProperties(
    target.logicalId,
    ownerType,
    properties,
    KNOWN[type] as ReadonlySet<string>,
    `Events.${eventName}.`,
  );
  const p = properties;
  switch (type) {
    case "SQS":
      sqsEvent(build, target, eventId, p);
      return;
    case "SNS":
      snsEvent(build, target, eventId, p);
      return;
    case "S3":
      s3Event(build, target, eventId, p);
      return;
    case "Schedule":
      scheduleEvent(build, target, eventId, p);
      return;
    case "ScheduleV2":
      scheduleV2Event(build, target, eventId, p);
      return;
    default:
      ruleEvent(build, target, eventId, p);
  }
}

function sqsEvent(build: SamBuild, target: EventTarget, eventId: string, p: TemplateObject): void {
  const properties: TemplateObject = {
    EventSourceArn: required(p, "Queue", eventId),
    FunctionName: target.name,
  };
  copy(p, properties, [
    "BatchSize",
    "Enabled",
    "FilterCriteria",
    "MaximumBatchingWindowInSeconds",
    "FunctionResponseTypes",
    "ScalingConfig",
    "KmsKeyArn",
  ]);
  build.add(
    eventId,
    { Type: "AWS::Lambda::EventSourceMapping", Properties: properties, ...target.attributes },
    target.logicalId,
  );
  target.addManagedPolicy(awsManagedPolicy("service-role/AWSLambdaSQSQueueExecutionRole"));
}

function snsEvent(build: SamBuild, target: EventTarget, eventId: string, p: TemplateObject): void {
  const topic = required(p, "Topic", eventId);
  const subscription: TemplateObject = { TopicArn: topic };
  copy(p, subscription, ["FilterPolicy", "FilterPolicyScope", "Region", "RedrivePolicy"]);
  const sqs = p.SqsSubscription;
  if (sqs === undefined || sqs === false) {
    subscription.Endpoint = target.arn;
    subscription.Protocol = "lambda";
    addPermission(build, target, `${eventId}Permission`, "sns.amazonaws.com", { sourceArn: topic });
    build.add(
      eventId,
      { Type: "AWS::SNS::Subscription", Properties: subscription, ...target.attributes },
      target.logicalId,
    );
    return;
  }
  // SqsSubscription: SNS -> queue -> function, with SAM's generated queue and queue policy.
  const options = isObject(sqs) ? sqs : {};
  let queueArn = options.QueueArn;
  let queueUrl = options.QueueUrl;
  if (queueArn === undefined) {
    build.add(
      `${eventId}Queue`,
      { Type: "AWS::SQS::Queue", Properties: {}, ...target.attributes },
      target.logicalId,
    );
    queueArn = getAtt(`${eventId}Queue`, "Arn");
    queueUrl = ref(`${eventId}Queue`);
  } else if (queueUrl === undefined) {
    throw new SamResourceError(eventId, "No QueueUrl is specified for the SqsSubscription.");
  }
  const policyId =
    typeof options.QueuePolicyLogicalId === "string" ? options.QueuePolicyLogicalId : `${eventId}QueuePolicy`;
  build.add(
    policyId,
    {
      Type: "AWS::SQS::QueuePolicy",
      Properties: {
        Queues: [queueUrl ?? null],
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Action: "sqs:SendMessage",
              Effect: "Allow",
              Principal: { Service: "sns.amazonaws.com" },
              Resource: queueArn,
              Condition: { ArnEquals: { "aws:SourceArn": topic } },
            },
          ],
        },
      },
      ...target.attributes,
    },
    target.logicalId,
  );
  subscription.Endpoint = queueArn;
  subscription.Protocol = "sqs";
  build.add(
    eventId,
    { Type: "AWS::SNS::Subscription", Properties: subscription, ...target.attributes },
    target.logicalId,
  );
  const mapping: TemplateObject = { EventSourceArn: queueArn, FunctionName: target.name };
  copy(options, mapping, ["BatchSize", "Enabled"]);
  build.add(
    `${eventId}EventSourceMapping`,
    { Type: "AWS::Lambda::EventSourceMapping", Properties: mapping, ...target.attributes },
    target.logicalId,
  );
  target.addManagedPolicy(awsManagedPolicy("service-role/AWSLambdaSQSQueueExecutionRole"));
}

function s3Event(build: SamBuild, target: EventTarget, eventId: string, p: TemplateObject): void {
  const bucketRef = required(p, "Bucket", eventId);
  const bucketId = isObject(bucketRef) && typeof bucketRef.Ref === "string" ? bucketRef.Ref : undefined;
  const bucket: ResourceDefinition | undefined =
    bucketId === undefined ? undefined : build.resources[bucketId];
  if (bucketId === undefined || bucket === undefined || bucket.Type !== "AWS::S3::Bucket") {
    throw new SamResourceError(eventId, "S3 events must reference an S3 bucket in the same template.");
  }
  const permissionId = `${eventId}Permission`;
  addPermission(build, target, permissionId, "s3.amazonaws.com", { sourceAccount: ref("AWS::AccountId") });
  // SAM adds the notification to the bucket and makes the bucket wait for the permission
  // (S3 checks it can invoke the function when the configuration is put).
  const properties = bucket.Properties ?? {};
  bucket.Properties = properties;
  const notification = isObject(properties.NotificationConfiguration)
    ? properties.NotificationConfiguration
    : {};
  properties.NotificationConfiguration = notification;
  const configs = Array.isArray(notification.LambdaConfigurations) ? notification.LambdaConfigurations : [];
  notification.LambdaConfigurations = configs;
  const events = required(p, "Events", eventId);
  for (const event of Array.isArray(events) && !isIntrinsic(events) ? events : [events]) {
    const config: TemplateObject = { Event: event, Function: target.arn };
    if (p.Filter !== undefined) config.Filter = p.Filter;
    configs.push(config);
  }
  addDependsOn(bucket, permissionId);
}
