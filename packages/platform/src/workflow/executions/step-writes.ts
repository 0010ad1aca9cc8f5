import { createHash } from "node:crypto";
import type { StoredDocument, WriteOp } from "../../storage/metadata-store.js";
import type { Step } from "../engine/index.js";
import { childKey, type ExecutionRecord, historyKey, KINDS } from "./execution-records.js";

/**
 * Everything one engine Step stores, as the ops of ONE write: the execution record (with
 * `expectRevision`, so a step is never applied twice), the step's history events, the timer,
 * task and token rows it adds, and the rows of what it settled. `extra` ops are added last.
 */
export function stepWriteOps(
  previous: StoredDocument<ExecutionRecord> | undefined,
  record: ExecutionRecord,
  step: Step,
  extra: WriteOp[],
  durable: boolean,
): WriteOp[] {
  const arn = record.executionArn;
  const ops = new Map<string, WriteOp>();
  const put = (kind: string, key: string, value: unknown) =>
    ops.set(`${kind}\n${key}`, { op: "put", kind, key, value });
  const del = (kind: string, key: string) => ops.set(`${kind}\n${key}`, { op: "delete", kind, key });
  if (durable)
    if (step.history.length > 0 && step.history[0])
      // One row per step, keyed by its first event: a step of many Pass/Choice states (or a whole
      // Map) costs one row, not one per event.
      put(KINDS.history, historyKey(arn, step.history[0].id), step.history);
  const before = previous?.value.state;
  const after = step.state;
  const finished = after.status !== "RUNNING";
  for (const [timerId, timer] of Object.entries(after.timers))
    if (!before?.timers[timerId] && !finished)
      put(KINDS.timer, childKey(arn, timerId), { executionArn: arn, timerId, fireAt: timer.fireAt });
  for (const command of step.commands) {
    if (command.kind !== "runTask" || finished) continue;
    put(KINDS.task, childKey(arn, command.id), { executionArn: arn, command, submitted: false });
    if (command.taskToken !== undefined)
      put(KINDS.token, command.taskToken, { executionArn: arn, taskId: command.id });
  }
  for (const state of [before, finished ? after : undefined]) {
    if (!state) continue;
    for (const timerId of Object.keys(state.timers))
      if (finished || !after.timers[timerId]) del(KINDS.timer, childKey(arn, timerId));
    for (const [taskId, task] of Object.entries(state.tasks)) {
      if (!finished && after.tasks[taskId]) continue;
      del(KINDS.task, childKey(arn, taskId));
      if (task.taskToken !== undefined) del(KINDS.token, task.taskToken);
    }
  }
  for (const op of extra) ops.set(`${op.kind}\n${op.key}`, op);
  return [
    {
      op: "put",
      kind: KINDS.execution,
      key: arn,
      value: record,
      expectRevision: previous?.revision ?? "absent",
    },
    ...ops.values(),
  ];
}

/** The id of a definition text: its SHA-256, so equal texts share one stored copy. */
export function definitionId(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The execution record after a step: its state, and the final fields once it has ended. */
export function recordAfterStep(previous: ExecutionRecord, step: Step, now: number): ExecutionRecord {
  const state = step.state;
  const record: ExecutionRecord = { ...previous, state, status: state.status };
  if (state.status !== "RUNNING") {
    record.stoppedAt = now;
    if (state.output !== undefined) record.output = JSON.stringify(state.output);
    if (state.error !== undefined) record.error = state.error;
    if (state.cause !== undefined) record.cause = state.cause;
    // A finished execution never steps again: keep its context, not a second copy of its
    // definition, input and output (the record has them as text), so the final write is small.
    const { output: _output, ...rest } = state;
    record.state = { ...rest, definition: {}, input: null };
  }
  return record;
}
