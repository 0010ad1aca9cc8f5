import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import { topicError } from "./errors.js";
import { checkTopicAttribute, topicAttributes } from "./topic-attributes.js";
import {
  assertTopicName,
  SUBSCRIPTION_KIND,
  type SubscriptionRecord,
  TOPIC_KIND,
  type TopicRecord,
  topicArn,
  topicNameOf,
} from "./topic-model.js";

/** SNS pages its List* answers by 100. */
export const PAGE_SIZE = 100;
const MAX_TAGS = 50;

export function encodeToken(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

export function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined || token === "") return undefined;
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (encodeToken(key) !== token) throw topicError.invalidParameter("NextToken");
  return key;
}

/** `{ after }` for a list call, from a NextToken (nothing for the first page). */
export function afterToken(token: string | undefined): { after?: string } {
  const after = decodeToken(token);
  return after === undefined ? {} : { after };
}

/** Topics as `sns-topic` documents keyed by name; their subscriptions go with them. */
export class TopicService {
  constructor(
    private readonly store: MetadataStore,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  /** Same name and same attributes answers the existing topic (CreateTopic is idempotent). */
  async create(
    name: string | undefined,
    attributes: Record<string, string>,
    tags: Record<string, string>,
  ): Promise<TopicRecord> {
    const fifo = attributes.FifoTopic === "true";
    const topicName = assertTopicName(name, fifo);
    const stored: Record<string, string> = {};
    for (const [key, value] of Object.entries(attributes))
      stored[key] = checkTopicAttribute(key, value, fifo, true);
    delete stored.FifoTopic;
    const contentBasedDeduplication = stored.ContentBasedDeduplication === "true";
    delete stored.ContentBasedDeduplication;
    checkTags(tags);
    const record: TopicRecord = {
      arn: topicArn(this.scope, topicName),
      name: topicName,
      fifo,
      contentBasedDeduplication,
      attributes: stored,
      tags,
      createdAt: this.clock.now(),
    };
    try {
      await this.store.write([
        { op: "put", kind: TOPIC_KIND, key: topicName, value: record, expectRevision: "absent" },
      ]);
      return record;
    } catch (error) {
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
    }
    const existing = await this.find(topicName);
    if (!existing) return this.create(name, attributes, tags);
    const same =
      existing.fifo === fifo &&
      existing.contentBasedDeduplication === contentBasedDeduplication &&
      Object.entries(stored).every(([k, v]) => existing.attributes[k] === v);
    if (!same)
      throw topicError.invalidParameter("Attributes Reason: Topic already exists with different attributes");
    const tagsDiffer = Object.entries(tags).some(([k, v]) => existing.tags[k] !== v);
    if (tagsDiffer)
      throw topicError.invalidParameter("Tags Reason: Topic already exists with different tags");
    return existing;
  }

  async find(name: string): Promise<TopicRecord | undefined> {
    return (await this.store.get<TopicRecord>(TOPIC_KIND, name))?.value;
  }

  /** The topic an ARN names; NotFound when there is none. */
  async get(arn: string | undefined, parameter = "TopicArn"): Promise<TopicRecord> {
    const topic = await this.find(topicNameOf(this.scope, arn, parameter));
    if (!topic) throw topicError.topicNotFound();
    return topic;
  }

  /** Deletes the topic and its subscriptions; deleting a topic that does not exist succeeds. */
  async delete(arn: string | undefined): Promise<void> {
    const name = topicNameOf(this.scope, arn);
    for (;;) {
      const page = await this.store.list<SubscriptionRecord>(SUBSCRIPTION_KIND, {
        prefix: `${name}/`,
        limit: 500,
      });
      if (page.items.length === 0) break;
      await this.store.write(
        page.items.map((s): WriteOp => ({ op: "delete", kind: SUBSCRIPTION_KIND, key: s.key })),
      );
    }
    if (await this.find(name)) await this.store.write([{ op: "delete", kind: TOPIC_KIND, key: name }]);
  }

  async list(nextToken: string | undefined): Promise<{ arns: string[]; nextToken?: string }> {
    const page = await this.store.list<TopicRecord>(TOPIC_KIND, {
      ...afterToken(nextToken),
      limit: PAGE_SIZE,
    });
    const arns = page.items.map((item) => item.value.arn);
    const last = page.items.at(-1);
    return page.nextAfter !== undefined && last ? { arns, nextToken: encodeToken(last.key) } : { arns };
  }

  async attributes(arn: string | undefined): Promise<Record<string, string>> {
    const topic = await this.get(arn);
    let confirmed = 0;
    let pending = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list<SubscriptionRecord>(SUBSCRIPTION_KIND, {
        prefix: `${topic.name}/`,
        ...(after !== undefined && { after }),
        limit: 500,
      });
      for (const s of page.items) s.value.confirmed ? confirmed++ : pending++;
      if (page.nextAfter === undefined) break;
      after = page.nextAfter;
    }
    return topicAttributes(this.scope, topic, { confirmed, pending });
  }

  async setAttribute(arn: string | undefined, name: string | undefined, value: string): Promise<void> {
    if (name === undefined) throw topicError.invalidParameter("AttributeName");
    await this.update(arn, (topic) => {
      const checked = checkTopicAttribute(name, value, topic.fifo, false);
      if (name === "ContentBasedDeduplication") topic.contentBasedDeduplication = checked === "true";
      else if (checked === "") delete topic.attributes[name];
      else topic.attributes[name] = checked;
    });
  }

  async tag(arn: string | undefined, tags: Record<string, string>): Promise<void> {
    await this.update(
      arn,
      (topic) => {
        const merged = { ...topic.tags, ...tags };
        checkTags(merged);
        topic.tags = merged;
      },
      "ResourceArn",
    );
  }

  async untag(arn: string | undefined, keys: string[]): Promise<void> {
    await this.update(
      arn,
      (topic) => {
        for (const key of keys) delete topic.tags[key];
      },
      "ResourceArn",
    );
  }

  async tags(arn: string | undefined): Promise<Record<string, string>> {
    return (await this.getResource(arn)).tags;
  }

  private async getResource(arn: string | undefined): Promise<TopicRecord> {
    try {
      return await this.get(arn, "ResourceArn");
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_TOPIC_NOT_FOUND") throw topicError.resourceNotFound();
      throw error;
    }
  }

  private async update(
    arn: string | undefined,
    change: (topic: TopicRecord) => void,
    parameter = "TopicArn",
  ): Promise<void> {
    for (;;) {
      const name = topicNameOf(this.scope, arn, parameter);
      const doc = await this.store.get<TopicRecord>(TOPIC_KIND, name);
      if (!doc)
        throw parameter === "ResourceArn" ? topicError.resourceNotFound() : topicError.topicNotFound();
      change(doc.value);
      try {
        await this.store.write([
          { op: "put", kind: TOPIC_KIND, key: name, value: doc.value, expectRevision: doc.revision },
        ]);
        return;
      } catch (error) {
        if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      }
    }
  }
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > MAX_TAGS) throw topicError.tagLimit();
  for (const [key, value] of Object.entries(tags)) {
    if (!TAG_KEY.test(key) || key.toLowerCase().startsWith("aws:"))
      throw topicError.invalidParameter(`Tags Reason: invalid tag key ${key}`);
    if (value.length > 256)
      throw topicError.invalidParameter(`Tags Reason: the value of tag ${key} is longer than 256 characters`);
  }
}
