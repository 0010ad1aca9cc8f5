import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { MetadataStore, StoredDocument, WriteOp } from "../../storage/metadata-store.js";
import {
  type EngineEnv,
  type EngineEvent,
  type EngineLimits,
  type ExecutionContextInput,
  type Json,
  type RunTaskCommand,
  resume,
  type Step,
  startExecution,
  taskIdForToken,
} from "../engine/index.js";
import { workflowError } from "../errors.js";
import type { ExecutionLogging, ExecutionLogWriter } from "./execution-logs.js";
import {
  childKey,
  type ExecutionRecord,
  type ExecutionType,
  KINDS,
  listAll,
  type TaskRow,
  type TimerRow,
  type TokenRow,
} from "./execution-records.js";
import { definitionId, recordAfterStep, stepWriteOps } from "./step-writes.js";
import type { TaskDispatcher } from "./task-dispatch.js";
import { WriteBatcher } from "./write-batcher.js";

export interface ExecutionRunnerDeps {
  store: MetadataStore;
  /** Runs task commands (Lambda, nested executions). */
  tasks: TaskDispatcher;
  clock: Clock;
  logger: Logger;
  /**
   * Standard executions keep their record and history after the end. Express executions
   * (false) write no history and drop their record once finished and collected.
   */
  durable: boolean;
  /** Engine quotas (history events, payload bytes); AWS's defaults when absent. */
  limits?: EngineLimits;
  /** Writes the history of executions whose machine logs to CloudWatch Logs. */
  logs?: ExecutionLogWriter;
}

export interface StartRequest {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  stateMachineName: string;
  type: ExecutionType;
  /** Definition text. */
  definition: string;
  /** Input JSON text (already validated). */
  input: string;
  roleArn?: string;
  versionArn?: string;
  aliasArn?: string;
  logging?: ExecutionLogging;
  parentTask?: string;
}

/** Express executions end after 5 minutes, as on AWS. */
const EXPRESS_MAX_SECONDS = 300;

/**
 * Drives engine Steps. Every Step (new state + its history events + the timer and task rows it
 * adds or settles) is stored in ONE MetadataStore write before any of its commands is carried
 * out, so a crash loses nothing acknowledged and never repeats a transition. Steps of one
 * execution run one at a time. After a restart, `resumeAll` re-arms the stored timers and re-runs
 * tasks that were scheduled but never answered: task invocations are at-least-once.
 */
export class ExecutionRunner {
  private readonly locks = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, { executionArn: string; cancel: () => void }>();
  private readonly waiters = new Map<string, ((record: ExecutionRecord) => void)[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly env: EngineEnv;
  /** Definition ids already stored (by this runner or found stored), so each is written once. */
  private readonly definitions = new Set<string>();
  /** Steps of different executions stored in the same loop turn share one transaction. */
  private readonly writes: WriteBatcher;
  private closed = false;

  constructor(private readonly deps: ExecutionRunnerDeps) {
    this.writes = new WriteBatcher(deps.store);
    this.env = {
      now: () => deps.clock.now(),
      random: Math.random,
      uuid: randomUUID,
      ...(deps.limits && { limits: deps.limits }),
    };
  }

  /** Starts an execution; throws ERR_STORAGE_CONFLICT when its ARN exists already. */
  async start(request: StartRequest): Promise<ExecutionRecord> {
    this.assertOpen();
    const startedAt = this.deps.clock.now();
    const context: ExecutionContextInput = {
      executionArn: request.executionArn,
      executionName: request.name,
      stateMachineArn: request.stateMachineArn,
      stateMachineName: request.stateMachineName,
      startTime: new Date(startedAt).toISOString(),
      ...(request.roleArn !== undefined && { roleArn: request.roleArn }),
      ...(request.versionArn !== undefined && { stateMachineVersionArn: request.versionArn }),
      ...(request.aliasArn !== undefined && { stateMachineAliasArn: request.aliasArn }),
    };
    const definition = JSON.parse(request.definition) as Record<string, Json>;
    if (request.type === "EXPRESS") {
      const timeout = definition.TimeoutSeconds;
      if (typeof timeout !== "number" || timeout <= 0 || timeout > EXPRESS_MAX_SECONDS)
        definition.TimeoutSeconds = EXPRESS_MAX_SECONDS;
    }
    const input = JSON.parse(request.input) as Json;
    return this.serialize(request.executionArn, async () => {
      // Stored definitions were validated by CreateStateMachine; this parsed copy is the execution's own.
      const step = await startExecution(definition, input, context, this.env, { prepared: true });
      const base: ExecutionRecord = {
        executionArn: request.executionArn,
        stateMachineArn: request.stateMachineArn,
        name: request.name,
        type: request.type,
        status: "RUNNING",
        startedAt,
        input: request.input,
        definitionId: definitionId(request.definition),
        state: step.state,
        ...(request.versionArn !== undefined && { versionArn: request.versionArn }),
        ...(request.aliasArn !== undefined && { aliasArn: request.aliasArn }),
        ...(request.logging && { logging: request.logging }),
        ...(request.parentTask !== undefined && { parentTask: request.parentTask }),
      };
      const record = this.recordAfter(base, step);
      const id = base.definitionId ?? "";
      // Executions of one definition share one copy of its text.
      const known = this.definitions.has(id);
      const extra: WriteOp[] = known
        ? []
        : [{ op: "put", kind: KINDS.definition, key: id, value: { text: request.definition } }];
      await this.commit(undefined, record, step, extra);
      if (!known) this.definitions.add(id);
      this.act(record, step);
      return record;
    });
  }

  /** The definition text an execution runs (UpdateStateMachine does not change it). */
  async definitionOf(record: ExecutionRecord): Promise<string> {
    if (record.definition !== undefined) return record.definition;
    const doc = await this.deps.store.get<{ text: string }>(KINDS.definition, record.definitionId ?? "");
    if (!doc)
      throw workflowError.corruptExecutionState(
        `No definition ${record.definitionId} for ${record.executionArn}`,
      );
    return doc.value.text;
  }

  async get(executionArn: string): Promise<ExecutionRecord | undefined> {
    return (await this.deps.store.get<ExecutionRecord>(KINDS.execution, executionArn))?.value;
  }

  /** StopExecution: the execution ends ABORTED; finished executions are left as they are. */
  async stop(executionArn: string, error?: string, cause?: string): Promise<ExecutionRecord> {
    const event: EngineEvent = {
      kind: "stop",
      ...(error !== undefined && { error }),
      ...(cause !== undefined && { cause }),
    };
    const record = await this.feed(executionArn, event);
    if (!record) throw workflowError.executionNotFound(executionArn);
    return record;
  }

  async sendTaskSuccess(token: string, output: Json): Promise<void> {
    await this.feedToken(token, (id) => ({ kind: "taskSucceeded", id, output }));
  }

  async sendTaskFailure(token: string, error?: string, cause?: string): Promise<void> {
    await this.feedToken(token, (id) => ({
      kind: "taskFailed",
      id,
      ...(error !== undefined && { error }),
      ...(cause !== undefined && { cause }),
    }));
  }

  async sendTaskHeartbeat(token: string): Promise<void> {
    await this.feedToken(token, (id) => ({ kind: "taskHeartbeat", id }));
  }

  /** Resolves with the record once the execution has ended. */
  async waitForCompletion(executionArn: string): Promise<ExecutionRecord> {
    const done = new Promise<ExecutionRecord>((resolve) => {
      const list = this.waiters.get(executionArn) ?? [];
      list.push(resolve);
      this.waiters.set(executionArn, list);
    });
    const current = await this.get(executionArn);
    if (current && current.status !== "RUNNING") this.notify(current);
    return done;
  }

  /** Drops a finished execution's record (Express executions once their caller has the result). */
  async forget(executionArn: string): Promise<void> {
    await this.deps.store.write([{ op: "delete", kind: KINDS.execution, key: executionArn }]);
  }

  /**
   * Picks up every RUNNING execution after a restart: timers are re-armed (past ones fire at
   * once) and scheduled tasks without a result run again. Returns how many were resumed.
   */
  async resumeAll(): Promise<number> {
    const executions = await listAll<ExecutionRecord>(this.deps.store, KINDS.execution);
    let resumed = 0;
    for (const { value } of executions) {
      if (value.status !== "RUNNING") continue;
      resumed += 1;
      const arn = value.executionArn;
      for (const { value: timer } of await listAll<TimerRow>(this.deps.store, KINDS.timer, `${arn}/`))
        this.arm(arn, timer.timerId, timer.fireAt);
      for (const { value: task } of await listAll<TaskRow>(this.deps.store, KINDS.task, `${arn}/`)) {
        if (!task.submitted) this.dispatch(arn, task.command);
        // A submitted `.sync` task waits for its child again (callback tasks wait for their token).
        else if (/\.sync(:2)?$/.test(task.command.resource)) this.dispatch(arn, task.command, true);
      }
    }
    return resumed;
  }

  /** Stops timers and waits for steps being stored; task answers arriving later are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    await Promise.allSettled([...this.locks.values()]);
  }

  private assertOpen(): void {
    if (this.closed) throw workflowError.shuttingDown();
  }

  private async feedToken(token: string, eventFor: (taskId: string) => EngineEvent): Promise<void> {
    const row = await this.deps.store.get<TokenRow>(KINDS.token, token);
    if (!row) throw workflowError.taskNotFound();
    const record = await this.feed(row.value.executionArn, eventFor, { requireToken: token });
    if (!record) throw workflowError.taskNotFound();
  }

  /**
   * Applies one event: load, `resume`, store, act, under the execution's lock. Returns the new
   * record, the unchanged one when the execution has ended, or undefined when it does not exist.
   */
  private feed(
    executionArn: string,
    event: EngineEvent | ((taskId: string) => EngineEvent),
    options: { requireToken?: string } = {},
  ): Promise<ExecutionRecord | undefined> {
    return this.serialize(executionArn, async () => {
      this.assertOpen();
      const doc = await this.deps.store.get<ExecutionRecord>(KINDS.execution, executionArn);
      if (!doc) return undefined;
      let resolved: EngineEvent;
      if (typeof event === "function") {
        const taskId =
          options.requireToken === undefined
            ? undefined
            : taskIdForToken(doc.value.state, options.requireToken);
        if (taskId === undefined || doc.value.status !== "RUNNING") throw workflowError.taskNotFound();
        resolved = event(taskId);
      } else resolved = event;
      if (doc.value.status !== "RUNNING") return doc.value;
      const step = await resume(doc.value.state, resolved, this.env);
      const record = this.recordAfter(doc.value, step);
      const extra: WriteOp[] = [];
      if (resolved.kind === "taskSubmitted" && step.state.tasks[resolved.id]) {
        const key = childKey(executionArn, resolved.id);
        const task = await this.deps.store.get<TaskRow>(KINDS.task, key);
        if (task) extra.push({ op: "put", kind: KINDS.task, key, value: { ...task.value, submitted: true } });
      }
      await this.commit(doc, record, step, extra);
      this.act(record, step);
      return record;
    });
  }

  private recordAfter(previous: ExecutionRecord, step: Step): ExecutionRecord {
    return recordAfterStep(previous, step, this.deps.clock.now());
  }

  /** The one write per Step: record, history, and the pending timer / task / token rows. */
  private async commit(
    previous: StoredDocument<ExecutionRecord> | undefined,
    record: ExecutionRecord,
    step: Step,
    extra: WriteOp[],
  ): Promise<void> {
    await this.writes.write(stepWriteOps(previous, record, step, extra, this.deps.durable));
  }

  /** Carries out a stored Step's commands (and logs its events once they are stored). */
  private act(record: ExecutionRecord, step: Step): void {
    const arn = record.executionArn;
    if (record.logging && this.deps.logs)
      this.deps.logs.write(
        record.logging,
        {
          executionArn: arn,
          stateMachineName: record.state.context.stateMachineName,
          startedAt: record.startedAt,
        },
        step.history,
      );
    for (const command of step.commands) {
      if (command.kind === "startTimer") this.arm(arn, command.id, command.fireAt);
      else if (command.kind === "cancelTimer") this.disarm(arn, command.id);
      else if (command.kind === "runTask") this.dispatch(arn, command);
      // cancelTask: a Lambda invocation cannot be recalled; the engine ignores its late answer.
    }
    if (record.status !== "RUNNING") {
      for (const [key, timer] of this.timers)
        if (timer.executionArn === arn) {
          timer.cancel();
          this.timers.delete(key);
        }
      this.notify(record);
    }
  }

  private notify(record: ExecutionRecord): void {
    const list = this.waiters.get(record.executionArn);
    this.waiters.delete(record.executionArn);
    for (const resolve of list ?? []) resolve(record);
  }

  private arm(executionArn: string, timerId: string, fireAt: number): void {
    const key = childKey(executionArn, timerId);
    this.timers.get(key)?.cancel();
    const cancel = this.deps.clock.setTimer(Math.max(0, fireAt - this.deps.clock.now()), () => {
      this.timers.delete(key);
      this.background(this.feed(executionArn, { kind: "timerFired", id: timerId }));
    });
    this.timers.set(key, { executionArn, cancel });
  }

  private disarm(executionArn: string, timerId: string): void {
    const key = childKey(executionArn, timerId);
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
  }

  private dispatch(executionArn: string, command: RunTaskCommand, submitted = false): void {
    const onSubmitted = async (event: EngineEvent) => {
      if (!submitted && !this.closed) await this.feed(executionArn, event);
    };
    this.background(
      (async () => {
        const event = await this.deps.tasks.run(command, executionArn, onSubmitted);
        if (event && !this.closed) await this.feed(executionArn, event);
      })(),
    );
  }

  private background(work: Promise<unknown>): void {
    const tracked = work.then(
      () => undefined,
      (error: unknown) => {
        if (this.closed) return;
        this.deps.logger.error({ err: error }, "workflow step failed");
      },
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private serialize<T>(executionArn: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(executionArn) ?? Promise.resolve();
    const run = previous.then(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(executionArn, settled);
    void settled.then(() => {
      if (this.locks.get(executionArn) === settled) this.locks.delete(executionArn);
    });
    return run;
  }
}
