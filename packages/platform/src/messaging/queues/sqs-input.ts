import { queueError } from "./errors.js";
import type { MessageAttributes } from "./message-format.js";

/**
 * An SQS request in the shape of SQS's JSON model (`QueueUrl`, `Attributes`, `Entries`, ...).
 * The JSON protocol passes its body as is; the query protocol decodes its form into this shape.
 */
export type SqsInput = Record<string, unknown>;

/** A string member; MissingParameter when `required` and absent. */
export function str(input: SqsInput, name: string, required: true): string;
export function str(input: SqsInput, name: string, required?: false): string | undefined;
export function str(input: SqsInput, name: string, required = false): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    if (required) throw queueError.missingParameter(name);
    return undefined;
  }
  if (typeof value !== "string")
    throw queueError.invalidParameterValue(
      `Value for parameter ${name} is invalid. Reason: must be a string.`,
    );
  return value;
}

/** An integer member (JSON numbers, or the query form's strings). */
export function int(input: SqsInput, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isInteger(n))
    throw queueError.invalidParameterValue(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: must be an integer.`,
    );
  return n;
}

/** A list of strings. */
export function strings(input: SqsInput, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw queueError.invalidParameterValue(
      `Value for parameter ${name} is invalid. Reason: must be a list of strings.`,
    );
  return value;
}

/** A map of strings (queue attributes, tags). */
export function stringMap(input: SqsInput, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw queueError.invalidParameterValue(`Value for parameter ${name} is invalid. Reason: must be a map.`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string")
      throw queueError.invalidAttributeValue(`Invalid value for the parameter ${key}.`);
    out[key] = v;
  }
  return out;
}

/** A list of structures (batch entries). */
export function entries(input: SqsInput, name: string): SqsInput[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "object" && v !== null && !Array.isArray(v)))
    throw queueError.invalidParameterValue(
      `Value for parameter ${name} is invalid. Reason: must be a list of entries.`,
    );
  return value as SqsInput[];
}

/** `MessageAttributes` / `MessageSystemAttributes`: `{ name: { DataType, StringValue | BinaryValue } }`. */
export function messageAttributes(input: SqsInput, name: string): MessageAttributes {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw queueError.invalidParameterValue(`Value for parameter ${name} is invalid. Reason: must be a map.`);
  const out: MessageAttributes = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null)
      throw queueError.invalidParameterValue(`The message attribute '${key}' is invalid.`);
    const attribute = raw as Record<string, unknown>;
    if (attribute.StringListValues !== undefined || attribute.BinaryListValues !== undefined)
      throw queueError.unsupported(
        `Message attribute list values (StringListValues, BinaryListValues) of '${key}'`,
      );
    const dataType = typeof attribute.DataType === "string" ? attribute.DataType : "";
    const parsed: MessageAttributes[string] = { dataType };
    if (typeof attribute.StringValue === "string") parsed.stringValue = attribute.StringValue;
    if (typeof attribute.BinaryValue === "string") parsed.binaryValue = attribute.BinaryValue;
    out[key] = parsed;
  }
  return out;
}

/** The wire form of message attributes (both protocols carry binary values as base64). */
export function attributesOut(attributes: MessageAttributes): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, a] of Object.entries(attributes)) {
    const value: Record<string, string> = {};
    if (a.stringValue !== undefined) value.StringValue = a.stringValue;
    if (a.binaryValue !== undefined) value.BinaryValue = a.binaryValue;
    value.DataType = a.dataType;
    out[name] = value;
  }
  return out;
}
