import { arnService } from "../../core/targets.js";
import { eventsError } from "../errors.js";
import { DEFAULT_RETRY_POLICY, type TargetDef } from "./bus-model.js";
import { validatePath, validateTransformer } from "./target-input.js";
import { readRetryPolicy, WireReader } from "./wire.js";

/** Target services a rule (or schedule) delivers to; the rest of AWS's list is refused by name. */
export const DELIVERABLE = new Set(["lambda", "sqs", "sns", "events", "states"]);

/** Parameter blocks of target kinds Nimbus does not run, refused by name. */
const UNSUPPORTED_PARAMETERS = [
  "KinesisParameters",
  "RunCommandParameters",
  "EcsParameters",
  "BatchParameters",
  "HttpParameters",
  "RedshiftDataParameters",
  "SageMakerPipelineParameters",
  "AppSyncParameters",
];

export type ParsedTarget =
  | { ok: true; target: TargetDef }
  | { ok: false; id: string; code: string; message: string };

/** Reads one PutTargets entry; request-level shape errors throw, per-target problems are returned. */
export function parseTarget(raw: unknown): ParsedTarget {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw eventsError.validation("Each target must be a structure.");
  const r = new WireReader(raw as Record<string, unknown>);
  const id = r.string("Id", { min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ });
  const arn = r.string("Arn", { min: 1, max: 1600 });
  const roleArn = r.string("RoleArn", { min: 1, max: 1600 });
  const input = r.string("Input", { max: 8192 });
  const inputPath = r.string("InputPath", { max: 256 });
  const transformer = r.object("InputTransformer");
  const retry = r.object("RetryPolicy");
  const dlq = r.object("DeadLetterConfig");
  const sqs = r.object("SqsParameters");
  r.done();
  if (!id || !arn) throw eventsError.validation("Targets must have an Id and an Arn.");
  const fail = (code: string, message: string): ParsedTarget => ({ ok: false, id, code, message });
  for (const name of UNSUPPORTED_PARAMETERS) {
    if ((raw as Record<string, unknown>)[name] !== undefined)
      return fail("InvalidArgument", `${name} is not supported by Nimbus.`);
  }
  const service = arnService(arn);
  if (service === undefined || !DELIVERABLE.has(service))
    return fail(
      "InvalidArgument",
      `Target ${arn} is not supported by Nimbus: rules deliver to Lambda functions, SQS queues, SNS topics, event buses and state machines.`,
    );
  if ([input, inputPath, transformer].filter((v) => v !== undefined).length > 1)
    throw eventsError.validation(
      `Only one of Input, InputPath, or InputTransformer must be provided for target ${id}.`,
    );
  const target: TargetDef = { id, arn, retryPolicy: { ...DEFAULT_RETRY_POLICY } };
  if (roleArn !== undefined) target.roleArn = roleArn;
  if (input !== undefined) {
    try {
      JSON.parse(input);
    } catch {
      throw eventsError.validation(`Input for target ${id} is not valid JSON text.`);
    }
    target.input = input;
  }
  if (inputPath !== undefined) {
    validatePath(inputPath, "InputPath");
    target.inputPath = inputPath;
  }
  if (transformer) {
    const t = new WireReader(transformer);
    const template = t.string("InputTemplate", { min: 1, max: 8192 });
    const paths = t.stringMap("InputPathsMap") ?? {};
    t.done();
    if (template === undefined) throw eventsError.validation("InputTransformer must have an InputTemplate.");
    target.inputTransformer = { inputPathsMap: paths, inputTemplate: template };
    validateTransformer(target.inputTransformer);
  }
  if (retry) readRetryPolicy(retry, target.retryPolicy);
  if (dlq) {
    const d = new WireReader(dlq);
    const dlqArn = d.string("Arn", { min: 1, max: 1600 });
    d.done();
    if (dlqArn !== undefined) {
      if (arnService(dlqArn) !== "sqs")
        throw eventsError.validation("The DeadLetterConfig Arn must be the ARN of an SQS queue.");
      target.deadLetterArn = dlqArn;
    }
  }
  if (sqs) {
    const s = new WireReader(sqs);
    const group = s.string("MessageGroupId");
    s.done();
    if (group !== undefined) target.messageGroupId = group;
  }
  return { ok: true, target };
}
