import { randomUUID } from "node:crypto";
import { type AccountScope, parseFunctionRef } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import { isPlatformError } from "../core/errors.js";
import type { FunctionService } from "../functions/index.js";
import type { MetadataStore, WriteOp } from "../storage/metadata-store.js";
import { sourcesError } from "./errors.js";
import { compileFilters } from "./filter/record-filter.js";
import {
  KIND_MAPPING,
  type MappingRecord,
  NO_RECORDS_PROCESSED,
  SQS_MAPPING_LIMITS,
} from "./mapping-model.js";
import type { MappedQueue, QueuePort } from "./sqs/queue-port.js";

/** One key per (source, function) pair makes a duplicate mapping impossible, even under races. */
const KIND_PAIR = "event-source-mapping-pair";

/** What Create and Update carry, in domain names (absent = unchanged on update). */
export interface MappingInput {
  eventSourceArn?: string | undefined;
  functionName?: string | undefined;
  batchSize?: number | undefined;
  batchingWindowSec?: number | undefined;
  enabled?: boolean | undefined;
  reportBatchItemFailures?: boolean | undefined;
  /** `null` clears it (`ScalingConfig: {}`). */
  maximumConcurrency?: number | null | undefined;
  /** An empty list clears the filters. */
  filterPatterns?: string[] | undefined;
}

/** Told of every stored change so pollers start, restart and stop with their mapping. */
export type MappingListener = (uuid: string, record: MappingRecord | undefined) => void;

/** Event source mappings for SQS queues, stored in the MetadataStore. */
export class MappingService {
  private readonly listeners: MappingListener[] = [];

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly queues: QueuePort,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  onChange(listener: MappingListener): void {
    this.listeners.push(listener);
  }

  /** `arn:aws:lambda:<region>:<account>:event-source-mapping:<UUID>`. */
  arn(uuid: string): string {
    return `arn:aws:lambda:${this.scope.region}:${this.scope.accountId}:event-source-mapping:${uuid}`;
  }

  async create(input: MappingInput): Promise<MappingRecord> {
    if (input.eventSourceArn === undefined)
      throw sourcesError.invalid("EventSourceArn is required for SQS event source mappings.");
    if (input.functionName === undefined) throw sourcesError.invalid("FunctionName is required.");
    const queue = await this.checkQueue(input.eventSourceArn);
    const { functionArn, timeoutSec } = await this.resolveFunction(input.functionName);
    checkVisibility(queue.visibilityTimeoutSec, timeoutSec);
    const record: MappingRecord = {
      uuid: randomUUID(),
      eventSourceArn: input.eventSourceArn,
      functionArn,
      batchSize: input.batchSize ?? SQS_MAPPING_LIMITS.defaultBatchSize,
      batchingWindowSec: input.batchingWindowSec ?? 0,
      enabled: input.enabled ?? true,
      reportBatchItemFailures: input.reportBatchItemFailures ?? false,
      maximumConcurrency: input.maximumConcurrency ?? undefined,
      filterPatterns: input.filterPatterns ?? [],
      lastModified: this.clock.now(),
      lastProcessingResult: NO_RECORDS_PROCESSED,
    };
    checkSettings(record, queue.fifo);
    if (!(await this.writeWithPair(record, undefined))) throw busy(record.uuid);
    this.emit(record.uuid, record);
    return record;
  }

  async get(uuid: string): Promise<MappingRecord> {
    const doc = await this.store.get<MappingRecord>(KIND_MAPPING, uuid);
    if (!doc) throw sourcesError.notFound(uuid);
    return doc.value;
  }

  /** Every mapping, in UUID order (few per account: read whole, filter in memory). */
  async all(): Promise<MappingRecord[]> {
    const out: MappingRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list<MappingRecord>(KIND_MAPPING, {
        ...(after === undefined ? {} : { after }),
        limit: 500,
      });
      out.push(...page.items.map((d) => d.value));
      if (page.nextAfter === undefined) return out;
      after = page.nextAfter;
    }
  }

  /** The function ARN a FunctionName names, qualifier kept, for List's filter. */
  functionArnFor(functionName: string): string {
    const ref = parseFunctionRef(functionName);
    if (!ref) throw sourcesError.invalid(`Invalid function name: ${functionName}`);
    return this.functions.arn(ref.name, ref.qualifier);
  }

  async update(uuid: string, input: MappingInput): Promise<{ before: MappingRecord; after: MappingRecord }> {
    // A poller storing LastProcessingResult may change the document meanwhile: read again, retry.
    for (let attempt = 1; ; attempt++) {
      const doc = await this.store.get<MappingRecord>(KIND_MAPPING, uuid);
      if (!doc) throw sourcesError.notFound(uuid);
      const before = doc.value;
      const queue = await this.checkQueue(before.eventSourceArn);
      const { functionArn, timeoutSec } = await this.resolveFunction(
        input.functionName ?? before.functionArn,
      );
      checkVisibility(queue.visibilityTimeoutSec, timeoutSec);
      const after: MappingRecord = {
        ...before,
        functionArn,
        batchSize: input.batchSize ?? before.batchSize,
        batchingWindowSec: input.batchingWindowSec ?? before.batchingWindowSec,
        enabled: input.enabled ?? before.enabled,
        reportBatchItemFailures: input.reportBatchItemFailures ?? before.reportBatchItemFailures,
        maximumConcurrency:
          input.maximumConcurrency === undefined
            ? before.maximumConcurrency
            : (input.maximumConcurrency ?? undefined),
        filterPatterns: input.filterPatterns ?? before.filterPatterns,
        lastModified: this.clock.now(),
      };
      checkSettings(after, queue.fifo);
      if (await this.writeWithPair(after, { record: before, revision: doc.revision })) {
        this.emit(uuid, after);
        return { before, after };
      }
      if (attempt === MAX_ATTEMPTS) throw busy(uuid);
    }
  }

  async delete(uuid: string): Promise<MappingRecord> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.store.get<MappingRecord>(KIND_MAPPING, uuid);
      if (!doc) throw sourcesError.notFound(uuid);
      try {
        await this.store.write([
          { op: "delete", kind: KIND_MAPPING, key: uuid, expectRevision: doc.revision },
          { op: "delete", kind: KIND_PAIR, key: pairKey(doc.value) },
        ]);
      } catch (error) {
        if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
        if (attempt === MAX_ATTEMPTS) throw busy(uuid);
        continue;
      }
      this.emit(uuid, undefined);
      return doc.value;
    }
  }

  /** Records what the latest batch came to; written only when it changes. */
  async setLastProcessingResult(uuid: string, result: string): Promise<void> {
    const doc = await this.store.get<MappingRecord>(KIND_MAPPING, uuid);
    if (!doc || doc.value.lastProcessingResult === result) return;
    try {
      await this.store.write([
        {
          op: "put",
          kind: KIND_MAPPING,
          key: uuid,
          value: { ...doc.value, lastProcessingResult: result },
          expectRevision: doc.revision,
        },
      ]);
    } catch (error) {
      // A concurrent update wins; the next batch records its result again.
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
    }
  }

  /**
   * Writes the mapping and its (source, function) key in one transaction. False when the mapping
   * changed since it was read; ResourceConflictException when another mapping has the pair.
   */
  private async writeWithPair(
    record: MappingRecord,
    previous: { record: MappingRecord; revision: number } | undefined,
  ): Promise<boolean> {
    const ops: WriteOp[] = [
      {
        op: "put",
        kind: KIND_MAPPING,
        key: record.uuid,
        value: record,
        expectRevision: previous ? previous.revision : "absent",
      },
    ];
    const pair = pairKey(record);
    if (!previous || pairKey(previous.record) !== pair) {
      ops.push({ op: "put", kind: KIND_PAIR, key: pair, value: record.uuid, expectRevision: "absent" });
      if (previous) ops.push({ op: "delete", kind: KIND_PAIR, key: pairKey(previous.record) });
    }
    try {
      await this.store.write(ops);
      return true;
    } catch (error) {
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      const existing = await this.store.get<string>(KIND_PAIR, pair);
      if (existing && existing.value !== record.uuid) {
        throw sourcesError.conflict(
          `The event source arn (${record.eventSourceArn}) and function (${record.functionArn}) provided mapping already exists. Please update or delete the existing mapping with UUID ${existing.value}`,
        );
      }
      return false;
    }
  }

  /** The queue must exist. */
  private async checkQueue(queueArn: string): Promise<MappedQueue> {
    const queue = await this.queues.describe(queueArn);
    if (!queue) {
      throw sourcesError.invalid(
        `Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist: ${queueArn}`,
      );
    }
    return queue;
  }

  /** The function (and the version or alias a qualifier names) must exist. */
  private async resolveFunction(functionName: string): Promise<{ functionArn: string; timeoutSec: number }> {
    const ref = parseFunctionRef(functionName);
    if (!ref) throw sourcesError.invalid(`Invalid function name: ${functionName}`);
    if (ref.accountId !== undefined && ref.accountId !== this.scope.accountId)
      throw sourcesError.invalid(`The function ${functionName} belongs to another account.`);
    const config = await this.functions.getConfig(ref.name, ref.qualifier);
    return { functionArn: this.functions.arn(ref.name, ref.qualifier), timeoutSec: config.timeoutSec };
  }

  private emit(uuid: string, record: MappingRecord | undefined): void {
    for (const listener of this.listeners) listener(uuid, record);
  }
}

const MAX_ATTEMPTS = 3;

/** Lambda refuses a queue whose messages would reappear while the function may still run. */
function checkVisibility(visibilityTimeoutSec: number, functionTimeoutSec: number): void {
  if (visibilityTimeoutSec < functionTimeoutSec)
    throw sourcesError.invalid(
      `Queue visibility timeout: ${visibilityTimeoutSec} seconds is less than Function timeout: ${functionTimeoutSec} seconds`,
    );
}

function busy(uuid: string) {
  return sourcesError.conflict(
    `The event source mapping ${uuid} is being changed by another request; try again.`,
  );
}

function pairKey(record: MappingRecord): string {
  return `${record.eventSourceArn}|${record.functionArn}`;
}

/** The rules that depend on more than one member or on the queue type (Lambda's messages). */
function checkSettings(record: MappingRecord, fifo: boolean): void {
  if (fifo && record.batchSize > SQS_MAPPING_LIMITS.maxFifoBatchSize) {
    throw sourcesError.invalid(
      `BatchSize must be less than or equal to ${SQS_MAPPING_LIMITS.maxFifoBatchSize} for FIFO queues; got ${record.batchSize}.`,
    );
  }
  if (fifo && record.batchingWindowSec > 0) {
    throw sourcesError.invalid("Batching window is not supported for FIFO queues.");
  }
  if (record.batchSize > 10 && record.batchingWindowSec < 1) {
    throw sourcesError.invalid(
      "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
    );
  }
  if (record.filterPatterns.length > 0) compileFilters(record.filterPatterns);
}
