import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import { workflowError } from "../errors.js";
import { listAll } from "../executions/execution-records.js";
import { isAliasName, parseMachineTarget } from "./names.js";
import { VERSION_KIND, type VersionRecord } from "./version-service.js";

export const ALIAS_KIND = "sfn-alias";
/** AWS's default quota of aliases per state machine. */
export const MAX_ALIASES_PER_MACHINE = 100;

export interface RoutingEntry {
  stateMachineVersionArn: string;
  weight: number;
}

export interface AliasRecord {
  arn: string;
  machineArn: string;
  name: string;
  description?: string;
  routing: RoutingEntry[];
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

/**
 * Aliases as `sfn-alias` documents keyed by alias ARN. An alias routes executions to one or two
 * versions of its machine by weight. Writing an alias re-puts the versions it names with their
 * expected revision, so a version deleted meanwhile makes the write fail instead of leaving an
 * alias that points nowhere.
 */
export class AliasService {
  constructor(
    private readonly store: MetadataStore,
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {}

  /** Same name and routing answers the existing alias; a different one is a ConflictException. */
  async create(name: string, routing: RoutingEntry[], description?: string): Promise<AliasRecord> {
    if (!isAliasName(name)) throw workflowError.validation(`Invalid alias name: '${name}'`);
    const { machineArn, checks } = await this.checkRouting(routing);
    const arn = `${machineArn}:${name}`;
    const existing = await this.find(arn);
    if (existing) {
      if (sameRouting(existing.routing, routing) && existing.description === description) return existing;
      throw workflowError.conflict(
        `Failed to create alias because an alias with the same name and a different routing configuration already exists: '${arn}'`,
      );
    }
    const count = (await this.list(machineArn)).length;
    if (count >= MAX_ALIASES_PER_MACHINE)
      throw workflowError.quotaExceeded(
        `The maximum number of aliases (${MAX_ALIASES_PER_MACHINE}) for the state machine '${machineArn}' has been reached.`,
      );
    const now = this.clock.now();
    const record: AliasRecord = {
      arn,
      machineArn,
      name,
      routing,
      createdAt: now,
      updatedAt: now,
      ...(description !== undefined && { description }),
    };
    await this.guarded([
      { op: "put", kind: ALIAS_KIND, key: arn, value: record, expectRevision: "absent" },
      ...checks,
    ]);
    return record;
  }

  async find(aliasArn: string): Promise<AliasRecord | undefined> {
    return (await this.store.get<AliasRecord>(ALIAS_KIND, aliasArn))?.value;
  }

  /** The alias, or ResourceNotFound (ValidationException when the ARN names no alias). */
  async get(aliasArn: string): Promise<AliasRecord> {
    const target = parseMachineTarget(aliasArn);
    if (target.kind !== "alias") throw workflowError.validation(`Invalid alias ARN: '${aliasArn}'`);
    const found = await this.find(aliasArn);
    if (!found) throw workflowError.resourceNotFound(aliasArn);
    return found;
  }

  async update(
    aliasArn: string,
    changes: { description?: string; routing?: RoutingEntry[] },
  ): Promise<AliasRecord> {
    if (changes.description === undefined && changes.routing === undefined)
      throw workflowError.validation(
        "Either the description or the routingConfiguration must be specified.",
        "MISSING_REQUIRED_PARAMETER",
      );
    const current = await this.get(aliasArn);
    const doc = await this.store.get<AliasRecord>(ALIAS_KIND, aliasArn);
    let checks: WriteOp[] = [];
    if (changes.routing) {
      const checked = await this.checkRouting(changes.routing);
      if (checked.machineArn !== current.machineArn)
        throw workflowError.validation(
          "The routing configuration must name versions of the alias's own state machine.",
          "INVALID_ROUTING_CONFIGURATION",
        );
      checks = checked.checks;
    }
    const record: AliasRecord = {
      ...current,
      ...(changes.routing && { routing: changes.routing }),
      ...(changes.description !== undefined && { description: changes.description }),
      updatedAt: this.clock.now(),
    };
    await this.guarded([
      {
        op: "put",
        kind: ALIAS_KIND,
        key: aliasArn,
        value: record,
        expectRevision: doc?.revision ?? "absent",
      },
      ...checks,
    ]);
    return record;
  }

  /** Deleting an alias that does not exist succeeds, as on AWS. */
  async delete(aliasArn: string): Promise<void> {
    const target = parseMachineTarget(aliasArn);
    if (target.kind !== "alias") throw workflowError.validation(`Invalid alias ARN: '${aliasArn}'`);
    await this.store.write([{ op: "delete", kind: ALIAS_KIND, key: aliasArn }]);
  }

  /** Aliases of a machine, by name. */
  async list(machineArn: string): Promise<AliasRecord[]> {
    const docs = await listAll<AliasRecord>(this.store, ALIAS_KIND, `${machineArn}:`);
    return docs.map((d) => d.value).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The version an execution started through the alias runs, chosen by weight. */
  pick(alias: AliasRecord): string {
    let roll = this.random() * 100;
    for (const entry of alias.routing) {
      if (roll < entry.weight) return entry.stateMachineVersionArn;
      roll -= entry.weight;
    }
    const last = alias.routing.filter((e) => e.weight > 0).at(-1) ?? alias.routing[0];
    return last?.stateMachineVersionArn ?? "";
  }

  /** 1-2 distinct versions of one machine with weights summing to 100, each existing. */
  private async checkRouting(routing: RoutingEntry[]): Promise<{ machineArn: string; checks: WriteOp[] }> {
    const invalid = (message: string) => workflowError.validation(message, "INVALID_ROUTING_CONFIGURATION");
    if (routing.length < 1 || routing.length > 2)
      throw invalid("The routing configuration must contain one or two versions.");
    const machines = new Set<string>();
    for (const entry of routing) {
      const target = parseMachineTarget(entry.stateMachineVersionArn);
      if (target.kind !== "version")
        throw invalid(
          `The routing configuration names '${entry.stateMachineVersionArn}', which is not a version ARN.`,
        );
      if (!Number.isInteger(entry.weight) || entry.weight < 0 || entry.weight > 100)
        throw invalid("Each routing weight must be an integer between 0 and 100.");
      machines.add(target.machineArn);
    }
    if (machines.size > 1)
      throw invalid("All versions in the routing configuration must belong to the same state machine.");
    if (routing.length === 2 && routing[0]?.stateMachineVersionArn === routing[1]?.stateMachineVersionArn)
      throw invalid("The routing configuration must not name the same version twice.");
    if (routing.reduce((n, e) => n + e.weight, 0) !== 100)
      throw invalid("The routing weights must add up to 100.");
    const checks: WriteOp[] = [];
    for (const entry of routing) {
      const doc = await this.store.get<VersionRecord>(VERSION_KIND, entry.stateMachineVersionArn);
      if (!doc) throw workflowError.resourceNotFound(entry.stateMachineVersionArn);
      checks.push({
        op: "put",
        kind: VERSION_KIND,
        key: doc.key,
        value: doc.value,
        expectRevision: doc.revision,
      });
    }
    return { machineArn: [...machines][0] ?? "", checks };
  }

  private async guarded(ops: WriteOp[]): Promise<void> {
    try {
      await this.store.write(ops);
    } catch (error) {
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      throw workflowError.conflict("The alias or one of its versions changed during the request; try again.");
    }
  }
}

function sameRouting(a: RoutingEntry[], b: RoutingEntry[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => e.stateMachineVersionArn === b[i]?.stateMachineVersionArn && e.weight === b[i]?.weight)
  );
}
