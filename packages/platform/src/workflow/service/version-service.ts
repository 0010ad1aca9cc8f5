import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import { workflowError } from "../errors.js";
import { listAll } from "../executions/execution-records.js";
import type { MachineType } from "./definition-check.js";
import { parseMachineTarget } from "./names.js";
import { STATE_MACHINE_KIND, type StateMachineRecord } from "./state-machine-service.js";

export const VERSION_KIND = "sfn-version";
/** AWS's default quota of versions per state machine. */
export const MAX_VERSIONS_PER_MACHINE = 1000;

/** An immutable snapshot of a state machine, addressed as `<machineArn>:<n>`. */
export interface VersionRecord {
  arn: string;
  machineArn: string;
  name: string;
  version: number;
  type: MachineType;
  definition: string;
  roleArn: string;
  /** The machine revision this version was published from. */
  revisionId: string;
  description?: string;
  /** Epoch ms. */
  createdAt: number;
  loggingConfiguration?: Record<string, unknown>;
  tracingConfiguration?: Record<string, unknown>;
}

/**
 * Versions as `sfn-version` documents keyed by version ARN. Numbers come from a counter kept in
 * the machine record, written in the same transaction, so they only grow and are never reused.
 */
export class VersionService {
  constructor(
    private readonly store: MetadataStore,
    private readonly clock: Clock,
  ) {}

  /**
   * PublishStateMachineVersion: publishing a revision that already has a version answers that
   * version; `revisionId` must name the current revision (ConflictException otherwise).
   */
  async publish(
    machineArn: string,
    options: { revisionId?: string; description?: string },
  ): Promise<VersionRecord> {
    for (let attempt = 0; ; attempt++) {
      const doc = await this.store.get<StateMachineRecord>(STATE_MACHINE_KIND, machineArn);
      if (!doc) throw workflowError.stateMachineNotFound(machineArn);
      const machine = doc.value;
      if (options.revisionId !== undefined && options.revisionId !== machine.revisionId)
        throw workflowError.conflict(
          `Failed to publish the State Machine version for revision ${options.revisionId}. The current State Machine revision is ${machine.revisionId}.`,
        );
      const versions = await this.list(machineArn);
      const same = versions.find((v) => v.revisionId === machine.revisionId);
      if (same) return same;
      if (versions.length >= MAX_VERSIONS_PER_MACHINE)
        throw workflowError.quotaExceeded(
          `The maximum number of versions (${MAX_VERSIONS_PER_MACHINE}) for the state machine '${machineArn}' has been reached.`,
        );
      const version = (machine.versionCounter ?? 0) + 1;
      const record: VersionRecord = {
        arn: `${machineArn}:${version}`,
        machineArn,
        name: machine.name,
        version,
        type: machine.type,
        definition: machine.definition,
        roleArn: machine.roleArn,
        revisionId: machine.revisionId,
        createdAt: this.clock.now(),
        ...(options.description !== undefined && { description: options.description }),
        ...(machine.loggingConfiguration && { loggingConfiguration: machine.loggingConfiguration }),
        ...(machine.tracingConfiguration && { tracingConfiguration: machine.tracingConfiguration }),
      };
      try {
        await this.store.write([
          {
            op: "put",
            kind: STATE_MACHINE_KIND,
            key: machineArn,
            value: { ...machine, versionCounter: version },
            expectRevision: doc.revision,
          },
          { op: "put", kind: VERSION_KIND, key: record.arn, value: record, expectRevision: "absent" },
        ]);
        return record;
      } catch (error) {
        // Another publish or update won the race: read again.
        if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT" || attempt >= 5) throw error;
      }
    }
  }

  async find(versionArn: string): Promise<VersionRecord | undefined> {
    return (await this.store.get<VersionRecord>(VERSION_KIND, versionArn))?.value;
  }

  /** The version, or ResourceNotFound. */
  async get(versionArn: string): Promise<VersionRecord> {
    const target = parseMachineTarget(versionArn);
    if (target.kind !== "version") throw workflowError.validation(`Invalid version ARN: '${versionArn}'`);
    const found = await this.find(versionArn);
    if (!found) throw workflowError.resourceNotFound(versionArn);
    return found;
  }

  /** Versions of a machine, newest first. */
  async list(machineArn: string): Promise<VersionRecord[]> {
    const docs = await listAll<VersionRecord>(this.store, VERSION_KIND, `${machineArn}:`);
    return docs.map((d) => d.value).sort((a, b) => b.version - a.version);
  }

  /** Delete ops for a version document (the caller checks aliases first). */
  async deleteOps(versionArn: string): Promise<WriteOp[]> {
    const doc = await this.store.get<VersionRecord>(VERSION_KIND, versionArn);
    return doc ? [{ op: "delete", kind: VERSION_KIND, key: versionArn, expectRevision: doc.revision }] : [];
  }
}
