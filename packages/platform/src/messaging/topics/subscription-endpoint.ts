import { topicError } from "./errors.js";
import type { SubscriptionProtocol, TopicRecord } from "./topic-model.js";

/*
 * Subscribe's checks of Protocol and Endpoint, with SNS's messages: the protocols Nimbus delivers
 * to, ARNs of the right service for sqs and lambda, URLs of the right scheme for http and https,
 * and SNS's FIFO rules (FIFO topics deliver only to queues; FIFO queues subscribe only to FIFO
 * topics).
 */

const PROTOCOLS = new Set(["sqs", "lambda", "http", "https"]);
const KNOWN_UNSUPPORTED = new Set(["email", "email-json", "sms", "application", "firehose"]);
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const LAMBDA_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

/** The protocol in lower case, if Nimbus delivers to it. */
export function checkProtocol(protocol: string | undefined, topic: TopicRecord): SubscriptionProtocol {
  if (protocol === undefined || protocol === "") throw topicError.invalidParameter("Protocol");
  const lower = protocol.toLowerCase();
  if (KNOWN_UNSUPPORTED.has(lower)) throw topicError.unsupported(`The protocol ${lower}`);
  if (!PROTOCOLS.has(lower)) throw topicError.invalidParameter(`Invalid protocol type: ${protocol}`);
  if (topic.fifo && lower !== "sqs") throw topicError.invalidParameter(`Invalid protocol type: ${lower}`);
  return lower as SubscriptionProtocol;
}

/** The endpoint, if valid for the protocol and deliverable (`canDeliver`) for sqs and lambda. */
export function checkEndpoint(
  protocol: SubscriptionProtocol,
  endpoint: string | undefined,
  topic: TopicRecord,
  canDeliver: (arn: string) => boolean,
): string {
  const value = endpoint ?? "";
  if (protocol === "sqs") {
    if (!SQS_ARN.test(value)) throw topicError.invalidParameter("SQS endpoint ARN");
    if (value.endsWith(".fifo") && !topic.fifo)
      throw topicError.invalidParameter(
        "Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
      );
  } else if (protocol === "lambda") {
    if (!LAMBDA_ARN.test(value)) throw topicError.invalidParameter("Lambda endpoint ARN");
  } else {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== `${protocol}:`)
      throw topicError.invalidParameter(`Endpoint must match the specified protocol`);
    return value;
  }
  if (!canDeliver(value))
    throw topicError.unsupported(`Delivery to ${value} (no ${protocol} service is available)`);
  return value;
}
