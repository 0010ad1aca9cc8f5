import { isPlatformError } from "../../core/errors.js";
import {
  type EngineEvent,
  isJsonObject,
  type Json,
  type JsonObject,
  type RunTaskCommand,
} from "../engine/index.js";

/** What one service call answered: the API's response (AWS's JSON shape) and its request id. */
export interface ServiceResponse {
  output: JsonObject;
  requestId: string;
}

/**
 * The queue, topic and bus operations the workflow area calls, in the request / response shapes
 * of the AWS APIs (what a task's Parameters / Arguments are and what its result is). server.ts
 * implements them with the real services; their PlatformErrors (with `awsName`) become the
 * task's `SQS.*` / `SNS.*` / `EventBridge.*` errors.
 */
export interface ServiceIntegrationPorts {
  /** SQS SendMessage (`QueueUrl` of any host form: the queue is found by account and name). */
  sendMessage(input: JsonObject): Promise<ServiceResponse>;
  /** SNS Publish. */
  publish(input: JsonObject): Promise<ServiceResponse>;
  /** EventBridge PutEvents (`Detail` already JSON text). */
  putEvents(input: JsonObject): Promise<ServiceResponse>;
}

interface ServiceSpec {
  /** The error prefix Step Functions gives this service's failures. */
  prefix: string;
  /** Parameters this integration accepts (AWS's request members). */
  fields: readonly string[];
  /** Calls the service, JSON values of text members (MessageBody, Message, Detail) as their JSON text. */
  call: (ports: ServiceIntegrationPorts, input: JsonObject) => Promise<ServiceResponse>;
  /** Step Functions' result for a response: SQS and SNS carry the SDK's HTTP metadata. */
  result: (response: ServiceResponse) => Json;
  /** The name of an internal failure. */
  internal: string;
}

const SPECS: Record<string, ServiceSpec> = {
  "sqs:sendMessage": {
    prefix: "SQS",
    fields: [
      "QueueUrl",
      "MessageBody",
      "DelaySeconds",
      "MessageAttributes",
      "MessageSystemAttributes",
      "MessageGroupId",
      "MessageDeduplicationId",
    ],
    call: (ports, input) => ports.sendMessage(withText(input, "MessageBody")),
    result: withSdkMetadata,
    internal: "AmazonSQSException",
  },
  "sns:publish": {
    prefix: "SNS",
    fields: [
      "TopicArn",
      "TargetArn",
      "PhoneNumber",
      "Message",
      "Subject",
      "MessageStructure",
      "MessageAttributes",
      "MessageGroupId",
      "MessageDeduplicationId",
    ],
    call: (ports, input) => ports.publish(withText(input, "Message")),
    result: withSdkMetadata,
    internal: "InternalErrorException",
  },
  "events:putEvents": {
    prefix: "EventBridge",
    fields: ["Entries", "EndpointId"],
    call: (ports, input) => ports.putEvents(withDetailText(input)),
    result: (response) => response.output,
    internal: "InternalException",
  },
};

const PREFIX = "arn:aws:states:::";
const CALLBACK = ".waitForTaskToken";

/** The queue, topic and bus resources, request-response and callback forms. */
export const SERVICE_RESOURCES: readonly string[] = Object.keys(SPECS).flatMap((action) => [
  `${PREFIX}${action}`,
  `${PREFIX}${action}${CALLBACK}`,
]);

/** Whether `resource` is `sqs:sendMessage`, `sns:publish` or `events:putEvents` (with `.waitForTaskToken`). */
export function isServiceResource(resource: string): boolean {
  return SERVICE_RESOURCES.includes(resource);
}

/**
 * The request fields of `parameters` (keys without their `.$` suffix) that the API of a queue /
 * topic / bus `resource` does not have; empty for other resources.
 */
export function unsupportedServiceFields(resource: string, parameters: unknown): string[] {
  if (!isServiceResource(resource) || !isJsonObject(parameters)) return [];
  const action = resource.slice(PREFIX.length).replace(CALLBACK, "");
  const fields = SPECS[action]?.fields ?? [];
  return Object.keys(parameters).filter(
    (key) => !fields.includes(key.endsWith(".$") ? key.slice(0, -2) : key),
  );
}

/**
 * Runs a queue / topic / bus task: `taskSucceeded` with the service's response, or `taskSubmitted`
 * for `.waitForTaskToken` (the task then waits for SendTaskSuccess / Failure). A failed call fails
 * the task with `<Service>.<Exception>`; PutEvents with failed entries fails it with
 * `EventBridge.FailedEntry`, as Step Functions does.
 */
export async function runServiceTask(
  ports: ServiceIntegrationPorts | undefined,
  command: RunTaskCommand,
): Promise<EngineEvent> {
  const id = command.id;
  const callback = command.resource.endsWith(CALLBACK);
  const action = command.resource.slice(PREFIX.length, callback ? -CALLBACK.length : undefined);
  const spec = SPECS[action];
  if (!spec || !ports)
    return {
      kind: "taskFailed",
      id,
      error: "States.Runtime",
      cause: `No ${action} integration in this server`,
    };
  const input = command.parameters;
  if (!isJsonObject(input))
    return {
      kind: "taskFailed",
      id,
      error: "States.Runtime",
      cause: `The ${action} parameters must be an object`,
    };
  const unknown = Object.keys(input).filter((key) => !spec.fields.includes(key));
  if (unknown.length > 0)
    return {
      kind: "taskFailed",
      id,
      error: "States.Runtime",
      cause: `The field '${unknown[0]}' is not supported by ${action} (supported: ${spec.fields.join(", ")})`,
    };
  if (input.MessageAttributes !== undefined && !isJsonObject(input.MessageAttributes))
    return { kind: "taskFailed", id, error: "States.Runtime", cause: "MessageAttributes must be an object" };
  let response: ServiceResponse;
  try {
    response = await spec.call(ports, input);
  } catch (error) {
    return { kind: "taskFailed", id, ...serviceFailure(spec, error) };
  }
  const failed = response.output.FailedEntryCount;
  if (action === "events:putEvents" && typeof failed === "number" && failed > 0)
    return {
      kind: "taskFailed",
      id,
      error: "EventBridge.FailedEntry",
      cause: JSON.stringify(response.output),
    };
  const output = spec.result(response);
  return callback ? { kind: "taskSubmitted", id, output } : { kind: "taskSucceeded", id, output };
}

/** Step Functions sends JSON values of text members (MessageBody, Message) as their JSON text. */
function withText(input: JsonObject, field: string): JsonObject {
  const value = input[field];
  if (value === undefined || typeof value === "string") return input;
  return { ...input, [field]: JSON.stringify(value) };
}

/** PutEvents entries carry `Detail` as an object in the task; the API takes its JSON text. */
function withDetailText(input: JsonObject): JsonObject {
  if (!Array.isArray(input.Entries)) return input;
  return { ...input, Entries: input.Entries.map((e) => (isJsonObject(e) ? withText(e, "Detail") : e)) };
}

function withSdkMetadata(response: ServiceResponse): Json {
  return {
    ...response.output,
    SdkHttpMetadata: {
      HttpHeaders: { "Content-Type": "text/xml", "x-amzn-RequestId": response.requestId },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: response.requestId },
  };
}

/** SNS's query error codes whose exception class is named otherwise. */
const EXCEPTION_NAMES: Record<string, string> = {
  ParameterValueInvalid: "InvalidParameterValueException",
  EmptyBatchRequest: "EmptyBatchRequestException",
};

/** `<prefix>.<Exception>` as Step Functions names a service's failure, so Retry/Catch can match it. */
function serviceFailure(spec: ServiceSpec, error: unknown): { error: string; cause: string } {
  if (!isPlatformError(error) || error.awsName === undefined)
    return {
      error: `${spec.prefix}.${spec.internal}`,
      cause: error instanceof Error ? error.message : String(error),
    };
  const name = EXCEPTION_NAMES[error.awsName] ?? error.awsName;
  return {
    error: `${spec.prefix}.${name.endsWith("Exception") ? name : `${name}Exception`}`,
    cause: error.message,
  };
}
