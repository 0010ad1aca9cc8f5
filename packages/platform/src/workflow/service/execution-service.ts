import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { type HistoryEvent, type Json, MAX_PAYLOAD_BYTES } from "../engine/index.js";
import { workflowError } from "../errors.js";
import { parseLoggingConfiguration } from "../executions/execution-logs.js";
import { type ExecutionRecord, KINDS, listAll, readHistory } from "../executions/execution-records.js";
import type { ExecutionRunner } from "../executions/execution-runner.js";
import type { MachineTargets, ResolvedMachine } from "./machine-targets.js";
import { assertName, executionArn, expressExecutionArn, parseArn, parseMachineTarget } from "./names.js";

export interface ExecutionServiceDeps {
  /** Resolves machine, version and alias ARNs. */
  targets: MachineTargets;
  /** Standard executions: durable, over the platform's MetadataStore. */
  standard: ExecutionRunner;
  /** Express executions: in memory, no history. */
  express: ExecutionRunner;
  store: MetadataStore;
  scope: AccountScope;
  logger: Logger;
  /** Execution input above this many UTF-8 bytes is InvalidExecutionInput. */
  maxPayloadBytes?: number;
}

/** Starting, finding and listing executions; the rules of the SFN API around the runners. */
export class ExecutionService {
  private readonly maxPayloadBytes: number;

  constructor(private readonly deps: ExecutionServiceDeps) {
    this.maxPayloadBytes = deps.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  }

  /**
   * StartExecution. Standard: calling again with the same name and input while the execution
   * runs answers the same execution; any other reuse of the name is ExecutionAlreadyExists.
   * Express: runs in memory; the answer comes before it ends.
   */
  async start(
    machineArn: string,
    name: string | undefined,
    input: string | undefined,
  ): Promise<ExecutionRecord> {
    const machine = await this.deps.targets.resolve(machineArn);
    const executionName = name ?? randomUUID();
    assertName(executionName);
    const inputText = checkInput(input, this.maxPayloadBytes);
    if (machine.type === "EXPRESS") {
      const record = await this.startExpress(machine, executionName, inputText);
      this.collectExpress(record.executionArn);
      return record;
    }
    const arn = executionArn(this.deps.scope, machine.name, executionName);
    // No read first: the start is stored with expectRevision "absent", so a reused name comes
    // back as a storage conflict, handled below.
    try {
      return await this.deps.standard.start({
        ...startFields(machine),
        executionArn: arn,
        name: executionName,
        type: "STANDARD",
        input: inputText,
      });
    } catch (error) {
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      const raced = await this.deps.standard.get(arn);
      if (!raced) throw error;
      return sameOrConflict(raced, inputText);
    }
  }

  /** StartSyncExecution: EXPRESS machines only; answers once the execution has ended. */
  async startSync(
    machineArn: string,
    name: string | undefined,
    input: string | undefined,
  ): Promise<ExecutionRecord> {
    const machine = await this.deps.targets.resolve(machineArn);
    if (machine.type !== "EXPRESS")
      throw workflowError.stateMachineTypeNotSupported(
        "This operation is not supported by this type of state machine",
      );
    const executionName = name ?? randomUUID();
    assertName(executionName);
    const started = await this.startExpress(machine, executionName, checkInput(input, this.maxPayloadBytes));
    const done = await this.deps.express.waitForCompletion(started.executionArn);
    await this.deps.express.forget(started.executionArn);
    return done;
  }

  /**
   * A nested execution (`states:startExecution` tasks). An execution of that name started by
   * the same parent task (a task run again after a restart) is answered whatever its status; a
   * RUNNING one with the same input too (StartExecution's idempotency); anything else is
   * ExecutionAlreadyExists. `done` resolves when it has ended (an Express child is dropped from
   * memory then).
   */
  async startNested(
    machineArn: string,
    name: string,
    input: string,
    parentTask: string,
  ): Promise<{ record: ExecutionRecord; done: Promise<ExecutionRecord> }> {
    const machine = await this.deps.targets.resolve(machineArn);
    assertName(name);
    const inputText = checkInput(input, this.maxPayloadBytes);
    if (machine.type === "EXPRESS") {
      const record = await this.startExpress(machine, name, inputText);
      const done = this.deps.express.waitForCompletion(record.executionArn).then(async (final) => {
        await this.deps.express
          .forget(record.executionArn)
          .catch((error: unknown) =>
            this.deps.logger.warn({ err: error }, "express execution cleanup failed"),
          );
        return final;
      });
      return { record, done };
    }
    const arn = executionArn(this.deps.scope, machine.name, name);
    let record = await this.deps.standard.get(arn);
    if (!record) {
      try {
        record = await this.deps.standard.start({
          ...startFields(machine),
          executionArn: arn,
          name,
          type: "STANDARD",
          input: inputText,
          parentTask,
        });
      } catch (error) {
        if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
        record = await this.deps.standard.get(arn);
        if (!record) throw error;
      }
    }
    const ours = record.parentTask === parentTask;
    if (!ours && (record.status !== "RUNNING" || record.input !== inputText))
      throw workflowError.executionExists(arn);
    return { record, done: this.deps.standard.waitForCompletion(arn) };
  }

  /** The definition text a Standard execution runs. */
  definitionOf(record: ExecutionRecord): Promise<string> {
    return this.deps.standard.definitionOf(record);
  }

  /** A Standard execution's record; express ARNs are refused as on AWS. */
  async describe(arn: string): Promise<ExecutionRecord> {
    const parsed = parseArn(arn, ["execution", "express"]);
    if (parsed.kind === "express")
      throw workflowError.stateMachineTypeNotSupported(
        "This operation is not supported by express state machines",
      );
    const record = await this.deps.standard.get(arn);
    if (!record) throw workflowError.executionNotFound(arn);
    return record;
  }

  async stop(arn: string, error?: string, cause?: string): Promise<ExecutionRecord> {
    await this.describe(arn);
    return this.deps.standard.stop(arn, error, cause);
  }

  async history(arn: string): Promise<HistoryEvent[]> {
    await this.describe(arn);
    return readHistory(this.deps.store, arn);
  }

  /**
   * Executions of a Standard machine, newest first. A version or alias ARN lists the executions
   * started through it.
   */
  async list(machineArn: string, status: string | undefined): Promise<ExecutionRecord[]> {
    const target = parseMachineTarget(machineArn);
    const machine = await this.deps.targets.resolve(machineArn);
    if (machine.type === "EXPRESS")
      throw workflowError.stateMachineTypeNotSupported(
        "This operation is not supported by express state machines",
      );
    const prefix = `${executionArn(this.deps.scope, machine.name, "")}`;
    const docs = await listAll<ExecutionRecord>(this.deps.store, KINDS.execution, prefix);
    return docs
      .map((d) => d.value)
      .filter(
        (r) =>
          r.stateMachineArn === machine.machineArn &&
          (status === undefined || r.status === status) &&
          (target.kind !== "version" || r.versionArn === machineArn) &&
          (target.kind !== "alias" || r.aliasArn === machineArn),
      )
      .sort((a, b) => b.startedAt - a.startedAt || (a.executionArn < b.executionArn ? 1 : -1));
  }

  async sendTaskSuccess(token: string, output: string): Promise<void> {
    let parsed: Json;
    try {
      parsed = JSON.parse(output) as Json;
    } catch {
      throw workflowError.invalidOutput(`Invalid Output: '${output.slice(0, 256)}'`);
    }
    await this.deps.standard.sendTaskSuccess(token, parsed);
  }

  async sendTaskFailure(token: string, error?: string, cause?: string): Promise<void> {
    await this.deps.standard.sendTaskFailure(token, error, cause);
  }

  async sendTaskHeartbeat(token: string): Promise<void> {
    await this.deps.standard.sendTaskHeartbeat(token);
  }

  private startExpress(machine: ResolvedMachine, name: string, input: string): Promise<ExecutionRecord> {
    return this.deps.express.start({
      ...startFields(machine),
      executionArn: expressExecutionArn(this.deps.scope, machine.name, name, randomUUID()),
      name,
      type: "EXPRESS",
      input,
    });
  }

  /** An asynchronous Express execution is dropped from memory once it ends. */
  private collectExpress(arn: string): void {
    const collect = this.deps.express
      .waitForCompletion(arn)
      .then(() => this.deps.express.forget(arn))
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, "express execution cleanup failed"));
    void collect;
  }
}

function startFields(machine: ResolvedMachine) {
  return {
    stateMachineArn: machine.machineArn,
    stateMachineName: machine.name,
    definition: machine.definition,
    roleArn: machine.roleArn,
    ...optional("logging", parseLoggingConfiguration(machine.loggingConfiguration)),
    ...(machine.versionArn !== undefined && { versionArn: machine.versionArn }),
    ...(machine.aliasArn !== undefined && { aliasArn: machine.aliasArn }),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function sameOrConflict(existing: ExecutionRecord, input: string): ExecutionRecord {
  if (existing.status === "RUNNING" && existing.input === input) return existing;
  throw workflowError.executionExists(existing.executionArn);
}

function checkInput(input: string | undefined, maxBytes: number): string {
  const text = input ?? "{}";
  if (Buffer.byteLength(text, "utf8") > maxBytes)
    throw workflowError.invalidExecutionInput(
      `Invalid State Machine Execution Input: the input exceeds the maximum size of ${maxBytes} bytes`,
    );
  try {
    JSON.parse(text);
  } catch (error) {
    throw workflowError.invalidExecutionInput(
      `Invalid State Machine Execution Input: '${error instanceof Error ? error.message : String(error)}'`,
    );
  }
  return text;
}
