import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import { randomHex } from "../../core/ids.js";
import { STORAGE_ERRORS } from "../../storage/errors.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { queueError } from "./errors.js";
import {
  effectiveAttributes,
  parseRedriveAllowPolicy,
  parseRedrivePolicy,
  type QueueAttributes,
  READ_ONLY_ATTRIBUTES,
  validateAttributes,
} from "./queue-attributes.js";

/** A queue's definition, a document of kind `sqs-queue` keyed by name in the MetadataStore. */
export interface QueueRecord {
  name: string;
  arn: string;
  fifo: boolean;
  /** The QueueStore's id of this incarnation (a queue deleted and created again starts empty). */
  storeId: string;
  /** Attributes the user set (normalized); `effectiveAttributes` adds the defaults. */
  attributes: QueueAttributes;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  /** Epoch ms of the last PurgeQueue (one per 60 seconds). */
  lastPurgeAt?: number;
}

export const KIND_QUEUE = "sqs-queue";
const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

/**
 * Queue definitions: create (idempotent when the attributes agree), look up by name or ARN,
 * list, change, delete. Every write goes through here, so the in-memory cache stays exact.
 */
export class QueueRegistry {
  private readonly cache = new Map<string, { record: QueueRecord; revision: number }>();
  private updates: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: MetadataStore,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  arnOf(name: string): string {
    return `arn:aws:sqs:${this.scope.region}:${this.scope.accountId}:${name}`;
  }

  get accountId(): string {
    return this.scope.accountId;
  }

  /** Creates a queue, or returns the existing one when every given attribute has its value. */
  async create(
    name: string,
    given: QueueAttributes,
    tags: Record<string, string>,
  ): Promise<{ record: QueueRecord; created: boolean }> {
    const fifo = given.FifoQueue === "true";
    if (fifo ? !FIFO_NAME.test(name) : !NAME.test(name))
      throw queueError.invalidParameterValue(
        fifo
          ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
          : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
      );
    for (const name of Object.keys(given))
      if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(name))
        throw queueError.invalidAttributeName(name);
    const attributes = validateAttributes(fifo, given, true);
    const existing = await this.find(name);
    if (existing) {
      const current = effectiveAttributes(existing.fifo, existing.attributes);
      for (const [attribute, value] of Object.entries(given)) {
        const want = attribute === "FifoQueue" ? String(fifo) : (attributes[attribute] ?? value);
        const have = attribute === "FifoQueue" ? String(existing.fifo) : (current[attribute] ?? "");
        if (want !== have) throw queueError.nameExists(attribute);
      }
      return { record: existing, created: false };
    }
    await this.checkRedrive(name, fifo, attributes);
    const now = this.clock.now();
    const record: QueueRecord = {
      name,
      arn: this.arnOf(name),
      fifo,
      storeId: `${name}/${now}-${randomHex(4)}`,
      attributes,
      tags,
      createdAt: now,
      modifiedAt: now,
    };
    try {
      await this.store.write([
        { op: "put", kind: KIND_QUEUE, key: name, value: record, expectRevision: "absent" },
      ]);
    } catch (error) {
      // A concurrent CreateQueue of the same name won: answer as if it had come first.
      if (isPlatformError(error) && error.code === STORAGE_ERRORS.conflict)
        return this.create(name, given, tags);
      throw error;
    }
    this.cache.set(name, { record, revision: 1 });
    return { record, created: true };
  }

  /** The queue of this name, or undefined. */
  async find(name: string): Promise<QueueRecord | undefined> {
    const cached = this.cache.get(name);
    if (cached) return cached.record;
    const doc = await this.store.get<QueueRecord>(KIND_QUEUE, name);
    if (!doc) return undefined;
    this.cache.set(name, { record: doc.value, revision: doc.revision });
    return doc.value;
  }

  /** The queue of this name; QueueDoesNotExist otherwise. */
  async require(name: string): Promise<QueueRecord> {
    const record = await this.find(name);
    if (!record) throw queueError.notFound();
    return record;
  }

  /** The queue of this ARN (this account and region only), or undefined. */
  async findByArn(arn: string): Promise<QueueRecord | undefined> {
    const prefix = `arn:aws:sqs:${this.scope.region}:${this.scope.accountId}:`;
    if (!arn.startsWith(prefix)) return undefined;
    return this.find(arn.slice(prefix.length));
  }

  async list(options: { prefix?: string; after?: string; limit: number }): Promise<QueueRecord[]> {
    const listOptions: { prefix?: string; after?: string; limit: number } = { limit: options.limit };
    if (options.prefix) listOptions.prefix = options.prefix;
    if (options.after !== undefined) listOptions.after = options.after;
    const page = await this.store.list<QueueRecord>(KIND_QUEUE, listOptions);
    return page.items.map((item) => item.value);
  }

  /** Sets attributes (SetQueueAttributes); an empty RedrivePolicy or Policy removes it. */
  async setAttributes(name: string, given: QueueAttributes): Promise<QueueRecord> {
    const record = await this.require(name);
    for (const attribute of Object.keys(given))
      if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(attribute))
        throw queueError.invalidAttributeName(attribute);
    const attributes = validateAttributes(record.fifo, given, false);
    await this.checkRedrive(name, record.fifo, attributes);
    const merged = { ...record.attributes, ...attributes };
    for (const [key, value] of Object.entries(merged)) if (value === "") delete merged[key];
    return this.update(name, (r) => ({ ...r, attributes: merged, modifiedAt: this.clock.now() }));
  }

  /** Applies `change` to the stored record (optimistic on the cached revision). */
  async update(name: string, change: (record: QueueRecord) => QueueRecord): Promise<QueueRecord> {
    // One change at a time, so each starts from the revision the previous one wrote.
    const run = this.updates.then(async () => {
      await this.require(name);
      const cached = this.cache.get(name) as { record: QueueRecord; revision: number };
      const record = change(cached.record);
      await this.store.write([
        { op: "put", kind: KIND_QUEUE, key: name, value: record, expectRevision: cached.revision },
      ]);
      this.cache.set(name, { record, revision: cached.revision + 1 });
      return record;
    });
    this.updates = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async delete(name: string): Promise<void> {
    this.cache.delete(name);
    await this.store.write([{ op: "delete", kind: KIND_QUEUE, key: name }]);
  }

  /** The dead-letter queue must exist, be of the same type, and allow this source. */
  private async checkRedrive(name: string, fifo: boolean, attributes: QueueAttributes): Promise<void> {
    const value = attributes.RedrivePolicy;
    if (value === undefined || value === "") return;
    const policy = parseRedrivePolicy(value);
    const target = await this.findByArn(policy.deadLetterTargetArn);
    if (!target)
      throw queueError.invalidParameterValue(
        `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    if (target.fifo !== fifo)
      throw queueError.invalidParameterValue(
        `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead-letter target must be of same type as the source.`,
      );
    const allow = target.attributes.RedriveAllowPolicy;
    if (allow) {
      const policyAllow = parseRedriveAllowPolicy(allow);
      const arn = this.arnOf(name);
      if (
        policyAllow.redrivePermission === "denyAll" ||
        (policyAllow.redrivePermission === "byQueue" && !policyAllow.sourceQueueArns.includes(arn))
      )
        throw queueError.invalidParameterValue(
          `Value ${value} for parameter RedrivePolicy is invalid. Reason: The RedriveAllowPolicy of the dead-letter target does not allow ${arn}.`,
        );
    }
  }
}
