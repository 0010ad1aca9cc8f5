import type { Clock } from "../core/clock.js";
import { isPlatformError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { type FunctionService, functionsError } from "../functions/index.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import type { Invoker } from "./invoker.js";

export interface ProvisionedConfig {
  functionName: string;
  qualifier: string;
  requested: number;
  lastModified: number;
}

export interface ProvisionedStatus extends ProvisionedConfig {
  available: number;
  status: "IN_PROGRESS" | "READY" | "FAILED";
  statusReason: string | undefined;
}

const KIND = "provisioned-concurrency";

/**
 * Provisioned concurrency: keeps N initialised environments of a version or alias pinned in the
 * pool (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency), used before on-demand ones.
 * Configurations are stored, so a restart provisions them again.
 */
export class ProvisionedConcurrency {
  private readonly progress = new Map<
    string,
    { available: number; status: ProvisionedStatus["status"]; reason?: string }
  >();

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly invoker: Invoker,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async put(functionRef: string, qualifier: string, requested: number): Promise<ProvisionedStatus> {
    if (qualifier === "$LATEST") {
      throw functionsError.invalid(
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
      );
    }
    const { record } = await this.functions.getRecord(functionRef);
    const functionName = record.latest.name;
    await this.functions.getConfig(functionName, qualifier);
    const reserved = record.reservedConcurrency;
    if (reserved !== undefined && requested > reserved) {
      throw functionsError.invalid(
        `Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function.`,
      );
    }
    const config: ProvisionedConfig = { functionName, qualifier, requested, lastModified: this.clock.now() };
    await this.store.write([{ op: "put", kind: KIND, key: key(functionName, qualifier), value: config }]);
    this.apply(config);
    return this.status(config);
  }

  async get(functionRef: string, qualifier: string): Promise<ProvisionedStatus> {
    const { record } = await this.functions.getRecord(functionRef);
    const doc = await this.store.get<ProvisionedConfig>(KIND, key(record.latest.name, qualifier));
    if (!doc) throw notFound();
    return this.status(doc.value);
  }

  async list(functionRef: string): Promise<ProvisionedStatus[]> {
    const { record } = await this.functions.getRecord(functionRef);
    const page = await this.store.list<ProvisionedConfig>(KIND, { prefix: `${record.latest.name}:` });
    return page.items.map((d) => this.status(d.value));
  }

  async delete(functionRef: string, qualifier: string): Promise<void> {
    const { record } = await this.functions.getRecord(functionRef);
    const k = key(record.latest.name, qualifier);
    const doc = await this.store.get<ProvisionedConfig>(KIND, k);
    if (!doc) throw notFound();
    await this.store.write([{ op: "delete", kind: KIND, key: k }]);
    this.progress.delete(k);
    const config = await this.functions.getConfig(record.latest.name, qualifier).catch(() => undefined);
    if (config) this.invoker.unprovision(config);
  }

  /** Provisions every stored configuration again (at start). */
  async restore(): Promise<void> {
    let after: string | undefined;
    do {
      const page = await this.store.list<ProvisionedConfig>(KIND, {
        ...(after === undefined ? {} : { after }),
        limit: 500,
      });
      for (const doc of page.items) this.apply(doc.value);
      after = page.nextAfter;
    } while (after !== undefined);
  }

  private apply(config: ProvisionedConfig): void {
    const k = key(config.functionName, config.qualifier);
    this.progress.set(k, { available: 0, status: "IN_PROGRESS" });
    void (async () => {
      try {
        const version = await this.functions.getConfig(config.functionName, config.qualifier);
        const available = await this.invoker.provision(version, config.requested);
        const failed = available < config.requested;
        this.progress.set(k, {
          available,
          status: failed ? "FAILED" : "READY",
          ...(failed
            ? {
                reason: `Only ${available} of ${config.requested} environments initialised; see the function's logs.`,
              }
            : {}),
        });
      } catch (error) {
        if (!isPlatformError(error)) this.logger.error({ err: error }, "provisioning environments failed");
        this.progress.set(k, {
          available: 0,
          status: "FAILED",
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    })();
  }

  private status(config: ProvisionedConfig): ProvisionedStatus {
    const p = this.progress.get(key(config.functionName, config.qualifier));
    return {
      ...config,
      available: p?.available ?? 0,
      status: p?.status ?? "IN_PROGRESS",
      statusReason: p?.reason,
    };
  }
}

function key(functionName: string, qualifier: string): string {
  return `${functionName}:${qualifier}`;
}

function notFound() {
  return functionsError.provisionedNotFound("No Provisioned Concurrency Config found for this function");
}
