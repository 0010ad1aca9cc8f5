import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { workflowError } from "../errors.js";
import { parseLoggingConfiguration } from "../executions/execution-logs.js";
import { listAll } from "../executions/execution-records.js";
import { assertValidDefinition, type MachineType } from "./definition-check.js";
import { assertName, parseArn, stateMachineArn } from "./names.js";
import { mergeTags, TAGS_KIND, type TagMap } from "./tag-service.js";

export const STATE_MACHINE_KIND = "sfn-state-machine";

export interface StateMachineRecord {
  arn: string;
  name: string;
  type: MachineType;
  definition: string;
  roleArn: string;
  /** Epoch ms. */
  createdAt: number;
  updatedAt?: number;
  revisionId: string;
  /** The last version number published (versions are numbered from 1 and never reused). */
  versionCounter?: number;
  loggingConfiguration?: Record<string, unknown>;
  tracingConfiguration?: Record<string, unknown>;
}

export interface CreateStateMachineInput {
  name: string;
  definition: string;
  roleArn: string;
  type: MachineType;
  loggingConfiguration?: Record<string, unknown>;
  tracingConfiguration?: Record<string, unknown>;
  /** Written with the machine; more than 50 is TooManyTags. */
  tags?: TagMap;
}

/** State machines as `sfn-state-machine` documents keyed by ARN. */
export class StateMachineService {
  constructor(
    private readonly store: MetadataStore,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  /**
   * Same name and same settings answers the existing machine; different ones are refused. The
   * existing machine keeps its tags: AWS documents that a repeated create with other tags is
   * still idempotent and the new tags are ignored.
   */
  async create(input: CreateStateMachineInput): Promise<StateMachineRecord> {
    assertName(input.name);
    assertValidDefinition(input.definition, input.type);
    parseLoggingConfiguration(input.loggingConfiguration);
    const arn = stateMachineArn(this.scope, input.name);
    const record: StateMachineRecord = {
      arn,
      name: input.name,
      type: input.type,
      definition: input.definition,
      roleArn: input.roleArn,
      createdAt: this.clock.now(),
      revisionId: randomUUID(),
      ...(input.loggingConfiguration && { loggingConfiguration: input.loggingConfiguration }),
      ...(input.tracingConfiguration && { tracingConfiguration: input.tracingConfiguration }),
    };
    const tags = mergeTags(arn, {}, input.tags ?? {});
    try {
      await this.store.write([
        { op: "put", kind: STATE_MACHINE_KIND, key: arn, value: record, expectRevision: "absent" },
        // Tags left by an earlier machine of this name are replaced (deletes drop them anyway).
        Object.keys(tags).length > 0
          ? { op: "put", kind: TAGS_KIND, key: arn, value: tags }
          : { op: "delete", kind: TAGS_KIND, key: arn },
      ]);
      return record;
    } catch (error) {
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
    }
    const existing = await this.find(arn);
    if (
      existing &&
      existing.definition === input.definition &&
      existing.roleArn === input.roleArn &&
      existing.type === input.type
    )
      return existing;
    throw workflowError.stateMachineExists(arn);
  }

  /** The machine, or StateMachineDoesNotExist (InvalidArn when the ARN is malformed). */
  async get(arn: string): Promise<StateMachineRecord> {
    parseArn(arn, ["stateMachine"]);
    const found = await this.find(arn);
    if (!found) throw workflowError.stateMachineNotFound(arn);
    return found;
  }

  async find(arn: string): Promise<StateMachineRecord | undefined> {
    return (await this.store.get<StateMachineRecord>(STATE_MACHINE_KIND, arn))?.value;
  }

  /** Running executions keep the definition they started with. */
  async update(
    arn: string,
    changes: {
      definition?: string;
      roleArn?: string;
      loggingConfiguration?: Record<string, unknown>;
      tracingConfiguration?: Record<string, unknown>;
    },
  ): Promise<StateMachineRecord> {
    if (changes.definition === undefined && changes.roleArn === undefined)
      throw workflowError.missingParameter("Either the definition or the roleArn must be specified.");
    parseArn(arn, ["stateMachine"]);
    const doc = await this.store.get<StateMachineRecord>(STATE_MACHINE_KIND, arn);
    if (!doc) throw workflowError.stateMachineNotFound(arn);
    if (changes.definition !== undefined) assertValidDefinition(changes.definition, doc.value.type);
    parseLoggingConfiguration(changes.loggingConfiguration);
    const record: StateMachineRecord = {
      ...doc.value,
      ...(changes.definition !== undefined && { definition: changes.definition }),
      ...(changes.roleArn !== undefined && { roleArn: changes.roleArn }),
      ...(changes.loggingConfiguration && { loggingConfiguration: changes.loggingConfiguration }),
      ...(changes.tracingConfiguration && { tracingConfiguration: changes.tracingConfiguration }),
      updatedAt: this.clock.now(),
      revisionId: randomUUID(),
    };
    await this.store.write([
      { op: "put", kind: STATE_MACHINE_KIND, key: arn, value: record, expectRevision: doc.revision },
    ]);
    return record;
  }

  /** Deleting is immediate; executions already running finish with their own copy of the definition. */
  async delete(arn: string): Promise<void> {
    parseArn(arn, ["stateMachine"]);
    await this.store.write([
      { op: "delete", kind: STATE_MACHINE_KIND, key: arn },
      { op: "delete", kind: TAGS_KIND, key: arn },
    ]);
  }

  async list(): Promise<StateMachineRecord[]> {
    const docs = await listAll<StateMachineRecord>(this.store, STATE_MACHINE_KIND);
    return docs.map((d) => d.value);
  }
}
