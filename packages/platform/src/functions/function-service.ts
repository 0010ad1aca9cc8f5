import { randomUUID } from "node:crypto";
import type { AccountScope } from "../core/arn.js";
import { functionArn, parseFunctionRef } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import { isPlatformError } from "../core/errors.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import { type AliasRecord, aliasKey, isAliasName, KIND_ALIAS } from "./alias-model.js";
import type { CodeStore } from "./code-store.js";
import { functionsError } from "./errors.js";
import {
  type FunctionConfig,
  type FunctionRecord,
  KIND_FUNCTION,
  KIND_VERSION,
  layersOf,
  versionKey,
} from "./function-model.js";
import { checkUnzippedTotal, resolveFunctionLayers } from "./layers/function-layers.js";

/** The settings a caller chooses; the rest of a FunctionConfig comes from the code and the store. */
export type FunctionSettings = Pick<
  FunctionConfig,
  | "runtime"
  | "handler"
  | "role"
  | "description"
  | "timeoutSec"
  | "memoryMb"
  | "environment"
  | "ephemeralStorageMb"
  | "architecture"
  | "tracingMode"
  | "deadLetterTargetArn"
  | "logFormat"
  | "applicationLogLevel"
  | "systemLogLevel"
> & {
  /** `undefined`: `/aws/lambda/<name>`. */
  logGroup: string | undefined;
  /** Layer version ARNs in extraction order; resolved (and checked) into `FunctionConfig.layers`. */
  layers?: string[];
};

/** AWS's defaults for what CreateFunction leaves out (lambda-api.md section 4.1). */
export const DEFAULT_FUNCTION_SETTINGS: Omit<FunctionSettings, "runtime" | "handler" | "role"> = {
  description: "",
  timeoutSec: 3,
  memoryMb: 128,
  environment: undefined,
  ephemeralStorageMb: 512,
  architecture: "x86_64",
  tracingMode: "PassThrough",
  deadLetterTargetArn: undefined,
  logFormat: "Text",
  logGroup: undefined,
  applicationLogLevel: undefined,
  systemLogLevel: undefined,
};

/** A partial update of settings; a member present with `undefined` clears that setting. */
export type SettingsPatch = { [K in keyof FunctionSettings]?: FunctionSettings[K] | undefined };

export interface CreateFunctionInput {
  name: string;
  settings: FunctionSettings;
  zip: Buffer;
  publish: boolean;
  tags: Record<string, string>;
}

/** What the invoke path needs: one immutable configuration and the ARN as the caller named it. */
export interface ResolvedFunction {
  config: FunctionConfig;
  invokedArn: string;
  /** The function's reserved concurrency (all versions), when set. */
  reservedConcurrency: number | undefined;
}

/** A cached resolution: one configuration, or an alias with its weighted second version. */
interface ResolvedTarget {
  config: FunctionConfig;
  extra?: { config: FunctionConfig; weight: number } | undefined;
  reservedConcurrency: number | undefined;
}

/** `updated`: $LATEST changed; `published`: a version was added; `deleted`: the function or a version went. */
export type FunctionChange = "created" | "updated" | "published" | "deleted";
export type FunctionChangeListener = (name: string, change: FunctionChange) => void;

/** Functions and their published versions, stored in the MetadataStore. */
export class FunctionService {
  private readonly listeners: FunctionChangeListener[] = [];
  /** Hot-path cache of resolved configurations, dropped on every change. */
  private readonly cache = new Map<string, ResolvedTarget>();

  constructor(
    private readonly store: MetadataStore,
    private readonly code: CodeStore,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
    /** Picks the version of weighted aliases; injected so tests can drive it. */
    private readonly random: () => number = Math.random,
    /** Code and layers together must unpack within this (AWS: 250 MB). */
    private readonly limits: { maxUnzippedBytes: number } = { maxUnzippedBytes: 262_144_000 },
  ) {}

  onChange(listener: FunctionChangeListener): void {
    this.listeners.push(listener);
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.scope, name, qualifier);
  }

  async create(input: CreateFunctionInput): Promise<FunctionConfig> {
    if (await this.store.get(KIND_FUNCTION, input.name)) {
      throw functionsError.conflict(`Function already exist: ${input.name}`);
    }
    const { layers: layerArns, ...settings } = input.settings;
    const layers = await resolveFunctionLayers(this.store, this.scope, layerArns ?? []);
    const code = await this.code.ingest(input.zip);
    checkUnzippedTotal(code.unzippedBytes, layers, this.limits.maxUnzippedBytes);
    const now = this.clock.now();
    const latest: FunctionConfig = {
      ...settings,
      name: input.name,
      version: "$LATEST",
      logGroup: input.settings.logGroup ?? `/aws/lambda/${input.name}`,
      codeSha256: code.codeSha256,
      codeKey: code.codeKey,
      codeSizeBytes: code.sizeBytes,
      unzippedSizeBytes: code.unzippedBytes,
      layers,
      revisionId: randomUUID(),
      lastModified: now,
    };
    const record: FunctionRecord = { latest, createdAt: now, tags: input.tags, lastVersion: 0 };
    try {
      await this.store.write([
        { op: "put", kind: KIND_FUNCTION, key: input.name, value: record, expectRevision: "absent" },
      ]);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        throw functionsError.conflict(`Function already exist: ${input.name}`);
      }
      throw error;
    }
    this.changed(input.name, "created");
    return input.publish ? this.publishVersion(input.name, {}) : latest;
  }

  /** The function record; throws ResourceNotFoundException. */
  async getRecord(
    nameOrArn: string,
  ): Promise<{ record: FunctionRecord; revision: number; qualifier: string | undefined }> {
    const ref = this.parse(nameOrArn);
    const doc = await this.store.get<FunctionRecord>(KIND_FUNCTION, ref.name);
    if (!doc) throw functionsError.notFound(`Function not found: ${this.arn(ref.name)}`);
    return { record: doc.value, revision: doc.revision, qualifier: ref.qualifier };
  }

  /** The configuration a qualifier names ($LATEST when none). */
  async getConfig(nameOrArn: string, qualifier?: string): Promise<FunctionConfig> {
    const { record, qualifier: fromName } = await this.getRecord(nameOrArn);
    const q = mergeQualifier(fromName, qualifier);
    if (q === undefined || q === "$LATEST") return record.latest;
    if (/^\d+$/.test(q)) {
      const doc = await this.store.get<FunctionConfig>(
        KIND_VERSION,
        versionKey(record.latest.name, Number(q)),
      );
      if (!doc) throw functionsError.notFound(`Function not found: ${this.arn(record.latest.name, q)}`);
      return doc.value;
    }
    const alias = await this.getAlias(record.latest.name, q);
    return this.getConfig(record.latest.name, alias.functionVersion);
  }

  /** An alias of the function; throws ResourceNotFoundException. */
  async getAlias(functionName: string, alias: string): Promise<AliasRecord> {
    const doc = await this.store.get<AliasRecord>(KIND_ALIAS, aliasKey(functionName, alias));
    if (!doc) throw functionsError.notFound(`Function not found: ${this.arn(functionName, alias)}`);
    return doc.value;
  }

  /**
   * Resolves a function reference for invocation without waiting, when its target is cached (the
   * warm invoke path): undefined when it must be loaded with `resolve`. Throws as `resolve` does
   * for a name that cannot be a function.
   */
  resolveCached(nameOrArn: string, qualifier: string | undefined): ResolvedFunction | undefined {
    const { name, q } = this.targetRef(nameOrArn, qualifier);
    const target = this.cache.get(`${name}:${q ?? ""}`);
    return target && this.resolved(name, q, target);
  }

  /** Resolves a function reference for invocation, from a cache on the hot path. */
  async resolve(nameOrArn: string, qualifier: string | undefined): Promise<ResolvedFunction> {
    const { name, q } = this.targetRef(nameOrArn, qualifier);
    const cacheKey = `${name}:${q ?? ""}`;
    let target = this.cache.get(cacheKey);
    if (!target) {
      target = await this.loadTarget(name, q);
      this.cache.set(cacheKey, target);
    }
    return this.resolved(name, q, target);
  }

  private targetRef(
    nameOrArn: string,
    qualifier: string | undefined,
  ): { name: string; q: string | undefined } {
    const ref = this.parse(nameOrArn);
    return { name: ref.name, q: mergeQualifier(ref.qualifier, qualifier) };
  }

  /** The configuration that runs: an alias's additional version by its weight, else its target. */
  private resolved(name: string, q: string | undefined, target: ResolvedTarget): ResolvedFunction {
    const extra = target.extra;
    const config = extra && this.random() < extra.weight ? extra.config : target.config;
    return { config, invokedArn: this.arn(name, q), reservedConcurrency: target.reservedConcurrency };
  }

  private async loadTarget(name: string, qualifier: string | undefined): Promise<ResolvedTarget> {
    const { record } = await this.getRecord(name);
    const reservedConcurrency = record.reservedConcurrency;
    if (qualifier === undefined || !isAliasName(qualifier)) {
      return { config: await this.getConfig(name, qualifier), reservedConcurrency };
    }
    const alias = await this.getAlias(record.latest.name, qualifier);
    const config = await this.getConfig(name, alias.functionVersion);
    const entry = Object.entries(alias.additionalVersionWeights)[0];
    if (entry === undefined || entry[1] <= 0) return { config, reservedConcurrency };
    return {
      config,
      extra: { config: await this.getConfig(name, entry[0]), weight: entry[1] },
      reservedConcurrency,
    };
  }

  /** Every function record, page by page (account-wide sums: usage, reservations). */
  async *records(): AsyncGenerator<{ record: FunctionRecord; revision: number }> {
    let after: string | undefined;
    do {
      const page = await this.store.list<FunctionRecord>(KIND_FUNCTION, {
        ...(after === undefined ? {} : { after }),
        limit: 500,
      });
      for (const doc of page.items) yield { record: doc.value, revision: doc.revision };
      after = page.nextAfter;
    } while (after !== undefined);
  }

  /** Replaces the function-wide settings of a record (reserved concurrency, tags, ...). */
  async updateRecord(nameOrArn: string, change: (record: FunctionRecord) => FunctionRecord): Promise<void> {
    const { record, revision } = await this.getRecord(nameOrArn);
    const next = change({ ...record });
    await this.store.write([
      { op: "put", kind: KIND_FUNCTION, key: record.latest.name, value: next, expectRevision: revision },
    ]);
    this.dropCache(record.latest.name);
  }

  async list(options: {
    after?: string;
    limit: number;
    allVersions: boolean;
  }): Promise<{ items: FunctionConfig[]; next?: string }> {
    const page = await this.store.list<FunctionRecord>(KIND_FUNCTION, {
      ...(options.after === undefined ? {} : { after: options.after }),
      limit: options.limit,
    });
    const items: FunctionConfig[] = [];
    for (const doc of page.items) {
      items.push(doc.value.latest);
      if (options.allVersions) items.push(...(await this.versions(doc.value.latest.name)));
    }
    return page.nextAfter === undefined ? { items } : { items, next: page.nextAfter };
  }

  async versions(name: string): Promise<FunctionConfig[]> {
    const page = await this.store.list<FunctionConfig>(KIND_VERSION, { prefix: `${name}/` });
    return page.items.map((d) => d.value);
  }

  async updateCode(
    nameOrArn: string,
    zip: Buffer,
    options: { publish: boolean; revisionId?: string },
  ): Promise<FunctionConfig> {
    const code = await this.code.ingest(zip);
    return this.updateLatest(nameOrArn, options.revisionId, options.publish, (latest) => {
      checkUnzippedTotal(code.unzippedBytes, layersOf(latest), this.limits.maxUnzippedBytes);
      return {
        ...latest,
        codeSha256: code.codeSha256,
        codeKey: code.codeKey,
        codeSizeBytes: code.sizeBytes,
        unzippedSizeBytes: code.unzippedBytes,
      };
    });
  }

  async updateConfiguration(
    nameOrArn: string,
    patch: SettingsPatch,
    revisionId: string | undefined,
  ): Promise<FunctionConfig> {
    const { layers: layerArns, ...rest } = patch;
    const layers =
      layerArns === undefined ? undefined : await resolveFunctionLayers(this.store, this.scope, layerArns);
    return this.updateLatest(nameOrArn, revisionId, false, (latest) => {
      // Members present in the patch replace the current value, `undefined` included (cleared).
      const next = { ...latest, ...rest } as FunctionConfig;
      if (layers !== undefined) {
        checkUnzippedTotal(latest.unzippedSizeBytes, layers, this.limits.maxUnzippedBytes);
        next.layers = layers;
      }
      if (next.logGroup === undefined) next.logGroup = `/aws/lambda/${latest.name}`;
      return next;
    });
  }

  /** Snapshots $LATEST as the next version, or returns the last one when nothing changed. */
  async publishVersion(
    nameOrArn: string,
    options: { codeSha256?: string; description?: string; revisionId?: string },
  ): Promise<FunctionConfig> {
    const { record, revision } = await this.getRecord(nameOrArn);
    const latest = record.latest;
    if (options.codeSha256 !== undefined && options.codeSha256 !== latest.codeSha256) {
      throw functionsError.invalid(
        `CodeSHA256 (${options.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    if (options.revisionId !== undefined && options.revisionId !== latest.revisionId) {
      throw functionsError.precondition(
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
      );
    }
    if (record.lastVersion > 0) {
      // The newest version may have been deleted (a stack rollback does that): then publish anew.
      const last = await this.store.get<FunctionConfig>(
        KIND_VERSION,
        versionKey(latest.name, record.lastVersion),
      );
      if (last && sameSnapshot(last.value, latest)) return last.value;
    }
    const number = record.lastVersion + 1;
    const snapshot: FunctionConfig = {
      ...latest,
      version: String(number),
      description: options.description ?? latest.description,
      revisionId: randomUUID(),
      lastModified: this.clock.now(),
    };
    await this.store.write([
      {
        op: "put",
        kind: KIND_FUNCTION,
        key: latest.name,
        value: { ...record, lastVersion: number },
        expectRevision: revision,
      },
      {
        op: "put",
        kind: KIND_VERSION,
        key: versionKey(latest.name, number),
        value: snapshot,
        expectRevision: "absent",
      },
    ]);
    this.changed(latest.name, "published");
    return snapshot;
  }

  async delete(nameOrArn: string, qualifier: string | undefined): Promise<void> {
    const { record, revision, qualifier: fromName } = await this.getRecord(nameOrArn);
    const name = record.latest.name;
    const q = mergeQualifier(fromName, qualifier);
    if (q === "$LATEST")
      throw functionsError.invalid("$LATEST version cannot be deleted without deleting the function.");
    const aliases = (await this.store.list<AliasRecord>(KIND_ALIAS, { prefix: `${name}/` })).items.map(
      (d) => d.value,
    );
    if (q !== undefined) {
      if (isAliasName(q))
        throw functionsError.invalid("Use DeleteAlias to delete an alias; DeleteFunction takes a version.");
      const config = await this.getConfig(name, q);
      const users = aliases.filter(
        (a) => a.functionVersion === config.version || config.version in a.additionalVersionWeights,
      );
      if (users.length > 0) {
        throw functionsError.conflict(
          `Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(", ")}]`,
        );
      }
      await this.store.write([
        { op: "delete", kind: KIND_VERSION, key: versionKey(name, Number(config.version)) },
      ]);
    } else {
      const versions = await this.versions(name);
      await this.store.write([
        { op: "delete", kind: KIND_FUNCTION, key: name, expectRevision: revision },
        ...versions.map((v) => ({
          op: "delete" as const,
          kind: KIND_VERSION,
          key: versionKey(name, Number(v.version)),
        })),
        ...aliases.map((a) => ({ op: "delete" as const, kind: KIND_ALIAS, key: aliasKey(name, a.name) })),
      ]);
    }
    this.changed(name, "deleted");
  }

  async setTags(
    nameOrArn: string,
    update: (tags: Record<string, string>) => Record<string, string>,
  ): Promise<void> {
    const { record, revision } = await this.getRecord(nameOrArn);
    const tags = update({ ...record.tags });
    await this.store.write([
      {
        op: "put",
        kind: KIND_FUNCTION,
        key: record.latest.name,
        value: { ...record, tags },
        expectRevision: revision,
      },
    ]);
  }

  async usage(): Promise<{ functionCount: number; totalCodeSize: number }> {
    let totalCodeSize = 0;
    let functionCount = 0;
    for await (const { record } of this.records()) {
      functionCount++;
      totalCodeSize += record.latest.codeSizeBytes;
    }
    return { functionCount, totalCodeSize };
  }

  private async updateLatest(
    nameOrArn: string,
    revisionId: string | undefined,
    publish: boolean,
    change: (latest: FunctionConfig) => FunctionConfig,
  ): Promise<FunctionConfig> {
    const { record, revision, qualifier } = await this.getRecord(nameOrArn);
    if (qualifier !== undefined && qualifier !== "$LATEST") {
      throw functionsError.invalid(
        "Only the $LATEST version of a function can be updated; remove the qualifier.",
      );
    }
    if (revisionId !== undefined && revisionId !== record.latest.revisionId) {
      throw functionsError.precondition(
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
      );
    }
    const latest = { ...change(record.latest), revisionId: randomUUID(), lastModified: this.clock.now() };
    try {
      await this.store.write([
        {
          op: "put",
          kind: KIND_FUNCTION,
          key: latest.name,
          value: { ...record, latest },
          expectRevision: revision,
        },
      ]);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        throw functionsError.conflict(
          `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(latest.name)}`,
        );
      }
      throw error;
    }
    this.changed(latest.name, "updated");
    return publish ? this.publishVersion(latest.name, {}) : latest;
  }

  private parse(nameOrArn: string): { name: string; qualifier: string | undefined } {
    const ref = parseFunctionRef(nameOrArn);
    if (!ref) throw functionsError.notFound(`Function not found: ${nameOrArn}`);
    if (ref.accountId !== undefined && ref.accountId !== this.scope.accountId) {
      throw functionsError.notFound(`Function not found: ${nameOrArn}`);
    }
    return ref;
  }

  /** Drops cached resolutions of `name` (an alias moved: environments stay, they are per version). */
  dropCache(name: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${name}:`)) this.cache.delete(key);
  }

  /** Drops cached resolutions of `name` and tells listeners (environments, URLs) it changed. */
  private changed(name: string, change: FunctionChange): void {
    this.dropCache(name);
    for (const listener of this.listeners) listener(name, change);
  }
}

function mergeQualifier(fromName: string | undefined, fromQuery: string | undefined): string | undefined {
  if (fromName !== undefined && fromQuery !== undefined && fromName !== fromQuery) {
    throw functionsError.invalid(
      "The derived qualifier from the function name does not match the specified qualifier.",
    );
  }
  return fromName ?? fromQuery;
}

/** True when `a` (a version) was published from exactly the code and settings of `b`. */
function sameSnapshot(a: FunctionConfig, b: FunctionConfig): boolean {
  const strip = ({ version, revisionId, lastModified, description, ...rest }: FunctionConfig) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
