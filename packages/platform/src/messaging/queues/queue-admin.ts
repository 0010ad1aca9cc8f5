import type { Clock } from "../../core/clock.js";
import type { QueueStore } from "../../storage/queue-store.js";
import { queueError } from "./errors.js";
import {
  ALL_ATTRIBUTE_NAMES,
  effectiveAttributes,
  parseRedrivePolicy,
  QUEUE_LIMITS,
  type QueueAttributes,
} from "./queue-attributes.js";
import type { QueueRecord, QueueRegistry } from "./queue-registry.js";
import type { QueueService } from "./queue-service.js";

const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;

/**
 * The queue definition operations (create, list, delete, attributes, tags, purge) behind both
 * wire protocols. Message operations live in QueueService.
 */
export class QueueAdmin {
  constructor(
    private readonly registry: QueueRegistry,
    private readonly service: QueueService,
    private readonly store: QueueStore,
    private readonly clock: Clock,
  ) {}

  async create(
    name: string,
    attributes: QueueAttributes,
    tags: Record<string, string>,
  ): Promise<QueueRecord> {
    checkTags(tags, {});
    return (await this.registry.create(name, attributes, tags)).record;
  }

  async list(options: { prefix?: string; max?: number; after?: string }): Promise<{
    queues: QueueRecord[];
    nextAfter: string | undefined;
  }> {
    const max = options.max;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000))
      throw queueError.invalidParameterValue(
        `Value ${max} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
      );
    const limit = max ?? 1000;
    const listOptions: { prefix?: string; after?: string; limit: number } = { limit: limit + 1 };
    if (options.prefix !== undefined) listOptions.prefix = options.prefix;
    if (options.after !== undefined) listOptions.after = options.after;
    const found = await this.registry.list(listOptions);
    const queues = found.slice(0, limit);
    // Without MaxResults, SQS returns up to 1,000 queues and no token.
    const more = max !== undefined && found.length > limit;
    return { queues, nextAfter: more ? queues.at(-1)?.name : undefined };
  }

  async delete(record: QueueRecord): Promise<void> {
    await this.registry.delete(record.name);
    await this.store.drop(record.storeId);
    // Long polls on the deleted queue return (empty) now.
    this.service.waiters.notify(record.storeId);
  }

  /** GetQueueAttributes: `All`, or the named attributes; unknown names are InvalidAttributeName. */
  async getAttributes(record: QueueRecord, names: string[]): Promise<QueueAttributes> {
    for (const name of names)
      if (name !== "All" && !(ALL_ATTRIBUTE_NAMES as readonly string[]).includes(name))
        throw queueError.invalidAttributeName(name);
    const wanted = names.includes("All") ? ALL_ATTRIBUTE_NAMES : names;
    if (wanted.length === 0) return {};
    const now = this.clock.now();
    const retentionSeconds = Number(
      effectiveAttributes(record.fifo, record.attributes).MessageRetentionPeriod,
    );
    // Expired messages must not be counted, received or not.
    await this.store.expire(record.storeId, now - retentionSeconds * 1000);
    const counts = await this.store.counts(record.storeId, now);
    const all: QueueAttributes = {
      QueueArn: record.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(record.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(record.modifiedAt / 1000)),
      ...effectiveAttributes(record.fifo, record.attributes),
    };
    const out: QueueAttributes = {};
    for (const name of ALL_ATTRIBUTE_NAMES) {
      const value = all[name];
      if (value !== undefined && (wanted as readonly string[]).includes(name)) out[name] = value;
    }
    return out;
  }

  async setAttributes(record: QueueRecord, attributes: QueueAttributes): Promise<void> {
    await this.registry.setAttributes(record.name, attributes);
    // A shorter wait or visibility may let a waiting long poll find messages sooner.
    this.service.waiters.notify(record.storeId);
  }

  /** PurgeQueue: deletes every message; one purge per queue per 60 seconds. */
  async purge(record: QueueRecord): Promise<void> {
    const now = this.clock.now();
    // Checked inside the serialized update, so two concurrent purges cannot both pass.
    await this.registry.update(record.name, (r) => {
      if (r.lastPurgeAt !== undefined && now - r.lastPurgeAt < QUEUE_LIMITS.purgeIntervalMs)
        throw queueError.purgeInProgress(r.arn);
      return { ...r, lastPurgeAt: now };
    });
    await this.store.purge(record.storeId);
  }

  async tag(record: QueueRecord, tags: Record<string, string>): Promise<void> {
    checkTags(tags, record.tags);
    await this.registry.update(record.name, (r) => ({ ...r, tags: { ...r.tags, ...tags } }));
  }

  async untag(record: QueueRecord, keys: string[]): Promise<void> {
    await this.registry.update(record.name, (r) => {
      const tags = { ...r.tags };
      for (const key of keys) delete tags[key];
      return { ...r, tags };
    });
  }

  /** The queues whose RedrivePolicy names this queue as their dead-letter queue. */
  async deadLetterSources(record: QueueRecord): Promise<QueueRecord[]> {
    const sources: QueueRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.registry.list(after === undefined ? { limit: 500 } : { after, limit: 500 });
      for (const queue of page) {
        const policy = queue.attributes.RedrivePolicy;
        if (policy && parseRedrivePolicy(policy).deadLetterTargetArn === record.arn) sources.push(queue);
      }
      if (page.length < 500) return sources;
      after = page.at(-1)?.name;
    }
  }
}

function checkTags(tags: Record<string, string>, existing: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > TAG_KEY_MAX || /^aws:/i.test(key))
      throw queueError.invalidParameterValue(
        `Tag key ${key} is invalid: 1 to 128 characters, not starting with aws:.`,
      );
    if (value.length > TAG_VALUE_MAX)
      throw queueError.invalidParameterValue(`Tag value for ${key} is longer than 256 characters.`);
  }
  if (Object.keys({ ...existing, ...tags }).length > QUEUE_LIMITS.maxTags) throw queueError.tagLimit();
}
