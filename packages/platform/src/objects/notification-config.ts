import { s3Error } from "./errors.js";
import { child, children, childText, parseXml, type XmlChildren, type XmlElement } from "./xml.js";

/** One destination of a bucket's notification configuration. */
export interface NotificationRule {
  id: string;
  kind: "queue" | "topic" | "lambda";
  /** Destination ARN. */
  arn: string;
  /** As configured, with the `s3:` prefix (`s3:ObjectCreated:*`). */
  events: string[];
  prefix: string | undefined;
  suffix: string | undefined;
}

/** The event types S3 can emit from what Nimbus supports; anything else is refused by name. */
const SUPPORTED_EVENTS = new Set([
  "s3:ObjectCreated:*",
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*",
  "s3:ObjectRemoved:Delete",
  "s3:ObjectRemoved:DeleteMarkerCreated",
]);

const KINDS = [
  ["QueueConfiguration", "Queue", "queue"],
  ["TopicConfiguration", "Topic", "topic"],
  ["CloudFunctionConfiguration", "CloudFunction", "lambda"],
] as const;

/** Parses and validates a `<NotificationConfiguration>` document (PutBucketNotificationConfiguration). */
export function parseNotificationConfiguration(xml: string, newId: () => string): NotificationRule[] {
  const root = parseXml(xml);
  if (root.name !== "NotificationConfiguration")
    throw invalid("The root element must be NotificationConfiguration.");
  const rules: NotificationRule[] = [];
  for (const element of root.children) {
    if (element.name === "EventBridgeConfiguration") {
      throw s3Error(
        "notImplemented",
        "Nimbus does not support EventBridgeConfiguration in bucket notifications; use a queue, topic or function destination.",
      );
    }
    const kind = KINDS.find(([name]) => name === element.name);
    if (!kind) throw invalid(`Unknown notification configuration element ${element.name}.`);
    rules.push(parseRule(element, kind[1], kind[2], newId));
  }
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw invalid(`Configuration Id ${rule.id} is used more than once.`);
    ids.add(rule.id);
  }
  return rules;
}

function parseRule(
  element: XmlElement,
  arnElement: string,
  kind: NotificationRule["kind"],
  newId: () => string,
) {
  const arn = childText(element, arnElement);
  if (!arn) throw invalid(`${element.name} needs a ${arnElement} ARN.`);
  const service = arn.split(":")[2];
  const expected = { queue: "sqs", topic: "sns", lambda: "lambda" }[kind];
  if (!arn.startsWith("arn:") || service !== expected)
    throw invalid(`${arn} is not a valid ${expected} ARN.`);
  const events = children(element, "Event").map((e) => e.text.trim());
  if (events.length === 0) throw invalid(`${element.name} needs at least one Event.`);
  for (const event of events) {
    if (!SUPPORTED_EVENTS.has(event)) {
      throw s3Error("invalidArgument", `The event is not supported for notifications: ${event}`, {
        ArgumentName: "Event",
        ArgumentValue: event,
      });
    }
  }
  let prefix: string | undefined;
  let suffix: string | undefined;
  const key = child(element, "Filter") && child(child(element, "Filter") as XmlElement, "S3Key");
  for (const rule of key ? children(key, "FilterRule") : []) {
    const name = (childText(rule, "Name") ?? "").toLowerCase();
    const value = child(rule, "Value")?.text ?? "";
    if (name === "prefix" && prefix === undefined) prefix = value;
    else if (name === "suffix" && suffix === undefined) suffix = value;
    else
      throw invalid(`FilterRule name must be either prefix or suffix, once each; got ${name || "nothing"}.`);
  }
  return { id: childText(element, "Id") || newId(), kind, arn, events, prefix, suffix };
}

/** The GetBucketNotificationConfiguration document's children. */
export function notificationConfigurationXml(rules: NotificationRule[]): XmlChildren {
  const out: XmlChildren = [];
  for (const [elementName, arnElement, kind] of KINDS) {
    for (const rule of rules.filter((r) => r.kind === kind)) {
      const filterRules: XmlChildren = [];
      if (rule.prefix !== undefined)
        filterRules.push([
          "FilterRule",
          [
            ["Name", "Prefix"],
            ["Value", rule.prefix],
          ],
        ]);
      if (rule.suffix !== undefined)
        filterRules.push([
          "FilterRule",
          [
            ["Name", "Suffix"],
            ["Value", rule.suffix],
          ],
        ]);
      out.push([
        elementName,
        [
          ["Id", rule.id],
          [arnElement, rule.arn],
          ...rule.events.map((e) => ["Event", e] as const),
          ["Filter", filterRules.length > 0 ? [["S3Key", filterRules]] : undefined],
        ],
      ]);
    }
  }
  return out;
}

/** True when `rule` wants `eventName` (`ObjectCreated:Put`, no `s3:`) for `key`. */
export function ruleMatches(rule: NotificationRule, eventName: string, key: string): boolean {
  const wanted = rule.events.some((e) => {
    const name = e.slice(3);
    return name.endsWith(":*") ? eventName.startsWith(name.slice(0, -1)) : name === eventName;
  });
  if (!wanted) return false;
  if (rule.prefix !== undefined && !key.startsWith(rule.prefix)) return false;
  if (rule.suffix !== undefined && !key.endsWith(rule.suffix)) return false;
  return true;
}

function invalid(message: string) {
  return s3Error("invalidArgument", message);
}
