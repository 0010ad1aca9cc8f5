import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import { ignoreGone, invalidProperty, object, scalar } from "./service-props.js";

const BUCKET = "AWS::S3::Bucket";
const BUCKET_POLICY = "AWS::S3::BucketPolicy";
const GONE = ["NoSuchBucket"];

/** CloudFormation's configuration lists -> S3's XML elements (the SDK's wire names). */
const KINDS = [
  ["QueueConfigurations", "Queue", "QueueConfiguration", "Queue"],
  ["TopicConfigurations", "Topic", "TopicConfiguration", "Topic"],
  ["LambdaConfigurations", "Function", "CloudFunctionConfiguration", "CloudFunction"],
] as const;

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The `<NotificationConfiguration>` document of PutBucketNotificationConfiguration for
 * CloudFormation's `NotificationConfiguration` (whose shape differs: `Event` and `Function`
 * where S3 has `Event` elements and `CloudFunction`, `Filter.S3Key.Rules` for `FilterRule`s).
 */
export function notificationXml(config: Record<string, unknown> | undefined): string {
  const parts: string[] = [];
  const where = (detail: string) => invalidProperty(BUCKET, "NotificationConfiguration", detail);
  for (const [listName, arnName, element, arnElement] of KINDS) {
    const entries = config?.[listName];
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) throw where(`${listName} must be a list`);
    for (const entry of entries as Record<string, unknown>[]) {
      const arn = entry?.[arnName];
      const event = entry?.Event;
      if (typeof arn !== "string" || typeof event !== "string")
        throw where(`${listName} entries need ${arnName} and Event strings`);
      let filter = "";
      const rules = (entry.Filter as { S3Key?: { Rules?: unknown } } | undefined)?.S3Key?.Rules;
      if (rules !== undefined) {
        if (!Array.isArray(rules)) throw where(`${listName} Filter.S3Key.Rules must be a list`);
        const items = rules.map((rule: { Name?: unknown; Value?: unknown } | null) => {
          if (typeof rule?.Name !== "string" || typeof rule.Value !== "string")
            throw where(`${listName} Filter.S3Key.Rules entries need Name and Value strings`);
          return `<FilterRule><Name>${xmlEscape(rule.Name)}</Name><Value>${xmlEscape(rule.Value)}</Value></FilterRule>`;
        });
        filter = `<Filter><S3Key>${items.join("")}</S3Key></Filter>`;
      }
      parts.push(
        `<${element}><${arnElement}>${xmlEscape(arn)}</${arnElement}><Event>${xmlEscape(event)}</Event>${filter}</${element}>`,
      );
    }
  }
  const eventBridge = config?.EventBridgeConfiguration as { EventBridgeEnabled?: unknown } | undefined;
  // Sent as given: Nimbus's S3 refuses EventBridge notifications by name rather than ignore them.
  if (
    eventBridge !== undefined &&
    eventBridge !== null &&
    String(eventBridge.EventBridgeEnabled ?? true) !== "false"
  )
    parts.push("<EventBridgeConfiguration></EventBridgeConfiguration>");
  return `<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join("")}</NotificationConfiguration>`;
}

/** The bucket's attributes as CloudFormation documents them (AWS's public endpoint names). */
export function bucketAttributes(name: string, region: string): Record<string, string> {
  // us-east-1 and a few older regions spell the website endpoint with a dash
  // (s3-website-us-east-1); the newer ones with a dot. Nimbus serves the bucket at its own
  // endpoint either way: these names are what a template expects to read, not where Nimbus is.
  const dashWebsite = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
  ];
  const website = dashWebsite.includes(region) ? `s3-website-${region}` : `s3-website.${region}`;
  return {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
    WebsiteURL: `http://${name}.${website}.amazonaws.com`,
  };
}

async function putNotifications(ctx: ProviderContext, name: string, props: ResolvedProperties) {
  const xml = notificationXml(object(props, "NotificationConfiguration", BUCKET));
  await ctx.api.s3("PUT", `/${encodeURIComponent(name)}?notification`, xml, {
    "content-type": "application/xml",
  });
}

const bucketProvider: ResourceProvider = {
  type: BUCKET,
  // Tags, VersioningConfiguration, CorsConfiguration, LifecycleConfiguration, WebsiteConfiguration
  // and the encryption settings are left out: Nimbus's S3 does not apply them, so the planner
  // reports them instead of a deploy that pretends.
  properties: ["BucketName", "NotificationConfiguration"],
  replaceOn: ["BucketName"],
  async create(ctx, logicalId, props) {
    const name =
      scalar(props, "BucketName", BUCKET) ?? ctx.physicalName(logicalId, { maxLength: 63, lowerCase: true });
    // CreateBucket of a bucket that exists fails (BucketAlreadyOwnedByYou), as in CloudFormation.
    await ctx.api.s3("PUT", `/${encodeURIComponent(name)}`);
    if (props.NotificationConfiguration !== undefined) {
      try {
        await putNotifications(ctx, name, props);
      } catch (error) {
        // Leave nothing behind: the engine records no physical id for a failed create.
        await ignoreGone(GONE, () => ctx.api.s3("DELETE", `/${encodeURIComponent(name)}`));
        throw error;
      }
    }
    return { physicalId: name, attributes: bucketAttributes(name, ctx.region) };
  },
  async update(ctx, _logicalId, current, props) {
    const name = current.physicalId;
    if (
      JSON.stringify(current.properties.NotificationConfiguration) !==
      JSON.stringify(props.NotificationConfiguration)
    )
      await putNotifications(ctx, name, props);
    return { physicalId: name, attributes: bucketAttributes(name, ctx.region) };
  },
  async delete(ctx, _logicalId, current) {
    // A bucket with objects fails to delete (BucketNotEmpty: "The bucket you tried to delete is
    // not empty"), as CloudFormation's does.
    await ignoreGone(GONE, () => ctx.api.s3("DELETE", `/${encodeURIComponent(current.physicalId)}`));
  },
};

// Nimbus's S3 has no bucket policies (PutBucketPolicy is NotImplemented): the resource is
// recorded so templates deploy, and the deploy report says it has no effect.
const bucketPolicyProvider: ResourceProvider = {
  type: BUCKET_POLICY,
  properties: ["Bucket", "PolicyDocument"],
  required: ["Bucket", "PolicyDocument"],
  replaceOn: ["Bucket"],
  recordedOnly: true,
  async create(ctx, _logicalId, props) {
    const bucket = scalar(props, "Bucket", BUCKET_POLICY) ?? "";
    // The bucket must exist, as CloudFormation's PutBucketPolicy would require.
    await ctx.api.s3("GET", `/${encodeURIComponent(bucket)}?location`);
    return { physicalId: bucket, attributes: {} };
  },
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: {} };
  },
  async delete() {},
};

/** AWS::S3::Bucket and AWS::S3::BucketPolicy. */
export function s3Providers(): ResourceProvider[] {
  return [bucketProvider, bucketPolicyProvider];
}
