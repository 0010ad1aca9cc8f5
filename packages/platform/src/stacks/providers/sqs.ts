import type { ProviderContext, ProvisionResult, ResolvedProperties, ResourceProvider } from "../model.js";
import {
  type AttributeSpec,
  alreadyExists,
  attributeChanges,
  attributesOf,
  flag,
  ignoreGone,
  isGone,
  scalar,
  tagChanges,
  tagMap,
} from "./service-props.js";
import { storedPolicyProviders } from "./stored-policy.js";

const QUEUE = "AWS::SQS::Queue";
const POLICY = "AWS::SQS::QueuePolicy";
const INLINE_POLICY = "AWS::SQS::QueueInlinePolicy";
/** SQS's answers for a queue that does not exist (JSON `__type`, query code). */
const QUEUE_GONE = ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"];

/** Template property -> queue attribute, with the value SQS has when the attribute is not set. */
const ATTRIBUTES: AttributeSpec = {
  DelaySeconds: { kind: "scalar", reset: "0" },
  MaximumMessageSize: { kind: "scalar", reset: "262144" },
  MessageRetentionPeriod: { kind: "scalar", reset: "345600" },
  ReceiveMessageWaitTimeSeconds: { kind: "scalar", reset: "0" },
  VisibilityTimeout: { kind: "scalar", reset: "30" },
  RedrivePolicy: { kind: "json", reset: "" },
  RedriveAllowPolicy: { kind: "json", reset: "" },
  // Nimbus keeps messages unencrypted at rest: SQS refuses `true` with a message that says so.
  SqsManagedSseEnabled: { kind: "scalar", reset: "false" },
  // FIFO-only: never set on a standard queue, so never reset there either.
  ContentBasedDeduplication: { kind: "scalar", reset: "false" },
  DeduplicationScope: { kind: "scalar", reset: "queue" },
  FifoThroughputLimit: { kind: "scalar", reset: "perQueue" },
};

/** Queue attributes from the template's properties (FifoQueue only when true, as SQS wants). */
export function queueAttributes(props: ResolvedProperties): Record<string, string> {
  return {
    ...(flag(props, "FifoQueue", QUEUE) && { FifoQueue: "true" }),
    ...attributesOf(props, ATTRIBUTES, QUEUE),
  };
}

/** The SetQueueAttributes of an update (FifoQueue is a replacement, never set here). */
export function queueAttributeChanges(
  before: ResolvedProperties,
  after: ResolvedProperties,
): Record<string, string> {
  return attributeChanges(before, after, ATTRIBUTES, QUEUE);
}

function queueName(ctx: ProviderContext, logicalId: string, props: ResolvedProperties): string {
  const given = scalar(props, "QueueName", QUEUE);
  if (given !== undefined) return given;
  // Generated names keep within SQS's 80 characters; a FIFO queue's name must end in `.fifo`.
  return flag(props, "FifoQueue", QUEUE)
    ? `${ctx.physicalName(logicalId, { maxLength: 75 })}.fifo`
    : ctx.physicalName(logicalId, { maxLength: 80 });
}

async function describeQueue(ctx: ProviderContext, url: string): Promise<ProvisionResult> {
  const out = await ctx.api.json<{ Attributes?: Record<string, string> }>("AmazonSQS.GetQueueAttributes", {
    QueueUrl: url,
    AttributeNames: ["QueueArn"],
  });
  const name = url.slice(url.lastIndexOf("/") + 1);
  return { physicalId: url, attributes: { Arn: out.Attributes?.QueueArn, QueueName: name, QueueUrl: url } };
}

async function applyTags(
  ctx: ProviderContext,
  url: string,
  before: Record<string, string>,
  after: Record<string, string>,
): Promise<void> {
  const { set, remove } = tagChanges(before, after);
  if (remove.length > 0) await ctx.api.json("AmazonSQS.UntagQueue", { QueueUrl: url, TagKeys: remove });
  if (Object.keys(set).length > 0) await ctx.api.json("AmazonSQS.TagQueue", { QueueUrl: url, Tags: set });
}

const queueProvider: ResourceProvider = {
  type: QUEUE,
  properties: [
    "QueueName",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
    "Tags",
  ],
  replaceOn: ["QueueName", "FifoQueue"],
  async create(ctx, logicalId, props) {
    const name = queueName(ctx, logicalId, props);
    // CreateQueue answers an existing queue with the same attributes; CloudFormation refuses
    // to take over a queue it did not create.
    try {
      await ctx.api.json("AmazonSQS.GetQueueUrl", { QueueName: name });
      throw alreadyExists(QUEUE, name);
    } catch (error) {
      if (!isGone(error, QUEUE_GONE)) throw error;
    }
    const tags = tagMap(props, QUEUE);
    const created = await ctx.api.json<{ QueueUrl: string }>("AmazonSQS.CreateQueue", {
      QueueName: name,
      Attributes: queueAttributes(props),
      ...(Object.keys(tags).length > 0 && { tags }),
    });
    return describeQueue(ctx, created.QueueUrl);
  },
  async update(ctx, _logicalId, current, props) {
    const url = current.physicalId;
    const changes = queueAttributeChanges(current.properties, props);
    if (Object.keys(changes).length > 0)
      await ctx.api.json("AmazonSQS.SetQueueAttributes", { QueueUrl: url, Attributes: changes });
    await applyTags(ctx, url, tagMap(current.properties, QUEUE), tagMap(props, QUEUE));
    return describeQueue(ctx, url);
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(QUEUE_GONE, () =>
      ctx.api.json("AmazonSQS.DeleteQueue", { QueueUrl: current.physicalId }),
    );
  },
};

// Nimbus stores queue policies (GetQueueAttributes returns them) but does not enforce them:
// every caller of the one account may use every queue.
const queuePolicyProviders = storedPolicyProviders({
  listType: POLICY,
  listProperty: "Queues",
  inlineType: INLINE_POLICY,
  inlineProperty: "Queue",
  notEnforced: "the policy is stored on the queue; Nimbus does not enforce queue policies",
  async setPolicy(ctx, url, policy, tolerateGone) {
    const set = () =>
      ctx.api.json("AmazonSQS.SetQueueAttributes", { QueueUrl: url, Attributes: { Policy: policy } });
    if (tolerateGone) await ignoreGone(QUEUE_GONE, set);
    else await set();
  },
});

/** AWS::SQS::Queue, AWS::SQS::QueuePolicy and AWS::SQS::QueueInlinePolicy. */
export function sqsProviders(): ResourceProvider[] {
  return [queueProvider, ...queuePolicyProviders];
}
