import type { PolledMessage } from "./queue-port.js";

/** One record of Lambda's SQS event (events.md section 5). */
export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, SqsEventMessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: "aws:sqs";
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEventMessageAttribute {
  stringValue?: string;
  binaryValue?: string;
  stringListValues: string[];
  binaryListValues: string[];
  dataType: string;
}

/** The record Lambda builds for a received message. */
export function toSqsRecord(message: PolledMessage, queueArn: string, region: string): SqsEventRecord {
  const messageAttributes: Record<string, SqsEventMessageAttribute> = {};
  for (const [name, attribute] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(attribute.stringValue === undefined ? {} : { stringValue: attribute.stringValue }),
      ...(attribute.binaryValue === undefined ? {} : { binaryValue: attribute.binaryValue }),
      stringListValues: [],
      binaryListValues: [],
      dataType: attribute.dataType,
    };
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: message.attributes,
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** The invoke payload of a batch: `{"Records":[...]}` from already-serialized records. */
export function eventPayload(serializedRecords: string[]): Buffer {
  return Buffer.from(`{"Records":[${serializedRecords.join(",")}]}`, "utf8");
}
