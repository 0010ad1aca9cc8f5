import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import { randomHex } from "../../core/ids.js";
import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import { topicError } from "./errors.js";
import { applySubscriptionAttribute, subscriptionAttributes } from "./subscription-attributes.js";
import { checkEndpoint, checkProtocol } from "./subscription-endpoint.js";
import {
  parseSubscriptionArn,
  SUBSCRIPTION_KIND,
  type SubscriptionRecord,
  subscriptionKey,
} from "./topic-model.js";
import { afterToken, encodeToken, PAGE_SIZE, type TopicService } from "./topic-service.js";

/** Unsubscribed HTTP/S subscriptions, restorable by their UnsubscribeConfirmation token. */
const RESTORE_KIND = "sns-unsubscribed";

interface RestoreRecord {
  sub: SubscriptionRecord;
  key: string;
  expiresAt: number;
}

/** Confirmation tokens of HTTP/S subscriptions are valid for 3 days, as in SNS. */
export const TOKEN_TTL_MS = 3 * 24 * 3600 * 1000;
export type SubscriptionListing = {
  SubscriptionArn: string;
  Owner: string;
  Protocol: string;
  Endpoint: string;
  TopicArn: string;
};

export interface SubscriptionServiceDeps {
  store: MetadataStore;
  topics: TopicService;
  scope: AccountScope;
  clock: Clock;
  /** True when Nimbus can deliver to this ARN (a queue or function service is registered). */
  canDeliver: (arn: string) => boolean;
  /**
   * Queues (durably) the SubscriptionConfirmation of a pending HTTP/S subscription, or with
   * `restoreToken` the UnsubscribeConfirmation of one just unsubscribed.
   */
  sendConfirmation: (sub: SubscriptionRecord, origin: string, restoreToken?: string) => Promise<void>;
}

/** Subscriptions as `sns-subscription` documents keyed `<topic name>/<id>`. */
export class SubscriptionService {
  constructor(private readonly deps: SubscriptionServiceDeps) {}

  /** Subscribe: sqs and lambda are confirmed at once; http/https wait for ConfirmSubscription. */
  async subscribe(input: {
    topicArn: string | undefined;
    protocol: string | undefined;
    endpoint: string | undefined;
    attributes: Record<string, string>;
    origin: string;
  }): Promise<SubscriptionRecord> {
    const topic = await this.deps.topics.get(input.topicArn);
    const protocol = checkProtocol(input.protocol, topic);
    const endpoint = checkEndpoint(protocol, input.endpoint, topic, this.deps.canDeliver);
    const id = randomUUID();
    const http = protocol === "http" || protocol === "https";
    const sub: SubscriptionRecord = {
      arn: `${topic.arn}:${id}`,
      topicArn: topic.arn,
      protocol,
      endpoint,
      confirmed: !http,
      confirmationWasAuthenticated: !http,
      rawMessageDelivery: false,
      filterPolicyScope: "MessageAttributes",
      createdAt: this.deps.clock.now(),
    };
    // The scope first: the policy is validated against it.
    const ordered = Object.entries(input.attributes).sort(([a], [b]) =>
      a === "FilterPolicyScope" ? -1 : b === "FilterPolicyScope" ? 1 : 0,
    );
    for (const [name, value] of ordered)
      applySubscriptionAttribute(sub, name, value, true, this.deps.canDeliver);
    const existing = (await this.ofTopic(topic.name)).find(
      (s) => s.protocol === protocol && s.endpoint === endpoint,
    );
    if (existing) {
      if (!sameSettings(existing, sub))
        throw topicError.invalidParameter(
          "Attributes Reason: Subscription already exists with different attributes",
        );
      if (!existing.confirmed) await this.deps.sendConfirmation(existing, input.origin);
      return existing;
    }
    if (http) {
      sub.token = randomHex(64);
      sub.tokenExpiresAt = this.deps.clock.now() + TOKEN_TTL_MS;
    }
    await this.deps.store.write([
      {
        op: "put",
        kind: SUBSCRIPTION_KIND,
        key: subscriptionKey(topic.name, id),
        value: sub,
        expectRevision: "absent",
      },
    ]);
    if (http) await this.deps.sendConfirmation(sub, input.origin);
    return sub;
  }

  async confirm(
    topicArn: string | undefined,
    token: string | undefined,
    authenticated: boolean,
  ): Promise<SubscriptionRecord> {
    const topic = await this.deps.topics.get(topicArn);
    if (!token) throw topicError.invalidParameter("Token");
    const sub = (await this.ofTopic(topic.name)).find((s) => s.token === token);
    if (!sub) return this.restore(topic.name, token);
    if ((sub.tokenExpiresAt ?? 0) < this.deps.clock.now()) throw topicError.invalidParameter("Token");
    if (sub.confirmed) return sub;
    return this.update(sub.arn, (s) => {
      s.confirmed = true;
      s.confirmationWasAuthenticated = authenticated;
    });
  }

  /**
   * Deletes the subscription. A confirmed HTTP/S one is told with an UnsubscribeConfirmation whose
   * token (kept 3 days) restores it through ConfirmSubscription, as in SNS.
   */
  async unsubscribe(arn: string | undefined, origin: string): Promise<void> {
    const doc = await this.document(arn);
    const sub = doc.value;
    const ops: WriteOp[] = [
      { op: "delete", kind: SUBSCRIPTION_KIND, key: doc.key, expectRevision: doc.revision },
    ];
    const notify = sub.confirmed && (sub.protocol === "http" || sub.protocol === "https");
    const token = randomHex(64);
    if (notify) {
      const topicName = doc.key.slice(0, doc.key.indexOf("/"));
      const restore: RestoreRecord = { sub, key: doc.key, expiresAt: this.deps.clock.now() + TOKEN_TTL_MS };
      ops.push({ op: "put", kind: RESTORE_KIND, key: `${topicName}/${token}`, value: restore });
    }
    await this.deps.store.write(ops);
    if (notify) await this.deps.sendConfirmation(sub, origin, token);
  }

  /** ConfirmSubscription with an UnsubscribeConfirmation's token: the subscription comes back. */
  private async restore(topicName: string, token: string): Promise<SubscriptionRecord> {
    const doc = await this.deps.store.get<RestoreRecord>(RESTORE_KIND, `${topicName}/${token}`);
    if (!doc || doc.value.expiresAt < this.deps.clock.now()) throw topicError.invalidParameter("Token");
    const { sub, key } = doc.value;
    try {
      await this.deps.store.write([
        { op: "delete", kind: RESTORE_KIND, key: doc.key, expectRevision: doc.revision },
        { op: "put", kind: SUBSCRIPTION_KIND, key, value: sub, expectRevision: "absent" },
      ]);
    } catch (error) {
      if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      throw topicError.invalidParameter("Token");
    }
    return sub;
  }

  async get(arn: string | undefined): Promise<SubscriptionRecord> {
    return (await this.document(arn)).value;
  }

  /** The subscription if it still exists (deliveries check before each attempt). */
  async find(arn: string): Promise<SubscriptionRecord | undefined> {
    try {
      return await this.get(arn);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_TOPIC_NOT_FOUND") return undefined;
      throw error;
    }
  }

  async attributes(arn: string | undefined): Promise<Record<string, string>> {
    const sub = await this.get(arn);
    const topic = await this.deps.topics.get(sub.topicArn).catch(() => undefined);
    return subscriptionAttributes(sub, this.deps.scope.accountId, topic?.attributes.DeliveryPolicy);
  }

  async setAttribute(arn: string | undefined, name: string | undefined, value: string): Promise<void> {
    if (name === undefined) throw topicError.invalidParameter("AttributeName");
    await this.update(arn, (sub) =>
      applySubscriptionAttribute(sub, name, value, false, this.deps.canDeliver),
    );
  }

  /** Every subscription of a topic (fan-out, counts, idempotent Subscribe). */
  async ofTopic(topicName: string): Promise<SubscriptionRecord[]> {
    const out: SubscriptionRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.list<SubscriptionRecord>(SUBSCRIPTION_KIND, {
        prefix: `${topicName}/`,
        ...(after !== undefined && { after }),
        limit: 500,
      });
      for (const item of page.items) out.push(item.value);
      if (page.nextAfter === undefined) return out;
      after = page.nextAfter;
    }
  }

  async list(
    nextToken: string | undefined,
    topicArn?: string,
  ): Promise<{ items: SubscriptionListing[]; nextToken?: string }> {
    const prefix = topicArn === undefined ? undefined : `${(await this.deps.topics.get(topicArn)).name}/`;
    const page = await this.deps.store.list<SubscriptionRecord>(SUBSCRIPTION_KIND, {
      ...(prefix !== undefined && { prefix }),
      ...afterToken(nextToken),
      limit: PAGE_SIZE,
    });
    const items = page.items.map(({ value: s }) => ({
      SubscriptionArn: s.confirmed ? s.arn : "PendingConfirmation",
      Owner: this.deps.scope.accountId,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      TopicArn: s.topicArn,
    }));
    const last = page.items.at(-1);
    return page.nextAfter !== undefined && last ? { items, nextToken: encodeToken(last.key) } : { items };
  }

  private async document(arn: string | undefined) {
    const parsed = parseSubscriptionArn(this.deps.scope, arn);
    const doc =
      parsed &&
      (await this.deps.store.get<SubscriptionRecord>(
        SUBSCRIPTION_KIND,
        subscriptionKey(parsed.topicName, parsed.id),
      ));
    if (!doc) throw topicError.subscriptionNotFound();
    return doc;
  }

  private async update(
    arn: string | undefined,
    change: (sub: SubscriptionRecord) => void,
  ): Promise<SubscriptionRecord> {
    for (;;) {
      const doc = await this.document(arn);
      change(doc.value);
      try {
        await this.deps.store.write([
          {
            op: "put",
            kind: SUBSCRIPTION_KIND,
            key: doc.key,
            value: doc.value,
            expectRevision: doc.revision,
          },
        ]);
        return doc.value;
      } catch (error) {
        if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT") throw error;
      }
    }
  }
}

function sameSettings(a: SubscriptionRecord, b: SubscriptionRecord): boolean {
  return (
    a.rawMessageDelivery === b.rawMessageDelivery &&
    a.filterPolicy === b.filterPolicy &&
    (a.filterPolicy === undefined || a.filterPolicyScope === b.filterPolicyScope) &&
    a.redrivePolicy === b.redrivePolicy &&
    a.deliveryPolicy === b.deliveryPolicy
  );
}
