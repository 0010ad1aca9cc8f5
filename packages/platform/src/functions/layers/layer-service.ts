import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { CodeStore } from "../code-store.js";
import { functionsError } from "../errors.js";
import { layerError } from "./layer-errors.js";
import {
  KIND_LAYER_VERSION,
  type LayerStatement,
  type LayerVersionRecord,
  layerArn,
  layerSequence,
  layerVersionArn,
  layerVersionKey,
  parseLayerArn,
} from "./layer-model.js";

export interface PublishLayerInput {
  zip: Buffer;
  description: string;
  licenseInfo: string | undefined;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
}

/** ListLayers / ListLayerVersions filters: a version matches when it lists the value. */
export interface LayerFilter {
  runtime?: string | undefined;
  architecture?: string | undefined;
}

export interface LayerSummary {
  name: string;
  /** The newest version that matches the filter. */
  latest: LayerVersionRecord;
}

const NO_SUCH_RESOURCE = "The resource you requested does not exist.";
const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id";

/**
 * Lambda layers: versioned archives kept in the CodeStore (checked, stored and unpacked once
 * per content hash, like function code) with one metadata document per version. Version numbers
 * come from a per-layer sequence, so a deleted number is never handed out again.
 */
export class LayerService {
  constructor(
    private readonly store: MetadataStore,
    private readonly code: CodeStore,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  layerArn(name: string): string {
    return layerArn(this.scope, name);
  }

  versionArn(name: string, version: number): string {
    return layerVersionArn(this.scope, name, version);
  }

  /** Publishes the next version of `nameOrArn` (creating the layer on first use). */
  async publish(nameOrArn: string, input: PublishLayerInput): Promise<LayerVersionRecord> {
    const name = this.nameOf(nameOrArn);
    if (name === undefined) {
      throw functionsError.invalid(
        `Layers can only be published in this Nimbus's account ${this.scope.accountId} and region ${this.scope.region}.`,
      );
    }
    const code = await this.code.ingest(input.zip);
    const version = await this.store.nextSequence(layerSequence(name));
    const record: LayerVersionRecord = {
      name,
      version,
      description: input.description,
      licenseInfo: input.licenseInfo,
      compatibleRuntimes: input.compatibleRuntimes,
      compatibleArchitectures: input.compatibleArchitectures,
      createdAt: this.clock.now(),
      codeKey: code.codeKey,
      codeSha256: code.codeSha256,
      codeSizeBytes: code.sizeBytes,
      unzippedSizeBytes: code.unzippedBytes,
      policy: undefined,
    };
    await this.store.write([
      {
        op: "put",
        kind: KIND_LAYER_VERSION,
        key: layerVersionKey(name, version),
        value: record,
        expectRevision: "absent",
      },
    ]);
    return record;
  }

  /** GetLayerVersion. */
  async get(nameOrArn: string, version: number): Promise<LayerVersionRecord> {
    checkVersion(version);
    const name = this.nameOf(nameOrArn);
    const doc = name === undefined ? undefined : await this.load(name, version);
    if (!doc) throw layerError.notFound(NO_SUCH_RESOURCE);
    return doc.value;
  }

  /** GetLayerVersionByArn: `arn` must be a layer version ARN. */
  async getByArn(arn: string): Promise<LayerVersionRecord> {
    const ref = parseLayerArn(arn);
    if (ref === undefined || ref.version === undefined) {
      throw functionsError.invalid(`${arn} is not a layer version ARN.`);
    }
    return this.get(arn.slice(0, arn.lastIndexOf(":")), ref.version);
  }

  /** ListLayerVersions: the matching versions of one layer, newest first. */
  async listVersions(nameOrArn: string, filter: LayerFilter): Promise<LayerVersionRecord[]> {
    const name = this.nameOf(nameOrArn);
    if (name === undefined) return [];
    const all = await this.all(`${name}/`);
    return all.filter((v) => matches(v, filter)).sort((a, b) => b.version - a.version);
  }

  /** ListLayers: every layer with a matching version, by name, with its newest matching version. */
  async listLayers(filter: LayerFilter): Promise<LayerSummary[]> {
    const latest = new Map<string, LayerVersionRecord>();
    for (const v of await this.all(undefined)) {
      if (!matches(v, filter)) continue;
      const current = latest.get(v.name);
      if (current === undefined || current.version < v.version) latest.set(v.name, v);
    }
    return [...latest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, v]) => ({ name, latest: v }));
  }

  /** DeleteLayerVersion: idempotent. Functions that use the version keep its content. */
  async delete(nameOrArn: string, version: number): Promise<void> {
    checkVersion(version);
    const name = this.nameOf(nameOrArn);
    if (name === undefined) return;
    await this.store.write([{ op: "delete", kind: KIND_LAYER_VERSION, key: layerVersionKey(name, version) }]);
  }

  /** AddLayerVersionPermission: appends a statement; `revisionId` must match the policy's. */
  async addPermission(
    nameOrArn: string,
    version: number,
    statement: LayerStatement,
    revisionId: string | undefined,
  ): Promise<{ record: LayerVersionRecord; revisionId: string }> {
    const { name, doc } = await this.loadForPolicy(nameOrArn, version);
    const policy = doc.value.policy;
    if (policy?.statements.some((s) => s.sid === statement.sid)) {
      throw functionsError.conflict(
        `The statement id (${statement.sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      );
    }
    if (revisionId !== undefined && revisionId !== policy?.revisionId) {
      throw functionsError.precondition(REVISION_MISMATCH);
    }
    const next: LayerVersionRecord = {
      ...doc.value,
      policy: { revisionId: randomUUID(), statements: [...(policy?.statements ?? []), statement] },
    };
    await this.save(name, version, next, doc.revision);
    return { record: next, revisionId: next.policy?.revisionId ?? "" };
  }

  /** GetLayerVersionPolicy. */
  async getPolicy(
    nameOrArn: string,
    version: number,
  ): Promise<{ record: LayerVersionRecord; statements: LayerStatement[]; revisionId: string }> {
    const { doc } = await this.loadForPolicy(nameOrArn, version);
    const policy = doc.value.policy;
    if (policy === undefined) throw layerError.notFound("No policy is associated with the given resource.");
    return { record: doc.value, statements: policy.statements, revisionId: policy.revisionId };
  }

  /** RemoveLayerVersionPermission. Removing the last statement removes the policy. */
  async removePermission(
    nameOrArn: string,
    version: number,
    sid: string,
    revisionId: string | undefined,
  ): Promise<void> {
    const { name, doc } = await this.loadForPolicy(nameOrArn, version);
    const policy = doc.value.policy;
    if (revisionId !== undefined && revisionId !== policy?.revisionId) {
      throw functionsError.precondition(REVISION_MISMATCH);
    }
    if (policy === undefined || !policy.statements.some((s) => s.sid === sid)) {
      throw layerError.notFound(`Statement ${sid} is not found in resource policy.`);
    }
    const statements = policy.statements.filter((s) => s.sid !== sid);
    const next: LayerVersionRecord = {
      ...doc.value,
      policy: statements.length === 0 ? undefined : { revisionId: randomUUID(), statements },
    };
    await this.save(name, version, next, doc.revision);
  }

  /** The layer name of a LayerName member (name or layer ARN); undefined for another account or region. */
  private nameOf(nameOrArn: string): string | undefined {
    if (!nameOrArn.startsWith("arn:")) return nameOrArn;
    const ref = parseLayerArn(nameOrArn);
    if (ref === undefined || ref.version !== undefined) {
      throw functionsError.invalid(`${nameOrArn} is not a layer name or layer ARN.`);
    }
    if (ref.accountId !== this.scope.accountId || ref.region !== this.scope.region) return undefined;
    return ref.name;
  }

  private load(name: string, version: number) {
    return this.store.get<LayerVersionRecord>(KIND_LAYER_VERSION, layerVersionKey(name, version));
  }

  private async loadForPolicy(nameOrArn: string, version: number) {
    checkVersion(version);
    const name = this.nameOf(nameOrArn);
    const doc = name === undefined ? undefined : await this.load(name, version);
    if (name === undefined || !doc) {
      const arn = nameOrArn.startsWith("arn:") ? nameOrArn : this.layerArn(nameOrArn);
      throw layerError.notFound(`Layer version ${arn}:${version} does not exist.`);
    }
    return { name, doc };
  }

  private async save(name: string, version: number, value: LayerVersionRecord, revision: number) {
    try {
      await this.store.write([
        {
          op: "put",
          kind: KIND_LAYER_VERSION,
          key: layerVersionKey(name, version),
          value,
          expectRevision: revision,
        },
      ]);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        throw functionsError.conflict(
          `The operation cannot be performed at this time. An update is in progress for resource: ${this.versionArn(name, version)}`,
        );
      }
      throw error;
    }
  }

  /** Every layer version (of one layer when `prefix` is `<name>/`), read in pages. */
  private async all(prefix: string | undefined): Promise<LayerVersionRecord[]> {
    const out: LayerVersionRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.list<LayerVersionRecord>(KIND_LAYER_VERSION, {
        ...(prefix === undefined ? {} : { prefix }),
        ...(after === undefined ? {} : { after }),
        limit: 500,
      });
      for (const doc of page.items) out.push(doc.value);
      after = page.nextAfter;
    } while (after !== undefined);
    return out;
  }
}

function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1) {
    throw functionsError.invalid("Layer Version Cannot be less than 1");
  }
}

function matches(v: LayerVersionRecord, filter: LayerFilter): boolean {
  if (filter.runtime !== undefined && !v.compatibleRuntimes.includes(filter.runtime)) return false;
  if (filter.architecture !== undefined && !v.compatibleArchitectures.includes(filter.architecture))
    return false;
  return true;
}
