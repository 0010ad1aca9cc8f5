import type { Clock } from "../core/clock.js";
import { isPlatformError } from "../core/errors.js";
import { arnService, type Targets } from "../core/targets.js";
import type { FunctionService } from "../functions/index.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import { asyncError } from "./errors.js";
import {
  DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
  DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
  type RetrySettings,
} from "./retry-policy.js";

const KIND = "event-invoke-config";
const DESTINATION =
  /^$|^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
/** What each destination kind is called in messages. */
const SERVICE_NAMES: Record<string, string> = {
  sqs: "Amazon SQS queue",
  sns: "Amazon SNS topic",
  lambda: "Lambda function",
  events: "Amazon EventBridge event bus",
  s3: "Amazon S3 bucket",
};

/** A FunctionEventInvokeConfig of one qualifier (lambda-api.md section 4.5). Unset = default. */
export interface EventInvokeConfig {
  functionName: string;
  /** `$LATEST`, a version number or an alias name. */
  qualifier: string;
  maximumRetryAttempts: number | undefined;
  maximumEventAgeSeconds: number | undefined;
  onSuccess: string | undefined;
  onFailure: string | undefined;
  /** Epoch ms. */
  lastModified: number;
}

export type EventInvokeConfigInput = Partial<
  Pick<EventInvokeConfig, "maximumRetryAttempts" | "maximumEventAgeSeconds" | "onSuccess" | "onFailure">
>;

/** The settings one event runs under. */
export interface EventSettings extends RetrySettings {
  onSuccess: string | undefined;
  onFailure: string | undefined;
}

/**
 * Asynchronous invocation settings per function and qualifier, in the MetadataStore. An
 * unqualified invoke uses `$LATEST`'s; deleting a function (or a version) deletes its configs.
 */
export class EventInvokeConfigService {
  private readonly cache = new Map<string, EventSettings>();

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly targets: Targets,
    private readonly clock: Clock,
  ) {
    functions.onChange((name, change) => {
      if (change === "deleted") void this.forgetDeleted(name);
    });
  }

  /** Put (replace) or, with `merge`, Update (the config must exist). */
  async put(
    nameOrArn: string,
    queryQualifier: string | undefined,
    input: EventInvokeConfigInput,
    merge: boolean,
  ): Promise<EventInvokeConfig> {
    const { name, qualifier } = await this.target(nameOrArn, queryQualifier);
    for (const [member, arn] of [
      ["OnSuccess", input.onSuccess],
      ["OnFailure", input.onFailure],
    ] as const)
      if (arn !== undefined) this.checkDestination(member, arn);
    const key = `${name}/${qualifier}`;
    const existing = await this.store.get<EventInvokeConfig>(KIND, key);
    if (merge && !existing) throw asyncError.configNotFound(this.functions.arn(name, qualifier));
    const base: EventInvokeConfigInput = merge && existing ? existing.value : {};
    const config: EventInvokeConfig = {
      functionName: name,
      qualifier,
      maximumRetryAttempts: input.maximumRetryAttempts ?? base.maximumRetryAttempts,
      maximumEventAgeSeconds: input.maximumEventAgeSeconds ?? base.maximumEventAgeSeconds,
      onSuccess: emptyToUndefined(input.onSuccess ?? base.onSuccess),
      onFailure: emptyToUndefined(input.onFailure ?? base.onFailure),
      lastModified: this.clock.now(),
    };
    await this.store.write([{ op: "put", kind: KIND, key, value: config }]);
    this.cache.delete(key);
    return config;
  }

  async get(nameOrArn: string, queryQualifier: string | undefined): Promise<EventInvokeConfig> {
    const { name, qualifier } = await this.target(nameOrArn, queryQualifier);
    const doc = await this.store.get<EventInvokeConfig>(KIND, `${name}/${qualifier}`);
    if (!doc) throw asyncError.configNotFound(this.functions.arn(name, qualifier));
    return doc.value;
  }

  async delete(nameOrArn: string, queryQualifier: string | undefined): Promise<void> {
    const config = await this.get(nameOrArn, queryQualifier);
    const key = `${config.functionName}/${config.qualifier}`;
    await this.store.write([{ op: "delete", kind: KIND, key }]);
    this.cache.delete(key);
  }

  /** Every config of a function (all qualifiers), a page at a time. */
  async list(
    nameOrArn: string,
    options: { marker: string | undefined; maxItems: number },
  ): Promise<{ items: EventInvokeConfig[]; nextMarker: string | undefined }> {
    const { record } = await this.functions.getRecord(nameOrArn);
    const page = await this.store.list<EventInvokeConfig>(KIND, {
      prefix: `${record.latest.name}/`,
      ...(options.marker ? { after: options.marker } : {}),
      limit: options.maxItems,
    });
    return { items: page.items.map((d) => d.value), nextMarker: page.nextAfter };
  }

  /** The settings an event invoked with `qualifier` runs under (defaults when none are set). */
  async settingsFor(functionName: string, qualifier: string | undefined): Promise<EventSettings> {
    const key = `${functionName}/${qualifier ?? "$LATEST"}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const doc = await this.store.get<EventInvokeConfig>(KIND, key);
    const settings: EventSettings = {
      maximumRetryAttempts: doc?.value.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      maximumEventAgeSeconds: doc?.value.maximumEventAgeSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
      onSuccess: doc?.value.onSuccess,
      onFailure: doc?.value.onFailure,
    };
    this.cache.set(key, settings);
    return settings;
  }

  /** The function and the qualifier (from the name or the query; `$LATEST` when none), checked to exist. */
  private async target(
    nameOrArn: string,
    queryQualifier: string | undefined,
  ): Promise<{ name: string; qualifier: string }> {
    const { record, qualifier: fromName } = await this.functions.getRecord(nameOrArn);
    if (fromName !== undefined && queryQualifier !== undefined && fromName !== queryQualifier) {
      throw asyncError.invalid(
        "The derived qualifier from the function name does not match the specified qualifier.",
      );
    }
    const qualifier = fromName ?? queryQualifier ?? "$LATEST";
    // A version or alias that does not exist is ResourceNotFoundException, as for GetFunction.
    await this.functions.getConfig(record.latest.name, qualifier);
    return { name: record.latest.name, qualifier };
  }

  private checkDestination(member: "OnSuccess" | "OnFailure", arn: string): void {
    if (arn === "") return;
    if (arn.length > 350 || !DESTINATION.test(arn)) {
      throw asyncError.invalid(
        `The provided destination config DestinationConfig.${member}.Destination is invalid: ${arn} is not a valid ARN.`,
      );
    }
    const service = arnService(arn) ?? "";
    const allowed =
      member === "OnFailure" ? ["sqs", "sns", "lambda", "events", "s3"] : ["sqs", "sns", "lambda", "events"];
    if (!allowed.includes(service)) {
      throw asyncError.invalid(
        `The destination ARN ${arn} is invalid: DestinationConfig.${member} takes an SQS queue, an SNS topic, a Lambda function${member === "OnFailure" ? ", an EventBridge event bus or an S3 bucket" : " or an EventBridge event bus"}.`,
      );
    }
    if (!this.targets.supports(arn)) {
      throw asyncError.invalid(
        `Destinations of type ${SERVICE_NAMES[service] ?? service} (${arn}) are not supported by this Nimbus version.`,
      );
    }
  }

  /** After a deletion: drops the configs of a deleted function, or of its deleted versions. */
  private async forgetDeleted(name: string): Promise<void> {
    try {
      const page = await this.store.list<EventInvokeConfig>(KIND, { prefix: `${name}/` });
      let gone = page.items;
      const exists = await this.functions.getRecord(name).then(
        () => true,
        (error: unknown) => {
          if (isPlatformError(error) && error.status === 404) return false;
          throw error;
        },
      );
      if (exists) {
        const versions = new Set((await this.functions.versions(name)).map((v) => v.version));
        gone = gone.filter((d) => /^\d+$/.test(d.value.qualifier) && !versions.has(d.value.qualifier));
      }
      if (gone.length === 0) return;
      await this.store.write(gone.map((d) => ({ op: "delete" as const, kind: KIND, key: d.key })));
      for (const d of gone) this.cache.delete(d.key);
    } catch {
      // Best effort: a stale config of a deleted function is never read (its events fail first).
    }
  }
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}
