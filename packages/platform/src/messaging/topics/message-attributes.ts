import type { QueryParams } from "../../aws/query-protocol.js";
import type { TargetAttribute } from "../../core/targets.js";
import { topicError } from "./errors.js";

/** One message attribute as published; `binaryValue` is base64 as on the wire. */
export interface MessageAttributeValue {
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
}

const NAME = /^[A-Za-z0-9_\-.]{1,256}$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Reads `MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue /
 * .Value.BinaryValue` and validates each as SNS does (ParameterValueInvalid with SNS's messages).
 */
export function readMessageAttributes(
  params: QueryParams,
  prefix = "MessageAttributes",
): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(params.structMap(prefix, { key: "Name", value: "Value" }))) {
    const attribute: MessageAttributeValue = { dataType: value.get("DataType") ?? "" };
    const stringValue = value.get("StringValue");
    const binaryValue = value.get("BinaryValue");
    if (stringValue !== undefined) attribute.stringValue = stringValue;
    if (binaryValue !== undefined) attribute.binaryValue = binaryValue;
    validateAttribute(name, attribute);
    out[name] = attribute;
  }
  return out;
}

function validateAttribute(name: string, attribute: MessageAttributeValue): void {
  const invalid = topicError.invalidParameterValue;
  if (
    !NAME.test(name) ||
    name.startsWith(".") ||
    name.endsWith(".") ||
    name.includes("..") ||
    /^(aws\.|amazon\.)/i.test(name)
  )
    throw invalid(`The message attribute name '${name}' is invalid.`);
  const type = attribute.dataType;
  if (type === "")
    throw invalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
  const base = type.split(".")[0];
  if (base !== "String" && base !== "Number" && base !== "Binary")
    throw invalid(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    );
  const value = base === "Binary" ? attribute.binaryValue : attribute.stringValue;
  if (value === undefined || value === "")
    throw invalid(
      `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
    );
  if (base === "Number" && !NUMBER.test(value.trim()))
    throw invalid(`Could not cast message attribute '${name}' value to number.`);
  if (type === "String.Array") {
    let items: unknown;
    try {
      items = JSON.parse(value);
    } catch {
      items = undefined;
    }
    const scalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
    if (!Array.isArray(items) || !items.every(scalar))
      throw invalid(
        `The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, booleans or nulls.`,
      );
  }
}

/** Bytes the attributes count toward the 256 KiB message limit (name, type and value). */
export function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  let size = 0;
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.dataType);
    size +=
      a.binaryValue !== undefined
        ? Buffer.from(a.binaryValue, "base64").length
        : Buffer.byteLength(a.stringValue ?? "");
  }
  return size;
}

/** The envelope form: `{ Name: { Type, Value } }`, binary values base64. */
export function envelopeAttributes(
  attributes: Record<string, MessageAttributeValue>,
): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [name, a] of Object.entries(attributes))
    out[name] = { Type: a.dataType, Value: a.binaryValue ?? a.stringValue ?? "" };
  return out;
}

/** Raw delivery to SQS: SNS attributes become SQS message attributes of the same types. */
export function targetAttributes(
  attributes: Record<string, MessageAttributeValue>,
): Record<string, TargetAttribute> {
  const out: Record<string, TargetAttribute> = {};
  for (const [name, a] of Object.entries(attributes)) {
    out[name] =
      a.binaryValue !== undefined
        ? { dataType: a.dataType, binaryValue: Buffer.from(a.binaryValue, "base64") }
        : { dataType: a.dataType, stringValue: a.stringValue ?? "" };
  }
  return out;
}
