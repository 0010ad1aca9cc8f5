import { createHash } from "node:crypto";
import { isPlatformError } from "../../core/errors.js";
import { type EngineEvent, isJsonObject, type Json, type RunTaskCommand } from "../engine/index.js";

import type { ExecutionRecord } from "./execution-records.js";

/** `arn:aws:states:::states:startExecution` and its `.sync`, `.sync:2`, `.waitForTaskToken` forms. */
export const START_EXECUTION = "arn:aws:states:::states:startExecution";
export const NESTED_RESOURCES = [
  START_EXECUTION,
  `${START_EXECUTION}.sync`,
  `${START_EXECUTION}.sync:2`,
  `${START_EXECUTION}.waitForTaskToken`,
] as const;

/** What a nested task needs from the execution service (started and awaited through it). */
export interface NestedExecutions {
  /**
   * Starts (or finds, when the same name and input were started before: a task re-run after a
   * restart) an execution of a machine, version or alias; `done` resolves once it has ended.
   */
  startNested(
    machineArn: string,
    name: string,
    input: string,
    parentTask: string,
  ): Promise<{ record: ExecutionRecord; done: Promise<ExecutionRecord> }>;
}

/**
 * Runs a `states:startExecution` task. Without a `Name`, the child's name is derived from the
 * parent execution and the task id, so a task run again after a restart finds its child instead
 * of starting a second one. `.sync` answers the child's DescribeExecution shape with `Output` as
 * JSON text, `.sync:2` with `Output` parsed; a child that does not succeed fails the task with
 * States.TaskFailed and that shape as the cause, as AWS reports it.
 */
export async function runNestedTask(
  nested: NestedExecutions,
  command: RunTaskCommand,
  parentArn: string,
  onSubmitted: (event: EngineEvent) => Promise<unknown>,
): Promise<EngineEvent | undefined> {
  const id = command.id;
  const p = isJsonObject(command.parameters) ? command.parameters : {};
  const machineArn = p.StateMachineArn;
  if (typeof machineArn !== "string" || machineArn === "")
    return {
      kind: "taskFailed",
      id,
      error: "States.Runtime",
      cause: "The parameters must name a StateMachineArn",
    };
  const name = typeof p.Name === "string" ? p.Name : derivedName(parentArn, id);
  let input: string;
  if (p.Input === undefined) input = "{}";
  else if (typeof p.Input === "string") input = p.Input;
  else input = JSON.stringify(p.Input);
  const sync = command.resource.endsWith(".sync") || command.resource.endsWith(".sync:2");
  const parsedOutput = command.resource.endsWith(".sync:2");
  const callback = command.resource.endsWith(".waitForTaskToken");
  try {
    const { record: started, done: ended } = await nested.startNested(
      machineArn,
      name,
      input,
      `${parentArn}/${id}`,
    );
    const startOutput: Json = { ExecutionArn: started.executionArn, StartDate: started.startedAt };
    if (callback) return { kind: "taskSubmitted", id, output: startOutput };
    if (!sync) return { kind: "taskSucceeded", id, output: startOutput };
    await onSubmitted({ kind: "taskSubmitted", id, output: startOutput });
    const done = await ended;
    const description = describe(done, parsedOutput);
    if (done.status === "SUCCEEDED") return { kind: "taskSucceeded", id, output: description };
    return { kind: "taskFailed", id, error: "States.TaskFailed", cause: JSON.stringify(description) };
  } catch (error) {
    if (!isPlatformError(error)) throw error;
    const name = error.awsName ?? "ServiceException";
    return {
      kind: "taskFailed",
      id,
      error: `StepFunctions.${name.endsWith("Exception") ? name : `${name}Exception`}`,
      cause: error.message,
    };
  }
}

/** The DescribeExecution shape Step Functions gives a `.sync` task (dates in epoch ms). */
function describe(record: ExecutionRecord, parsedOutput: boolean): Json {
  const out: Record<string, Json> = {
    ExecutionArn: record.executionArn,
    Input: parsedOutput ? parseOrText(record.input) : record.input,
    InputDetails: { Included: true },
    Name: record.name,
    StartDate: record.startedAt,
    StateMachineArn: record.stateMachineArn,
    Status: record.status,
  };
  if (record.stoppedAt !== undefined) out.StopDate = record.stoppedAt;
  if (record.output !== undefined) {
    out.Output = parsedOutput ? parseOrText(record.output) : record.output;
    out.OutputDetails = { Included: true };
  }
  if (record.error !== undefined) out.Error = record.error;
  if (record.cause !== undefined) out.Cause = record.cause;
  return out;
}

function parseOrText(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** A stable, valid execution name for the child of one parent task. */
function derivedName(parentArn: string, taskId: string): string {
  const h = createHash("sha256").update(`${parentArn}\n${taskId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
