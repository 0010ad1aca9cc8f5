import { WireReader } from "../../aws/wire-validation.js";
import { arnService } from "../../core/targets.js";
import { DEFAULT_RETRY_POLICY } from "../buses/bus-model.js";
import { readRetryPolicy } from "../buses/wire.js";
import { schedulerError } from "../errors.js";
import { parseScheduleExpression, ScheduleExpressionError } from "../schedule/schedule-expression.js";
import { TimeZone } from "../schedule/time-zone.js";
import { DEFAULT_GROUP, type ScheduleTarget } from "./schedule-model.js";
import type { ScheduleInput } from "./schedule-service.js";

/** Services a schedule's target may name (templated targets); universal targets are refused. */
const SCHEDULE_TARGETS = new Set(["lambda", "sqs", "sns", "states"]);
const UNSUPPORTED_TARGET_PARAMETERS = [
  "EcsParameters",
  "EventBridgeParameters",
  "KinesisParameters",
  "SageMakerPipelineParameters",
];

/** Reads a CreateSchedule / UpdateSchedule body into a schedule (AWS's required members and ranges). */
export function readSchedule(name: string, body: Record<string, unknown>): ScheduleInput {
  const r = new WireReader(body);
  const group = r.string("GroupName", { min: 1, max: 64, pattern: /^[0-9a-zA-Z-_.]+$/ }) ?? DEFAULT_GROUP;
  const expression = r.string("ScheduleExpression", { min: 1, max: 256 });
  const timezone = r.string("ScheduleExpressionTimezone", { min: 1, max: 50 }) ?? "UTC";
  const description = r.string("Description", { max: 512 });
  const state = r.enumValue("State", ["ENABLED", "DISABLED"]) ?? "ENABLED";
  const action = r.enumValue("ActionAfterCompletion", ["NONE", "DELETE"]) ?? "NONE";
  const window = r.object("FlexibleTimeWindow");
  const target = r.object("Target");
  const clientToken = r.string("ClientToken", { min: 1, max: 64 });
  r.done();
  if (body.KmsKeyArn !== undefined) throw schedulerError.unsupported("KmsKeyArn");
  if (expression === undefined) throw missing("scheduleExpression");
  if (window === undefined) throw missing("flexibleTimeWindow");
  if (target === undefined) throw missing("target");
  try {
    parseScheduleExpression(expression, { allowAt: true });
  } catch (error) {
    if (error instanceof ScheduleExpressionError)
      throw schedulerError.validation(`Invalid Schedule Expression ${expression}: ${error.message}.`);
    throw error;
  }
  if (!TimeZone.isValid(timezone))
    throw schedulerError.validation(`Invalid ScheduleExpressionTimezone ${timezone}.`);
  const startDate = date(body, "StartDate");
  const endDate = date(body, "EndDate");
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate)
    throw schedulerError.validation("The EndDate you specify must be after the StartDate.");
  const w = new WireReader(window);
  const mode = w.enumValue("Mode", ["OFF", "FLEXIBLE"]);
  const minutes = w.integer("MaximumWindowInMinutes", { min: 1, max: 1440 });
  w.done();
  if (mode === undefined) throw missing("flexibleTimeWindow.mode");
  if (mode === "FLEXIBLE" && minutes === undefined)
    throw schedulerError.validation("MaximumWindowInMinutes is required when the Mode is FLEXIBLE.");
  if (mode === "OFF" && minutes !== undefined)
    throw schedulerError.validation("MaximumWindowInMinutes is only allowed when the Mode is FLEXIBLE.");
  const input: ScheduleInput = {
    name,
    group,
    expression,
    timezone,
    state,
    actionAfterCompletion: action,
    window: { mode, ...(minutes !== undefined && { maximumWindowMinutes: minutes }) },
    target: readTarget(target),
  };
  if (description !== undefined) input.description = description;
  if (clientToken !== undefined) input.clientToken = clientToken;
  if (startDate !== undefined) input.startDate = startDate;
  if (endDate !== undefined) input.endDate = endDate;
  return input;
}

function readTarget(raw: Record<string, unknown>): ScheduleTarget {
  const r = new WireReader(raw);
  const arn = r.string("Arn", { min: 1, max: 1600 });
  const roleArn = r.string("RoleArn", { min: 1, max: 1600 });
  const input = r.string("Input", { min: 1 });
  const retry = r.object("RetryPolicy");
  const dlq = r.object("DeadLetterConfig");
  const sqs = r.object("SqsParameters");
  r.done();
  if (arn === undefined) throw missing("target.arn");
  if (roleArn === undefined) throw missing("target.roleArn");
  for (const name of UNSUPPORTED_TARGET_PARAMETERS)
    if (raw[name] !== undefined) throw schedulerError.unsupported(`Target ${name}`);
  const service = arnService(arn);
  if (service === undefined || !SCHEDULE_TARGETS.has(service) || arn.includes(":aws-sdk:"))
    throw schedulerError.unsupported(
      `Target ${arn} (Nimbus schedules deliver to Lambda functions, SQS queues, SNS topics and state machines)`,
    );
  const target: ScheduleTarget = { arn, roleArn, retryPolicy: { ...DEFAULT_RETRY_POLICY } };
  if (input !== undefined) target.input = input;
  if (retry) readRetryPolicy(retry, target.retryPolicy);
  if (dlq) {
    const d = new WireReader(dlq);
    const dlqArn = d.string("Arn", { min: 1, max: 1600 });
    d.done();
    if (dlqArn !== undefined) {
      if (arnService(dlqArn) !== "sqs")
        throw schedulerError.validation("DeadLetterConfig Arn must be an SQS queue ARN.");
      // As on AWS: a schedule's dead-letter queue is a standard queue.
      if (dlqArn.endsWith(".fifo"))
        throw schedulerError.validation(
          "EventBridge Scheduler does not support a FIFO queue as a dead-letter queue.",
        );
      target.deadLetterArn = dlqArn;
    }
  }
  if (sqs) {
    const s = new WireReader(sqs);
    const group = s.string("MessageGroupId", { min: 1, max: 128 });
    s.done();
    if (group !== undefined) target.messageGroupId = group;
  }
  return target;
}

/** restJson1 timestamps in a body are epoch seconds. */
function date(body: Record<string, unknown>, member: string): number | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw schedulerError.validation(`${member} must be a timestamp.`);
  return Math.round(value * 1000);
}

function missing(member: string) {
  return schedulerError.validation(
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
}
