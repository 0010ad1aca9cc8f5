import { createHash } from "node:crypto";
import { queueError } from "./errors.js";
import { QUEUE_LIMITS } from "./queue-attributes.js";

/** One message attribute, wire-neutral; binary values as base64, as both protocols carry them. */
export interface MessageAttribute {
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttribute>;

const ATTRIBUTE_NAME = /^[A-Za-z0-9_\-.]{1,256}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// XML 1.0 characters: what SQS accepts in a body and in string attribute values.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the allowed set is defined by control characters.
const INVALID_CHARS = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** MD5 hex of a message body, as the SDKs verify it (MD5OfMessageBody, MD5OfBody). */
export function md5OfBody(body: string): string {
  return createHash("md5").update(body, "utf8").digest("hex");
}

/**
 * MD5 hex of message attributes as SQS computes it (and botocore verifies it): for each
 * attribute sorted by name, the length-prefixed (4-byte big-endian) name, data type, then a
 * transport byte (1 string, 2 binary) and the length-prefixed value.
 */
export function md5OfAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash("md5");
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as MessageAttribute;
    field(Buffer.from(name, "utf8"));
    field(Buffer.from(attribute.dataType, "utf8"));
    if (attribute.binaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      field(Buffer.from(attribute.binaryValue, "base64"));
    } else {
      hash.update(Buffer.from([1]));
      field(Buffer.from(attribute.stringValue ?? "", "utf8"));
    }
  }
  return hash.digest("hex");
}

/** Checks a body's characters (InvalidMessageContents) and presence (MissingParameter). */
export function validateBody(body: string | undefined): string {
  if (body === undefined || body === "") throw queueError.missingParameter("MessageBody");
  if (INVALID_CHARS.test(body))
    throw queueError.invalidMessageContents(
      "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    );
  return body;
}

/** Validates message attributes as SQS does (names, types, values, at most 10). */
export function validateMessageAttributes(attributes: MessageAttributes, what = "message"): void {
  const names = Object.keys(attributes);
  if (names.length > QUEUE_LIMITS.maxMessageAttributes)
    throw queueError.invalidParameterValue(
      `Number of ${what} attributes [${names.length}] exceeds the allowed maximum [${QUEUE_LIMITS.maxMessageAttributes}].`,
    );
  for (const name of names) {
    const attribute = attributes[name] as MessageAttribute;
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..") ||
      /^(aws\.|amazon\.)/i.test(name)
    )
      throw queueError.invalidParameterValue(`Message attribute name '${name}' is invalid.`);
    const type = attribute.dataType;
    if (type === "")
      throw queueError.invalidParameterValue(
        `The message attribute '${name}' must contain non-empty message attribute type.`,
      );
    const base = type.split(".")[0];
    if (base !== "String" && base !== "Number" && base !== "Binary")
      throw queueError.invalidParameterValue(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    if (type.length > 256)
      throw queueError.invalidParameterValue(`Message attribute type of '${name}' is too long.`);
    const value = base === "Binary" ? attribute.binaryValue : attribute.stringValue;
    if (value === undefined || value === "")
      throw queueError.invalidParameterValue(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`,
      );
    if (base === "Number" && !NUMBER.test(value))
      throw queueError.invalidParameterValue(
        `Can't cast the value of message (user) attribute '${name}' to a number.`,
      );
    if (base !== "Binary" && INVALID_CHARS.test(value))
      throw queueError.invalidParameterValue(`Message attribute '${name}' contains invalid characters.`);
  }
}

/** Bytes a message counts toward MaximumMessageSize: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: MessageAttributes): number {
  let size = Buffer.byteLength(body, "utf8");
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.dataType);
    size +=
      a.binaryValue !== undefined
        ? Buffer.from(a.binaryValue, "base64").length
        : Buffer.byteLength(a.stringValue ?? "");
  }
  return size;
}

/** FIFO content-based deduplication id: SHA-256 hex of the body. */
export function contentDedupId(body: string): string {
  return createHash("sha256").update(body, "utf8").digest("hex");
}
