import type { XmlValue } from "../../aws/query-protocol.js";
import type { ProviderContext, ResolvedProperties, ResourceProvider, TemplateValue } from "../model.js";
import {
  type AttributeSpec,
  alreadyExists,
  attributeChanges,
  attributesOf,
  flag,
  ignoreGone,
  invalidProperty,
  isGone,
  jsonText,
  list,
  scalar,
  tagChanges,
  tagMap,
} from "./service-props.js";
import { storedPolicyProviders } from "./stored-policy.js";

const TOPIC = "AWS::SNS::Topic";
const SUBSCRIPTION = "AWS::SNS::Subscription";
/** What Nimbus's SNS delivers to (messaging/topics/subscription-endpoint.ts). */
const DELIVERED_PROTOCOLS = new Set(["sqs", "lambda", "http", "https"]);
const POLICY = "AWS::SNS::TopicPolicy";
const GONE = ["NotFound", "ResourceNotFound"];

/** Settable topic attributes from the template, with SNS's value when the template drops them. */
const TOPIC_ATTRIBUTES: AttributeSpec = {
  DisplayName: { kind: "scalar", reset: "" },
  SignatureVersion: { kind: "scalar", reset: "1" },
  TracingConfig: { kind: "scalar", reset: "PassThrough" },
  DeliveryPolicy: { kind: "json", reset: "" },
  ContentBasedDeduplication: { kind: "scalar", reset: "false" },
};

const SUBSCRIPTION_ATTRIBUTES: AttributeSpec = {
  // The scope first: Subscribe checks FilterPolicy against the scope set before it.
  FilterPolicyScope: { kind: "scalar", reset: "MessageAttributes" },
  FilterPolicy: { kind: "json", reset: "" },
  RawMessageDelivery: { kind: "scalar", reset: "false" },
  RedrivePolicy: { kind: "json", reset: "" },
  DeliveryPolicy: { kind: "json", reset: "" },
};

/** awsQuery encoding of a string map: `<name>.entry.N.key` / `.value`. */
function mapParams(form: URLSearchParams, name: string, map: Record<string, string>): void {
  Object.entries(map).forEach(([key, value], i) => {
    form.set(`${name}.entry.${i + 1}.key`, key);
    form.set(`${name}.entry.${i + 1}.value`, value);
  });
}

async function applyTags(
  ctx: ProviderContext,
  arn: string,
  before: Record<string, string>,
  after: Record<string, string>,
) {
  const { set, remove } = tagChanges(before, after);
  if (remove.length > 0) {
    const form = new URLSearchParams({ ResourceArn: arn });
    for (const [i, key] of remove.entries()) form.set(`TagKeys.member.${i + 1}`, key);
    await ctx.api.query("sns", "UntagResource", form);
  }
  if (Object.keys(set).length > 0) {
    const form = new URLSearchParams({ ResourceArn: arn });
    Object.entries(set).forEach(([key, value], i) => {
      form.set(`Tags.member.${i + 1}.Key`, key);
      form.set(`Tags.member.${i + 1}.Value`, value);
    });
    await ctx.api.query("sns", "TagResource", form);
  }
}

/**
 * The topic's inline `Subscription` list as `protocol endpoint` keys. Entries with a protocol
 * Nimbus's SNS does not deliver to (email, sms, ...) are left out, as the plan says
 * (`notApplied`); `skipped` gets each one, for a note when the protocol was not literal.
 */
function inlineSubscriptions(
  props: ResolvedProperties,
  skipped?: (protocol: string, endpoint: string) => void,
): Map<string, { Protocol: string; Endpoint: string }> {
  const out = new Map<string, { Protocol: string; Endpoint: string }>();
  for (const item of list(props, "Subscription", TOPIC)) {
    const s = item as { Protocol?: unknown; Endpoint?: unknown } | null;
    if (typeof s?.Protocol !== "string" || typeof s.Endpoint !== "string")
      throw invalidProperty(TOPIC, "Subscription", "must be a list of {Endpoint, Protocol}");
    if (!DELIVERED_PROTOCOLS.has(s.Protocol.toLowerCase())) {
      skipped?.(s.Protocol, s.Endpoint);
      continue;
    }
    out.set(`${s.Protocol} ${s.Endpoint}`, { Protocol: s.Protocol, Endpoint: s.Endpoint });
  }
  return out;
}

/** Plan lines for the inline subscriptions left out (literal protocols only; others are noted at apply). */
function undeliveredInline(properties: Readonly<Record<string, TemplateValue>>): string[] {
  const items = properties.Subscription;
  if (!Array.isArray(items)) return [];
  const out: string[] = [];
  for (const item of items) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    const protocol = item.Protocol;
    if (typeof protocol === "string" && !DELIVERED_PROTOCOLS.has(protocol.toLowerCase()))
      out.push(
        `property Subscription: the ${protocol} subscription is not created (Nimbus's SNS delivers to sqs, lambda, http and https endpoints only)`,
      );
  }
  return out;
}

async function subscribe(ctx: ProviderContext, form: URLSearchParams): Promise<string> {
  form.set("ReturnSubscriptionArn", "true");
  const out = (await ctx.api.query("sns", "Subscribe", form)) as { SubscriptionArn?: string } | undefined;
  return String(out?.SubscriptionArn ?? "");
}

/** Every subscription of a topic (all pages). */
async function topicSubscriptions(ctx: ProviderContext, topicArn: string) {
  const all: { SubscriptionArn: string; Protocol: string; Endpoint: string }[] = [];
  let token: string | undefined;
  do {
    const out = (await ctx.api.query("sns", "ListSubscriptionsByTopic", {
      TopicArn: topicArn,
      NextToken: token,
    })) as { Subscriptions?: { member?: XmlValue[] }; NextToken?: string } | undefined;
    for (const m of out?.Subscriptions?.member ?? []) all.push(m as (typeof all)[number]);
    token = out?.NextToken;
  } while (token);
  return all;
}

function topicName(ctx: ProviderContext, logicalId: string, props: ResolvedProperties): string {
  const given = scalar(props, "TopicName", TOPIC);
  if (given !== undefined) return given;
  return flag(props, "FifoTopic", TOPIC)
    ? `${ctx.physicalName(logicalId, { maxLength: 251 })}.fifo`
    : ctx.physicalName(logicalId, { maxLength: 256 });
}

function topicResult(arn: string) {
  return { physicalId: arn, attributes: { TopicArn: arn, TopicName: arn.slice(arn.lastIndexOf(":") + 1) } };
}

const topicProvider: ResourceProvider = {
  type: TOPIC,
  properties: [
    "TopicName",
    "FifoTopic",
    "ContentBasedDeduplication",
    "DisplayName",
    "SignatureVersion",
    "TracingConfig",
    "DeliveryPolicy",
    "Subscription",
    "Tags",
  ],
  replaceOn: ["TopicName", "FifoTopic"],
  notApplied: undeliveredInline,
  async create(ctx, logicalId, props) {
    const name = topicName(ctx, logicalId, props);
    const arn = `arn:aws:sns:${ctx.region}:${ctx.accountId}:${name}`;
    // CreateTopic answers an existing topic with the same attributes; CloudFormation does not adopt it.
    try {
      await ctx.api.query("sns", "GetTopicAttributes", { TopicArn: arn });
      throw alreadyExists(TOPIC, arn);
    } catch (error) {
      if (!isGone(error, GONE)) throw error;
    }
    const form = new URLSearchParams({ Name: name });
    const attributes = attributesOf(props, TOPIC_ATTRIBUTES, TOPIC);
    if (flag(props, "FifoTopic", TOPIC)) attributes.FifoTopic = "true";
    mapParams(form, "Attributes", attributes);
    Object.entries(tagMap(props, TOPIC)).forEach(([key, value], i) => {
      form.set(`Tags.member.${i + 1}.Key`, key);
      form.set(`Tags.member.${i + 1}.Value`, value);
    });
    const subscriptions = inlineSubscriptions(props, (protocol, endpoint) =>
      ctx.note(
        logicalId,
        `Subscription ${protocol} ${endpoint} not created: Nimbus's SNS does not deliver ${protocol}`,
      ),
    );
    const out = (await ctx.api.query("sns", "CreateTopic", form)) as { TopicArn: string };
    try {
      for (const s of subscriptions.values())
        await subscribe(ctx, new URLSearchParams({ TopicArn: out.TopicArn, ...s }));
    } catch (error) {
      // Leave nothing behind: the engine records no physical id for a failed create.
      await ignoreGone(GONE, () => ctx.api.query("sns", "DeleteTopic", { TopicArn: out.TopicArn }));
      throw error;
    }
    return topicResult(out.TopicArn);
  },
  async update(ctx, logicalId, current, props) {
    const arn = current.physicalId;
    const changes = attributeChanges(current.properties, props, TOPIC_ATTRIBUTES, TOPIC);
    for (const [name, value] of Object.entries(changes))
      await ctx.api.query("sns", "SetTopicAttributes", {
        TopicArn: arn,
        AttributeName: name,
        AttributeValue: value,
      });
    await applyTags(ctx, arn, tagMap(current.properties, TOPIC), tagMap(props, TOPIC));
    const before = inlineSubscriptions(current.properties);
    const after = inlineSubscriptions(props, (protocol, endpoint) =>
      ctx.note(
        logicalId,
        `Subscription ${protocol} ${endpoint} not created: Nimbus's SNS does not deliver ${protocol}`,
      ),
    );
    const dropped = [...before.keys()].filter((key) => !after.has(key));
    if (dropped.length > 0) {
      // Subscriptions still pending confirmation have no ARN to unsubscribe; SNS expires them.
      for (const s of await topicSubscriptions(ctx, arn))
        if (dropped.includes(`${s.Protocol} ${s.Endpoint}`) && s.SubscriptionArn.startsWith("arn:"))
          await ignoreGone(GONE, () =>
            ctx.api.query("sns", "Unsubscribe", { SubscriptionArn: s.SubscriptionArn }),
          );
    }
    for (const [key, s] of after)
      if (!before.has(key)) await subscribe(ctx, new URLSearchParams({ TopicArn: arn, ...s }));
    return topicResult(arn);
  },
  async delete(ctx, _logicalId, current) {
    // DeleteTopic of a topic that does not exist succeeds; it also removes its subscriptions.
    await ignoreGone(GONE, () => ctx.api.query("sns", "DeleteTopic", { TopicArn: current.physicalId }));
  },
};

/** Region names the topic's region (cross-region subscriptions); Nimbus serves one region. */
function checkRegion(ctx: ProviderContext, props: ResolvedProperties): void {
  const region = scalar(props, "Region", SUBSCRIPTION);
  if (region !== undefined && region !== ctx.region)
    throw invalidProperty(SUBSCRIPTION, "Region", `must be ${ctx.region} (Nimbus serves one region)`);
}

const subscriptionProvider: ResourceProvider = {
  type: SUBSCRIPTION,
  properties: [
    "TopicArn",
    "Protocol",
    "Endpoint",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "DeliveryPolicy",
    "Region",
  ],
  required: ["TopicArn", "Protocol"],
  replaceOn: ["TopicArn", "Protocol", "Endpoint"],
  // Nimbus's SNS delivers to sqs, lambda, http and https endpoints only; Subscribe refuses the
  // others. A template's email (or sms, ...) subscription is a side channel to a person, so
  // the deploy goes on without it and says so (strict mode refuses it). A Protocol that is not
  // a literal is only known at apply time, where Subscribe's error fails the resource.
  notCreated(properties) {
    const protocol = properties.Protocol;
    if (typeof protocol !== "string" || DELIVERED_PROTOCOLS.has(protocol.toLowerCase())) return undefined;
    return `Protocol ${protocol}: Nimbus's SNS delivers to sqs, lambda, http and https endpoints only`;
  },
  async create(ctx, _logicalId, props) {
    checkRegion(ctx, props);
    const form = new URLSearchParams({
      TopicArn: scalar(props, "TopicArn", SUBSCRIPTION) ?? "",
      Protocol: scalar(props, "Protocol", SUBSCRIPTION) ?? "",
    });
    const endpoint = scalar(props, "Endpoint", SUBSCRIPTION);
    if (endpoint !== undefined) form.set("Endpoint", endpoint);
    mapParams(form, "Attributes", attributesOf(props, SUBSCRIPTION_ATTRIBUTES, SUBSCRIPTION));
    const arn = await subscribe(ctx, form);
    return { physicalId: arn, attributes: { Arn: arn } };
  },
  async update(ctx, _logicalId, current, props) {
    checkRegion(ctx, props);
    const arn = current.physicalId;
    const changes = attributeChanges(current.properties, props, SUBSCRIPTION_ATTRIBUTES, SUBSCRIPTION);
    const set = (name: string, value: string) =>
      ctx.api.query("sns", "SetSubscriptionAttributes", {
        SubscriptionArn: arn,
        AttributeName: name,
        AttributeValue: value,
      });
    if (changes.FilterPolicyScope !== undefined) {
      // SNS checks a policy against the scope it is set under: clear the old policy, change
      // the scope, then set the policy written for the new scope.
      if (jsonText(current.properties, "FilterPolicy", SUBSCRIPTION) !== undefined)
        await set("FilterPolicy", "");
      await set("FilterPolicyScope", changes.FilterPolicyScope);
      const policy = jsonText(props, "FilterPolicy", SUBSCRIPTION);
      if (policy !== undefined) await set("FilterPolicy", policy);
      delete changes.FilterPolicyScope;
      delete changes.FilterPolicy;
    }
    for (const [name, value] of Object.entries(changes)) await set(name, value);
    return { physicalId: arn, attributes: { Arn: arn } };
  },
  async delete(ctx, _logicalId, current) {
    if (!current.physicalId.startsWith("arn:")) return;
    await ignoreGone(GONE, () =>
      ctx.api.query("sns", "Unsubscribe", { SubscriptionArn: current.physicalId }),
    );
  },
};

// Nimbus stores topic policies (GetTopicAttributes returns them) but does not enforce them; an
// empty Policy puts the topic back on SNS's default access policy.
const topicPolicyProviders = storedPolicyProviders({
  listType: POLICY,
  listProperty: "Topics",
  inlineType: "AWS::SNS::TopicInlinePolicy",
  inlineProperty: "TopicArn",
  notEnforced: "the policy is stored on the topic; Nimbus does not enforce topic policies",
  async setPolicy(ctx, arn, policy, tolerateGone) {
    const set = () =>
      ctx.api.query("sns", "SetTopicAttributes", {
        TopicArn: arn,
        AttributeName: "Policy",
        AttributeValue: policy,
      });
    if (tolerateGone) await ignoreGone(GONE, set);
    else await set();
  },
});

/** AWS::SNS::Topic, Subscription, TopicPolicy and TopicInlinePolicy. */
export function snsProviders(): ResourceProvider[] {
  return [topicProvider, subscriptionProvider, ...topicPolicyProviders];
}
