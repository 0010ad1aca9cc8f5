import { randomUUID } from "node:crypto";
import { isPlatformError } from "../core/errors.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import { type AliasRecord, aliasKey, KIND_ALIAS } from "./alias-model.js";
import { functionsError } from "./errors.js";
import type { FunctionService } from "./function-service.js";

export interface AliasInput {
  functionVersion?: string | undefined;
  description?: string | undefined;
  /** `undefined` leaves routing as it is; `{}` removes it. */
  additionalVersionWeights?: Record<string, number> | undefined;
}

/** Aliases: CreateAlias / GetAlias / UpdateAlias / ListAliases / DeleteAlias. */
export class AliasService {
  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
  ) {}

  async create(functionRef: string, name: string, input: AliasInput): Promise<AliasRecord> {
    const { record } = await this.functions.getRecord(functionRef);
    const functionName = record.latest.name;
    if (input.functionVersion === undefined) throw functionsError.invalid("FunctionVersion is required.");
    const alias: AliasRecord = {
      name,
      functionName,
      functionVersion: input.functionVersion,
      description: input.description ?? "",
      additionalVersionWeights: input.additionalVersionWeights ?? {},
      revisionId: randomUUID(),
    };
    await this.validate(alias);
    try {
      await this.store.write([
        {
          op: "put",
          kind: KIND_ALIAS,
          key: aliasKey(functionName, name),
          value: alias,
          expectRevision: "absent",
        },
      ]);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        throw functionsError.conflict(`Alias already exists: ${this.functions.arn(functionName, name)}`);
      }
      throw error;
    }
    this.functions.dropCache(functionName);
    return alias;
  }

  async get(functionRef: string, name: string): Promise<AliasRecord> {
    const { record } = await this.functions.getRecord(functionRef);
    return this.functions.getAlias(record.latest.name, name);
  }

  async list(functionRef: string, functionVersion: string | undefined): Promise<AliasRecord[]> {
    const { record } = await this.functions.getRecord(functionRef);
    const page = await this.store.list<AliasRecord>(KIND_ALIAS, { prefix: `${record.latest.name}/` });
    return page.items
      .map((d) => d.value)
      .filter((a) => functionVersion === undefined || a.functionVersion === functionVersion);
  }

  async update(
    functionRef: string,
    name: string,
    input: AliasInput,
    revisionId: string | undefined,
  ): Promise<AliasRecord> {
    const { record } = await this.functions.getRecord(functionRef);
    const functionName = record.latest.name;
    const doc = await this.store.get<AliasRecord>(KIND_ALIAS, aliasKey(functionName, name));
    if (!doc) throw functionsError.notFound(`Alias not found: ${this.functions.arn(functionName, name)}`);
    if (revisionId !== undefined && revisionId !== doc.value.revisionId) {
      throw functionsError.precondition(
        "The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id",
      );
    }
    const alias: AliasRecord = {
      ...doc.value,
      ...(input.functionVersion === undefined ? {} : { functionVersion: input.functionVersion }),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.additionalVersionWeights === undefined
        ? {}
        : { additionalVersionWeights: input.additionalVersionWeights }),
      revisionId: randomUUID(),
    };
    await this.validate(alias);
    await this.store.write([
      {
        op: "put",
        kind: KIND_ALIAS,
        key: aliasKey(functionName, name),
        value: alias,
        expectRevision: doc.revision,
      },
    ]);
    this.functions.dropCache(functionName);
    return alias;
  }

  async delete(functionRef: string, name: string): Promise<void> {
    const { record } = await this.functions.getRecord(functionRef);
    await this.store.write([{ op: "delete", kind: KIND_ALIAS, key: aliasKey(record.latest.name, name) }]);
    this.functions.dropCache(record.latest.name);
  }

  /** AWS's alias rules: versions exist, at most one weighted extra version, both published. */
  private async validate(alias: AliasRecord): Promise<void> {
    await this.functions.getConfig(alias.functionName, alias.functionVersion);
    const entries = Object.entries(alias.additionalVersionWeights);
    if (entries.length > 1)
      throw functionsError.invalid("Number of items in AdditionalVersionWeights cannot be greater than 1");
    for (const [version, weight] of entries) {
      if (!/^\d+$/.test(version))
        throw functionsError.invalid("$LATEST is not supported for an alias pointing to more than 1 version");
      if (alias.functionVersion === "$LATEST")
        throw functionsError.invalid("$LATEST is not supported for an alias pointing to more than 1 version");
      if (version === alias.functionVersion)
        throw functionsError.invalid(
          `Invalid function version ${version}. Function version ${version} is already included in routing configuration.`,
        );
      if (typeof weight !== "number" || weight < 0 || weight > 1)
        throw functionsError.invalid(`Invalid weight ${String(weight)}: it must be between 0.0 and 1.0.`);
      await this.functions.getConfig(alias.functionName, version);
    }
  }
}
