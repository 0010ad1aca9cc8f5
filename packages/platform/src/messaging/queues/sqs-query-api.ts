import type { QueryParams, QueryService, XmlObject, XmlValue } from "../../aws/query-protocol.js";
import type { SqsInput } from "./sqs-input.js";
import type { SqsContext, SqsOperation, SqsOutput } from "./sqs-operations.js";

/** Plain members, the same name in the form and in the JSON model. */
const SCALARS = [
  "QueueName",
  "QueueUrl",
  "QueueOwnerAWSAccountId",
  "QueueNamePrefix",
  "NextToken",
  "MaxResults",
  "MessageBody",
  "DelaySeconds",
  "MessageGroupId",
  "MessageDeduplicationId",
  "MaxNumberOfMessages",
  "VisibilityTimeout",
  "WaitTimeSeconds",
  "ReceiveRequestAttemptId",
  "ReceiptHandle",
  "Id",
];

/** Flattened lists: form name -> JSON member. */
const LISTS: Record<string, string> = {
  AttributeName: "AttributeNames",
  MessageSystemAttributeName: "MessageSystemAttributeNames",
  MessageAttributeName: "MessageAttributeNames",
  TagKey: "TagKeys",
};

/** Batch entry lists: form name -> (always) `Entries`. */
const ENTRY_LISTS = [
  "SendMessageBatchRequestEntry",
  "DeleteMessageBatchRequestEntry",
  "ChangeMessageVisibilityBatchRequestEntry",
];

/**
 * SQS over awsQuery (older SDKs, the Debian AWS CLI): the form is decoded into the neutral input
 * (the JSON model's shape, with SQS's flattened lists and maps: `Attribute.N.Name/Value`,
 * `MessageAttribute.N.Value.StringValue`, `SendMessageBatchRequestEntry.N.Id`, ...) and the
 * neutral output is written as the XML SQS answers.
 */
export function createSqsQueryApi(operations: Record<string, SqsOperation>): QueryService {
  const wrapped: QueryService["operations"] = {};
  for (const [name, operation] of Object.entries(operations)) {
    wrapped[name] = async (params, req) => {
      const ctx: SqsContext = { origin: req.origin, path: req.rawPath, senderId: req.caller.accessKeyId };
      const input = decode(params, name);
      const output = await operation(input, ctx);
      return NO_RESULT.has(name) ? undefined : encode(name, output ?? {});
    };
  }
  return {
    signingName: "sqs",
    version: "2012-11-05",
    xmlNamespace: "http://queue.amazonaws.com/doc/2012-11-05/",
    operations: wrapped,
  };
}

const NO_RESULT = new Set([
  "DeleteQueue",
  "SetQueueAttributes",
  "PurgeQueue",
  "TagQueue",
  "UntagQueue",
  "DeleteMessage",
  "ChangeMessageVisibility",
]);

function decode(params: QueryParams, operation: string): SqsInput {
  const input: SqsInput = {};
  for (const name of SCALARS) {
    const value = params.get(name);
    if (value !== undefined) input[name] = value;
  }
  for (const [form, member] of Object.entries(LISTS)) {
    const values = params.list(form, true);
    if (values.length > 0) input[member] = values;
  }
  if (params.has("Attribute.1.Name")) input.Attributes = params.stringMap("Attribute", { flattened: true });
  if (params.has("Tag.1.Key")) {
    const tags = params.stringMap("Tag", { flattened: true, key: "Key", value: "Value" });
    input[operation === "CreateQueue" ? "tags" : "Tags"] = tags;
  }
  for (const [form, member] of [
    ["MessageAttribute", "MessageAttributes"],
    ["MessageSystemAttribute", "MessageSystemAttributes"],
  ] as const) {
    const map = params.structMap(form, { flattened: true });
    if (Object.keys(map).length === 0) continue;
    const out: Record<string, Record<string, string>> = {};
    for (const [key, value] of Object.entries(map)) {
      const attribute: Record<string, string> = {};
      for (const field of ["DataType", "StringValue", "BinaryValue"]) {
        const v = value.get(field);
        if (v !== undefined) attribute[field] = v;
      }
      if (value.has("StringListValue.1") || value.has("BinaryListValue.1")) attribute.StringListValues = "";
      out[key] = attribute;
    }
    input[member] = out;
  }
  for (const form of ENTRY_LISTS) {
    const list = params.structList(form, true);
    if (list.length > 0) input.Entries = list.map((entry) => decode(entry, operation));
  }
  return input;
}

function encode(operation: string, output: NonNullable<SqsOutput>): XmlValue {
  switch (operation) {
    case "ListQueues":
      return {
        QueueUrl: output.QueueUrls as string[] | undefined,
        NextToken: output.NextToken as string | undefined,
      };
    case "ListDeadLetterSourceQueues":
      return { QueueUrl: output.queueUrls as string[], NextToken: output.NextToken as string | undefined };
    case "GetQueueAttributes":
      return { Attribute: nameValues(output.Attributes) };
    case "ListQueueTags":
      return { Tag: nameValues(output.Tags, "Key") };
    case "ReceiveMessage":
      return { Message: ((output.Messages as Record<string, unknown>[] | undefined) ?? []).map(messageXml) };
    case "SendMessageBatch":
      return batchXml(output, "SendMessageBatchResultEntry");
    case "DeleteMessageBatch":
      return batchXml(output, "DeleteMessageBatchResultEntry");
    case "ChangeMessageVisibilityBatch":
      return batchXml(output, "ChangeMessageVisibilityBatchResultEntry");
    default:
      return output as XmlObject;
  }
}

function nameValues(map: unknown, keyName = "Name"): XmlObject[] {
  return Object.entries((map as Record<string, string> | undefined) ?? {}).map(([key, value]) => ({
    [keyName]: key,
    Value: value,
  }));
}

function messageXml(message: Record<string, unknown>): XmlObject {
  const attributes = (message.MessageAttributes as Record<string, Record<string, string>> | undefined) ?? {};
  return {
    MessageId: message.MessageId as string,
    ReceiptHandle: message.ReceiptHandle as string,
    MD5OfBody: message.MD5OfBody as string,
    Body: message.Body as string,
    Attribute: nameValues(message.Attributes),
    MD5OfMessageAttributes: message.MD5OfMessageAttributes as string | undefined,
    MessageAttribute: Object.entries(attributes).map(([name, value]) => ({
      Name: name,
      Value: { ...value },
    })),
  };
}

function batchXml(output: Record<string, unknown>, entryName: string): XmlObject {
  return {
    [entryName]: (output.Successful as XmlObject[]) ?? [],
    BatchResultErrorEntry: (output.Failed as XmlObject[]) ?? [],
  };
}
