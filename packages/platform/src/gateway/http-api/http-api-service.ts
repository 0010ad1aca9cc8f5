import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import { STORAGE_ERRORS } from "../../storage/errors.js";
import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import { httpApiError } from "./errors.js";
import {
  API_KIND,
  DEPLOYMENT_KIND,
  type DeploymentDocument,
  type HttpApiDocument,
  newId,
  type Snapshot,
  snapshotOf,
} from "./model.js";

/** The outcome of a change: the new document and the value the operation answers with. */
export interface Mutation<T> {
  doc: HttpApiDocument;
  value: T;
  /** The routes, integrations or authorizers changed: auto-deploy stages get a new deployment. */
  definitionsChanged?: boolean;
  /** A deployment made by the operation itself (CreateDeployment). */
  newDeployment?: DeploymentDocument;
  /** Deployment documents to delete with the change. */
  deleteDeployments?: string[];
}

/**
 * HTTP API definitions in the MetadataStore. Every change runs through `mutate`, one at a time
 * per API and checked against the stored revision, so two changes never overwrite each other;
 * a change of the definitions makes a new deployment for each AutoDeploy stage in the same
 * write. Reads for the data plane come from a cache this service keeps current on its writes.
 */
export class HttpApiService {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly cache = new Map<string, { doc: HttpApiDocument; revision: number }>();
  private readonly snapshots = new Map<string, Snapshot>();
  /** Bumped by every write of an API: a read that started before one must not fill the cache. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly store: MetadataStore,
    private readonly clock: Clock,
  ) {}

  /** A new API id that no API uses yet. */
  async freshApiId(): Promise<string> {
    for (;;) {
      const id = newId(10);
      if (!(await this.store.get(API_KIND, id))) return id;
    }
  }

  /** Stores a new API document (CreateApi, quick create included). */
  async create(doc: HttpApiDocument): Promise<HttpApiDocument> {
    const ops: WriteOp[] = [];
    const auto = Object.values(doc.stages).filter((s) => s.autoDeploy);
    if (auto.length > 0) ops.push(this.autoDeploy(doc, auto));
    ops.unshift({ op: "put", kind: API_KIND, key: doc.api.apiId, value: doc, expectRevision: "absent" });
    await this.store.write(ops);
    this.cache.set(doc.api.apiId, { doc, revision: 1 });
    return doc;
  }

  /** The API's document; NotFoundException when there is none. */
  async get(apiId: string): Promise<HttpApiDocument> {
    const found = await this.find(apiId);
    if (!found) throw httpApiError.notFound("API", apiId);
    return found;
  }

  /** The API's document, or undefined (the data plane's lookup, cached). */
  async find(apiId: string): Promise<HttpApiDocument | undefined> {
    const cached = this.cache.get(apiId);
    if (cached) return cached.doc;
    const generation = this.generations.get(apiId) ?? 0;
    const stored = await this.store.get<HttpApiDocument>(API_KIND, apiId);
    if (!stored) return undefined;
    if ((this.generations.get(apiId) ?? 0) === generation) {
      this.cache.set(apiId, { doc: stored.value, revision: stored.revision });
    }
    return stored.value;
  }

  /** Every API, in id order. */
  async list(): Promise<HttpApiDocument[]> {
    const out: HttpApiDocument[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.list<HttpApiDocument>(API_KIND, after ? { after } : {});
      out.push(...page.items.map((i) => i.value));
      after = page.nextAfter;
    } while (after);
    return out;
  }

  /** What a deployment serves, or undefined when it is gone. */
  async snapshot(apiId: string, deploymentId: string): Promise<Snapshot | undefined> {
    const key = `${apiId}/${deploymentId}`;
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const stored = await this.store.get<DeploymentDocument>(DEPLOYMENT_KIND, key);
    if (!stored) return undefined;
    this.snapshots.set(key, stored.value.snapshot);
    return stored.value.snapshot;
  }

  /** Applies `change` to the API's document and stores the result atomically. */
  mutate<T>(apiId: string, change: (doc: HttpApiDocument) => Mutation<T>): Promise<T> {
    const previous = this.chains.get(apiId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.apply(apiId, change));
    this.chains.set(apiId, run);
    const settle = () => {
      if (this.chains.get(apiId) === run) this.chains.delete(apiId);
    };
    run.then(settle, settle);
    return run;
  }

  /** Deletes the API and every deployment of it. */
  async delete(apiId: string): Promise<void> {
    await this.mutate(apiId, (doc) => ({ doc, value: undefined }));
    const stored = await this.store.get<HttpApiDocument>(API_KIND, apiId);
    if (!stored) throw httpApiError.notFound("API", apiId);
    const ops: WriteOp[] = [{ op: "delete", kind: API_KIND, key: apiId, expectRevision: stored.revision }];
    for (const id of Object.keys(stored.value.deployments)) {
      ops.push({ op: "delete", kind: DEPLOYMENT_KIND, key: `${apiId}/${id}` });
    }
    await this.store.write(ops);
    this.bump(apiId);
    this.cache.delete(apiId);
    for (const id of Object.keys(stored.value.deployments)) this.snapshots.delete(`${apiId}/${id}`);
  }

  private async apply<T>(apiId: string, change: (doc: HttpApiDocument) => Mutation<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.store.get<HttpApiDocument>(API_KIND, apiId);
      if (!stored) throw httpApiError.notFound("API", apiId);
      const result = change(structuredClone(stored.value));
      const doc = result.doc;
      const ops: WriteOp[] = [
        { op: "put", kind: API_KIND, key: apiId, value: doc, expectRevision: stored.revision },
      ];
      if (result.newDeployment) {
        ops.push({
          op: "put",
          kind: DEPLOYMENT_KIND,
          key: `${apiId}/${result.newDeployment.deploymentId}`,
          value: result.newDeployment,
        });
      }
      const auto = Object.values(doc.stages).filter((s) => s.autoDeploy);
      if (result.definitionsChanged && auto.length > 0) ops.push(this.autoDeploy(doc, auto));
      for (const id of result.deleteDeployments ?? []) {
        ops.push({ op: "delete", kind: DEPLOYMENT_KIND, key: `${apiId}/${id}` });
      }
      try {
        await this.store.write(ops);
      } catch (error) {
        // Another node changed the API between read and write: read again and redo the change.
        if (isPlatformError(error) && error.code === STORAGE_ERRORS.conflict && attempt < 5) continue;
        throw error;
      }
      this.bump(apiId);
      this.cache.set(apiId, { doc, revision: stored.revision + 1 });
      for (const id of result.deleteDeployments ?? []) this.snapshots.delete(`${apiId}/${id}`);
      return result.value;
    }
  }

  private bump(apiId: string): void {
    this.generations.set(apiId, (this.generations.get(apiId) ?? 0) + 1);
  }

  /** A deployment of the current definitions, served by the given AutoDeploy stages from now on. */
  private autoDeploy(doc: HttpApiDocument, stages: HttpApiDocument["stages"][string][]): WriteOp {
    const deploymentId = newId(6);
    const now = this.clock.now();
    doc.deployments[deploymentId] = { deploymentId, autoDeployed: true, createdAt: now };
    for (const stage of stages) {
      stage.deploymentId = deploymentId;
      stage.updatedAt = now;
      stage.lastDeploymentStatusMessage = `Successfully deployed stage with deployment ID '${deploymentId}'`;
    }
    const value: DeploymentDocument = { apiId: doc.api.apiId, deploymentId, snapshot: snapshotOf(doc) };
    return { op: "put", kind: DEPLOYMENT_KIND, key: `${doc.api.apiId}/${deploymentId}`, value };
  }
}
