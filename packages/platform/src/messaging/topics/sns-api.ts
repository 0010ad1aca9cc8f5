import type { QueryOperation, QueryParams, QueryService, XmlValue } from "../../aws/query-protocol.js";
import { topicError } from "./errors.js";
import type { Publisher } from "./publisher.js";
import type { SubscriptionService } from "./subscription-service.js";
import type { TopicService } from "./topic-service.js";

export const SNS_XML_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

/** The SNS API (awsQuery, version 2010-03-31): wire names in, XML result values out. */
export function createSnsApi(
  topics: TopicService,
  subscriptions: SubscriptionService,
  publisher: Publisher,
): QueryService {
  const operations: Record<string, QueryOperation> = {
    CreateTopic: async (p) => {
      if (p.has("DataProtectionPolicy")) throw topicError.unsupported("DataProtectionPolicy");
      const topic = await topics.create(p.get("Name"), p.stringMap("Attributes"), readTags(p));
      return { TopicArn: topic.arn };
    },
    DeleteTopic: async (p) => {
      await topics.delete(p.get("TopicArn"));
      return undefined;
    },
    ListTopics: async (p) => {
      const page = await topics.list(p.get("NextToken"));
      return { Topics: { member: page.arns.map((arn) => ({ TopicArn: arn })) }, NextToken: page.nextToken };
    },
    GetTopicAttributes: async (p) => ({
      Attributes: attributeMap(await topics.attributes(p.get("TopicArn"))),
    }),
    SetTopicAttributes: async (p) => {
      await topics.setAttribute(p.get("TopicArn"), p.get("AttributeName"), p.get("AttributeValue") ?? "");
      return undefined;
    },
    Subscribe: async (p, req) => {
      const sub = await subscriptions.subscribe({
        topicArn: p.get("TopicArn"),
        protocol: p.get("Protocol"),
        endpoint: p.get("Endpoint"),
        attributes: p.stringMap("Attributes"),
        origin: req.origin,
      });
      const returnArn = p.get("ReturnSubscriptionArn") === "true";
      return { SubscriptionArn: sub.confirmed || returnArn ? sub.arn : "pending confirmation" };
    },
    ConfirmSubscription: async (p) => {
      const sub = await subscriptions.confirm(
        p.get("TopicArn"),
        p.get("Token"),
        p.get("AuthenticateOnUnsubscribe") === "true",
      );
      return { SubscriptionArn: sub.arn };
    },
    Unsubscribe: async (p, req) => {
      await subscriptions.unsubscribe(p.get("SubscriptionArn"), req.origin);
      return undefined;
    },
    ListSubscriptions: async (p) => subscriptionPage(await subscriptions.list(p.get("NextToken"))),
    ListSubscriptionsByTopic: async (p) => {
      const topicArn = p.get("TopicArn");
      if (topicArn === undefined) throw topicError.invalidParameter("TopicArn");
      return subscriptionPage(await subscriptions.list(p.get("NextToken"), topicArn));
    },
    GetSubscriptionAttributes: async (p) => ({
      Attributes: attributeMap(await subscriptions.attributes(p.get("SubscriptionArn"))),
    }),
    SetSubscriptionAttributes: async (p) => {
      await subscriptions.setAttribute(
        p.get("SubscriptionArn"),
        p.get("AttributeName"),
        p.get("AttributeValue") ?? "",
      );
      return undefined;
    },
    Publish: async (p, req) => {
      const result = await publisher.publish(p, req.origin);
      return { MessageId: result.messageId, SequenceNumber: result.sequenceNumber };
    },
    PublishBatch: async (p, req) => {
      const results = await publisher.publishBatch(p, req.origin);
      const successful: XmlValue[] = [];
      const failed: XmlValue[] = [];
      for (const r of results) {
        if (r.ok)
          successful.push({
            Id: r.id,
            MessageId: r.result.messageId,
            SequenceNumber: r.result.sequenceNumber,
          });
        else failed.push({ Id: r.id, Code: r.code, Message: r.message, SenderFault: r.senderFault });
      }
      return { Successful: { member: successful }, Failed: { member: failed } };
    },
    TagResource: async (p) => {
      await topics.tag(p.get("ResourceArn"), readTags(p));
      return {};
    },
    UntagResource: async (p) => {
      await topics.untag(p.get("ResourceArn"), p.list("TagKeys"));
      return {};
    },
    ListTagsForResource: async (p) => {
      const tags = await topics.tags(p.get("ResourceArn"));
      return { Tags: { member: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } };
    },
  };
  return { signingName: "sns", version: "2010-03-31", xmlNamespace: SNS_XML_NAMESPACE, operations };
}

function readTags(p: QueryParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of p.structList("Tags")) {
    const key = tag.get("Key");
    if (key === undefined) throw topicError.invalidParameter("Tags Reason: a tag has no Key");
    out[key] = tag.get("Value") ?? "";
  }
  return out;
}

function attributeMap(attributes: Record<string, string>): XmlValue {
  return { entry: Object.entries(attributes).map(([key, value]) => ({ key, value })) };
}

function subscriptionPage(page: { items: Record<string, string>[]; nextToken?: string }): XmlValue {
  return { Subscriptions: { member: page.items }, NextToken: page.nextToken };
}
