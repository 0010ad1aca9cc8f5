import { awsError } from "../aws/aws-errors.js";
import { logsError } from "./errors.js";

/** Reading CloudWatch Logs request members with AWS's validation messages. */
export type Input = Record<string, unknown>;

export const LOG_GROUP_NAME = { pattern: /^[.\-_/#A-Za-z0-9]+$/, text: "[\\.\\-_/#A-Za-z0-9]+", max: 512 };
export const LOG_STREAM_NAME = { pattern: /^[^:*]*$/, text: "[^:*]*", max: 512 };

interface StringRule {
  pattern?: RegExp;
  text?: string;
  min?: number;
  max?: number;
}

/**
 * Rejects members this operation does not support. Nimbus fails loudly rather than accept a
 * setting it would silently ignore; `ignored` lists members AWS itself ignores (deprecated ones).
 */
export function checkMembers(
  operation: string,
  input: Input,
  supported: readonly string[],
  ignored: readonly string[] = [],
) {
  for (const [key, value] of Object.entries(input)) {
    if (value === null || value === undefined || supported.includes(key) || ignored.includes(key)) continue;
    throw logsError.invalidParameter(`Nimbus does not support the parameter ${key} of ${operation}.`);
  }
}

function violation(name: string, value: unknown, constraint: string): Error {
  const shown = value === undefined ? "null" : `'${String(value)}'`;
  return logsError.invalidParameter(
    `1 validation error detected: Value ${shown} at '${name}' failed to satisfy constraint: ${constraint}`,
  );
}

export function optionalString(input: Input, name: string, rule: StringRule = {}): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw awsError.serialization(`Expected a string for ${name}.`);
  const min = rule.min ?? 0;
  if (value.length < min)
    throw violation(name, value, `Member must have length greater than or equal to ${min}`);
  if (rule.max !== undefined && value.length > rule.max) {
    throw violation(name, value, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw violation(
      name,
      value,
      `Member must satisfy regular expression pattern: ${rule.text ?? rule.pattern.source}`,
    );
  }
  return value;
}

export function requiredString(input: Input, name: string, rule: StringRule = {}): string {
  const value = optionalString(input, name, { min: 1, ...rule });
  if (value === undefined) throw violation(name, undefined, "Member must not be null");
  return value;
}

export function optionalInteger(
  input: Input,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw awsError.serialization(`Expected an integer for ${name}.`);
  }
  if (value < range.min)
    throw violation(name, value, `Member must have value greater than or equal to ${range.min}`);
  if (value > range.max)
    throw violation(name, value, `Member must have value less than or equal to ${range.max}`);
  return value;
}

export function optionalBoolean(input: Input, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw awsError.serialization(`Expected a boolean for ${name}.`);
  return value;
}

export function optionalStringList(
  input: Input,
  name: string,
  size: { min: number; max: number },
): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw awsError.serialization(`Expected a list of strings for ${name}.`);
  }
  if (value.length < size.min)
    throw violation(name, `[${value}]`, `Member must have length greater than or equal to ${size.min}`);
  if (value.length > size.max)
    throw violation(name, `[${value}]`, `Member must have length less than or equal to ${size.max}`);
  return value;
}

const GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]*:\d*:log-group:([^:]+)(?::\*)?$/;

/** The log group named by `logGroupName` or `logGroupIdentifier` (a name or an ARN). */
export function logGroupOf(input: Input, options: { identifierAllowed: boolean }): string {
  const name = optionalString(input, "logGroupName", LOG_GROUP_NAME);
  const identifier = options.identifierAllowed
    ? optionalString(input, "logGroupIdentifier", { min: 1, max: 2048 })
    : undefined;
  if (name !== undefined && identifier !== undefined) {
    throw logsError.invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (name !== undefined) return name;
  if (identifier === undefined) {
    if (!options.identifierAllowed) throw violation("logGroupName", undefined, "Member must not be null");
    throw logsError.invalidParameter("Either logGroupName or logGroupIdentifier must be specified.");
  }
  const arn = GROUP_ARN.exec(identifier);
  const resolved = arn ? (arn[1] ?? "") : identifier;
  if (!LOG_GROUP_NAME.pattern.test(resolved)) {
    throw violation("logGroupIdentifier", identifier, "Member must be a log group name or a log group ARN");
  }
  return resolved;
}

/** `arn:aws:logs:<region>:<account>:log-group:<name>` (DescribeLogGroups adds `:*` to `arn`). */
export function logGroupArn(caller: { region: string; accountId: string }, name: string): string {
  return `arn:aws:logs:${caller.region}:${caller.accountId}:log-group:${name}`;
}
