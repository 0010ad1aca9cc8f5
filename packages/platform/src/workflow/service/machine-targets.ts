import type { MetadataStore } from "../../storage/metadata-store.js";
import { workflowError } from "../errors.js";
import { ALIAS_KIND, type AliasService } from "./alias-service.js";
import type { MachineType } from "./definition-check.js";
import { parseMachineTarget } from "./names.js";
import { STATE_MACHINE_KIND, type StateMachineService } from "./state-machine-service.js";
import { TAGS_KIND } from "./tag-service.js";
import { VERSION_KIND, type VersionService } from "./version-service.js";

/** What an execution runs once its ARN (machine, version or alias) is resolved. */
export interface ResolvedMachine {
  /** The unqualified state machine ARN. */
  machineArn: string;
  name: string;
  type: MachineType;
  definition: string;
  roleArn: string;
  loggingConfiguration?: Record<string, unknown>;
  versionArn?: string;
  aliasArn?: string;
}

/**
 * The rules that span machines, versions and aliases: resolving what StartExecution was given,
 * refusing to delete a version an alias routes to, and deleting a machine with its versions and
 * aliases.
 */
export class MachineTargets {
  constructor(
    private readonly store: MetadataStore,
    readonly machines: StateMachineService,
    readonly versions: VersionService,
    readonly aliases: AliasService,
  ) {}

  /**
   * A state machine, version or alias ARN to what runs. An alias picks one of its versions by
   * weight. Unknown machines are StateMachineDoesNotExist; unknown versions or aliases are
   * ResourceNotFound, as on AWS.
   */
  async resolve(arn: string): Promise<ResolvedMachine> {
    const target = parseMachineTarget(arn);
    if (target.kind === "machine") {
      const m = await this.machines.get(arn);
      return {
        machineArn: m.arn,
        name: m.name,
        type: m.type,
        definition: m.definition,
        roleArn: m.roleArn,
        ...(m.loggingConfiguration && { loggingConfiguration: m.loggingConfiguration }),
      };
    }
    let aliasArn: string | undefined;
    let versionArn = arn;
    if (target.kind === "alias") {
      const alias = await this.aliases.find(arn);
      if (!alias) throw workflowError.resourceNotFound(arn);
      aliasArn = alias.arn;
      versionArn = this.aliases.pick(alias);
    }
    const v = await this.versions.find(versionArn);
    if (!v) throw workflowError.resourceNotFound(versionArn);
    return {
      machineArn: v.machineArn,
      name: v.name,
      type: v.type,
      definition: v.definition,
      roleArn: v.roleArn,
      ...(v.loggingConfiguration && { loggingConfiguration: v.loggingConfiguration }),
      versionArn: v.arn,
      ...(aliasArn !== undefined && { aliasArn }),
    };
  }

  /** DeleteStateMachineVersion: ConflictException while an alias routes to it; absent is fine. */
  async deleteVersion(versionArn: string): Promise<void> {
    const target = parseMachineTarget(versionArn);
    if (target.kind !== "version") throw workflowError.validation(`Invalid version ARN: '${versionArn}'`);
    const users = (await this.aliases.list(target.machineArn)).filter((a) =>
      a.routing.some((r) => r.stateMachineVersionArn === versionArn),
    );
    if (users.length > 0)
      throw workflowError.conflict(
        `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${users.map((a) => a.name).join(", ")}]`,
      );
    const ops = await this.versions.deleteOps(versionArn);
    if (ops.length > 0) await this.store.write(ops);
  }

  /** DeleteStateMachine: the machine, its tags, its versions and its aliases go in one write. */
  async deleteMachine(machineArn: string): Promise<void> {
    const target = parseMachineTarget(machineArn);
    if (target.kind !== "machine")
      throw workflowError.validation(
        `DeleteStateMachine takes an unqualified state machine ARN; use DeleteStateMachine${target.kind === "version" ? "Version" : "Alias"} for '${machineArn}'`,
      );
    const versions = await this.versions.list(machineArn);
    const aliases = await this.aliases.list(machineArn);
    await this.store.write([
      { op: "delete", kind: STATE_MACHINE_KIND, key: machineArn },
      { op: "delete", kind: TAGS_KIND, key: machineArn },
      ...versions.map((v) => ({ op: "delete" as const, kind: VERSION_KIND, key: v.arn })),
      ...aliases.map((a) => ({ op: "delete" as const, kind: ALIAS_KIND, key: a.arn })),
    ]);
  }
}
