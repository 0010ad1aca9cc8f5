import { badRequest, unsupported } from "./errors.js";

/**
 * An AWS integration that calls a service's API instead of a Lambda function. URIs take two forms
 * (API Gateway's "action" and "path" types):
 * - `arn:aws:apigateway:<region>:<service>:action/<Action>[&Name=value...]`: the action is fixed,
 *   the mapped request body is its input (a JSON document for awsJson services, form fields for
 *   awsQuery ones). Fields after the action (`&QueueUrl=...`) are query parameters of the call.
 * - `arn:aws:apigateway:<region>:<service>:path/<path>`: the service is addressed by path (an SQS
 *   queue URL path `<account>/<queue>`); the action comes from the request (`Action=SendMessage`).
 */
export interface AwsServiceTarget {
  service: ServiceName;
  /** Set for action URIs; a path URI leaves it to the request's `Action` field. */
  action?: string;
  /** The path of a path URI (`/123456789012/orders`); `{name}` placeholders are filled per request. */
  path?: string;
  /** Query parameters written in the URI itself. */
  params: URLSearchParams;
}

export type ServiceName = keyof typeof SERVICES;

interface ServiceSpec {
  /** What users call it in messages. */
  title: string;
  protocol: "json" | "query";
  /** awsJson: the X-Amz-Target prefix. */
  targetPrefix?: string;
  /** awsQuery: the SigV4 signing name and the XML namespace of its answers. */
  xmlNamespace?: string;
  /** Whether the service can be addressed by `path/...` URIs, and what path it accepts. */
  path?: RegExp;
  /** The actions Nimbus implements for this service (anything else is refused at PutIntegration). */
  actions: readonly string[];
}

/** The services AWS integrations can call in Nimbus, with the actions each implements. */
export const SERVICES = {
  states: {
    title: "Step Functions",
    protocol: "json",
    targetPrefix: "AWSStepFunctions",
    actions: [
      "StartExecution",
      "StartSyncExecution",
      "StopExecution",
      "DescribeExecution",
      "DescribeStateMachine",
      "DescribeStateMachineForExecution",
      "GetExecutionHistory",
      "ListExecutions",
      "ListStateMachines",
      "SendTaskSuccess",
      "SendTaskFailure",
      "SendTaskHeartbeat",
      "CreateStateMachine",
      "UpdateStateMachine",
      "DeleteStateMachine",
      "ValidateStateMachineDefinition",
    ],
  },
  sqs: {
    title: "SQS",
    protocol: "query",
    xmlNamespace: "http://queue.amazonaws.com/doc/2012-11-05/",
    // `<account>/<queue>` (a queue URL's path), or nothing: the queue then comes from `QueueUrl`.
    path: /^\/(?:[^/]+\/[^/]+)?$/,
    actions: [
      "SendMessage",
      "SendMessageBatch",
      "ReceiveMessage",
      "DeleteMessage",
      "DeleteMessageBatch",
      "ChangeMessageVisibility",
      "ChangeMessageVisibilityBatch",
      "CreateQueue",
      "DeleteQueue",
      "PurgeQueue",
      "GetQueueUrl",
      "GetQueueAttributes",
      "SetQueueAttributes",
      "ListQueues",
      "TagQueue",
      "UntagQueue",
      "ListQueueTags",
      "ListDeadLetterSourceQueues",
    ],
  },
  sns: {
    title: "SNS",
    protocol: "query",
    xmlNamespace: "http://sns.amazonaws.com/doc/2010-03-31/",
    // SNS has no resource paths: `path//` (the endpoint's root), the action in the request.
    path: /^\/$/,
    actions: [
      "Publish",
      "PublishBatch",
      "CreateTopic",
      "DeleteTopic",
      "ListTopics",
      "GetTopicAttributes",
      "SetTopicAttributes",
      "Subscribe",
      "ConfirmSubscription",
      "Unsubscribe",
      "ListSubscriptions",
      "ListSubscriptionsByTopic",
      "GetSubscriptionAttributes",
      "SetSubscriptionAttributes",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ],
  },
} as const satisfies Record<string, ServiceSpec>;

export function serviceSpec(name: ServiceName): ServiceSpec {
  return SERVICES[name];
}

const SERVICE_URI =
  /^arn:aws[a-zA-Z-]*:apigateway:([a-z0-9-]+|\$\{stageVariables\.[A-Za-z0-9_]+\}):([a-z0-9-]+):(action|path)\/(.*)$/s;

/** True for the URI of a Lambda function integration (the other AWS integrations call services). */
export function isLambdaUri(uri: string): boolean {
  return /^arn:aws[a-zA-Z-]*:apigateway:[^:]+:lambda:path\//.test(uri);
}

/**
 * Parses a service integration URI, refusing services and actions Nimbus does not implement
 * with a message that names them. The URI may hold `${stageVariables.x}` (resolved first, per request).
 */
export function awsServiceTargetOf(uri: string): AwsServiceTarget {
  const match = SERVICE_URI.exec(uri);
  if (!match) throw badRequest(`Invalid ARN specified in the request: ${uri}`);
  const [, , subdomain = "", kind, rest = ""] = match;
  if (!Object.hasOwn(SERVICES, subdomain)) refuse(`the service '${subdomain}'`, uri);
  const service = subdomain as ServiceName;
  const spec: ServiceSpec = SERVICES[service];
  if (kind === "action") {
    // `action/Publish&TopicArn=...`: AWS writes the action's fixed parameters after an `&`.
    const cut = rest.search(/[&?]/);
    const action = cut === -1 ? rest : rest.slice(0, cut);
    const params = new URLSearchParams(cut === -1 ? "" : rest.slice(cut + 1));
    if (!(spec.actions as readonly string[]).includes(action)) {
      refuse(`the ${spec.title} action '${action}' (supported: ${spec.actions.join(", ")})`, uri);
    }
    if (spec.protocol === "json" && params.size > 0) {
      throw badRequest(
        `Invalid ARN specified in the request: ${spec.title} actions take no parameters (${uri})`,
      );
    }
    return { service, action, params };
  }
  const q = rest.indexOf("?");
  const path = `/${(q === -1 ? rest : rest.slice(0, q)).replace(/^\/+/, "")}`;
  if (!spec.path?.test(path.replace(/\{[^}]+\}|\$\{stageVariables\.[A-Za-z0-9_]+\}/g, "x"))) {
    refuse(
      spec.path
        ? `the ${spec.title} path '${path}' (${service === "sqs" ? "use path/<account>/<queue>" : "use path//"})`
        : `a path URI for ${spec.title} (use action/<Action>)`,
      uri,
    );
  }
  return { service, path, params: new URLSearchParams(q === -1 ? "" : rest.slice(q + 1)) };
}

/** The refusal every unsupported service URI gets, naming what is not supported. */
function refuse(what: string, uri: string): never {
  throw unsupported(
    `AWS service integrations other than Lambda functions and Step Functions, SQS and SNS actions: ${what} (${uri})`,
  );
}
