/**
 * Validation of SNS filter policies with AWS's limits and messages
 * (docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html): at most 5
 * top-level keys, at most 150 value combinations (values per array multiplied, times the depth of
 * nested keys), no empty arrays, one operator per match expression, the operators' value types.
 * The messages are those SNS returns after `Invalid parameter: [Attributes Reason: ]`.
 */
export type FilterPolicyScope = "MessageAttributes" | "MessageBody";

export const FILTER_POLICY_MAX_KEYS = 5;
export const FILTER_POLICY_MAX_COMBINATIONS = 150;
/** SNS's limit on the policy document. */
export const FILTER_POLICY_MAX_BYTES = 256 * 1024;

/** A policy that breaks a rule; `message` starts with `FilterPolicy: ` as SNS's does. */
export class FilterPolicyError extends Error {}

const fail = (message: string): never => {
  throw new FilterPolicyError(`FilterPolicy: ${message}`);
};

/**
 * Parses and validates a policy document. Throws `FilterPolicyError` with SNS's message;
 * returns the parsed policy.
 */
export function parseFilterPolicy(text: string, scope: FilterPolicyScope): Record<string, unknown> {
  if (Buffer.byteLength(text) > FILTER_POLICY_MAX_BYTES) fail("Filter policy is too long");
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    return fail("failed to parse JSON.");
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy))
    fail("Filter policy must be a JSON object");
  const root = policy as Record<string, unknown>;
  if (Object.keys(root).length > FILTER_POLICY_MAX_KEYS) fail("Filter policy can not have more than 5 keys");
  const combinations = validateLevel(root, 1, scope);
  if (combinations > FILTER_POLICY_MAX_COMBINATIONS) fail("Filter policy is too complex");
  return root;
}

/** Validates one object level; returns its number of combinations. */
function validateLevel(level: Record<string, unknown>, depth: number, scope: FilterPolicyScope): number {
  let combinations = 1;
  for (const [key, value] of Object.entries(level)) {
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2) fail('"$or" must be an array of at least 2 objects');
      let sum = 0;
      for (const branch of value as unknown[]) {
        if (typeof branch !== "object" || branch === null || Array.isArray(branch))
          fail('"$or" must be an array of at least 2 objects');
        sum += validateLevel(branch as Record<string, unknown>, depth, scope);
      }
      combinations *= sum;
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail("Empty arrays are not allowed");
      for (const rule of value) validateRule(rule);
      combinations *= value.length * depth;
    } else if (typeof value === "object" && value !== null) {
      if (scope === "MessageAttributes")
        throw new FilterPolicyError(
          "Filter policy scope MessageAttributes does not support nested filter policy",
        );
      combinations *= validateLevel(value as Record<string, unknown>, depth + 1, scope);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  return combinations;
}

function validateRule(rule: unknown): void {
  if (rule === null || typeof rule === "string" || typeof rule === "boolean") return;
  if (typeof rule === "number") return;
  if (typeof rule !== "object" || Array.isArray(rule))
    fail("Match value must be String, number, true, false, or null");
  const entries = Object.entries(rule as Record<string, unknown>);
  if (entries.length !== 1) fail("Only one key allowed in match expression");
  const [operator, value] = entries[0] as [string, unknown];
  switch (operator) {
    case "equals-ignore-case":
    case "prefix":
    case "suffix":
      if (typeof value !== "string") fail(`${operator} match pattern must be a string`);
      return;
    case "exists":
      if (typeof value !== "boolean") fail("exists match pattern must be either true or false.");
      return;
    case "numeric":
      validateNumeric(value);
      return;
    case "anything-but":
      validateAnythingBut(value);
      return;
    case "cidr":
      throw new FilterPolicyError("FilterPolicy: Nimbus does not support the match type cidr");
    default:
      fail(`Unrecognized match type ${operator}`);
  }
}

function validateAnythingBut(value: unknown): void {
  if (typeof value === "string" || typeof value === "number") return;
  if (Array.isArray(value)) {
    if (value.length === 0) fail("Empty arrays are not allowed");
    const strings = value.every((v) => typeof v === "string");
    const numbers = value.every((v) => typeof v === "number");
    if (!strings && !numbers) fail("Inside anything but list, start|null|boolean is not supported.");
    return;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length !== 1) fail("Only one key allowed in match expression");
    const [inner, pattern] = entries[0] as [string, unknown];
    if (inner !== "prefix" && inner !== "suffix" && inner !== "equals-ignore-case")
      fail(`Unsupported anything-but pattern: ${inner}`);
    const patterns = Array.isArray(pattern) ? pattern : [pattern];
    if (patterns.length === 0) fail("Empty arrays are not allowed");
    for (const p of patterns) if (typeof p !== "string") fail(`${inner} match pattern must be a string`);
    return;
  }
  fail("Inside anything but list, start|null|boolean is not supported.");
}

const LOWER = new Set([">", ">="]);
const UPPER = new Set(["<", "<="]);

function validateNumeric(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) fail("Invalid member in numeric match: ]");
  const terms = value as unknown[];
  const [op, first] = terms;
  if (typeof op !== "string") fail(`Invalid member in numeric match: ${String(op)}`);
  if (!["<", "<=", "=", ">", ">="].includes(op as string))
    fail(`Unrecognized numeric range operator: ${String(op)}`);
  if (typeof first !== "number") fail(`Value of ${op === "=" ? "equals" : op} must be numeric`);
  if (terms.length === 2) return;
  if (!LOWER.has(op as string)) fail("Too many elements in numeric expression");
  const [, , op2, second] = terms;
  if (typeof op2 !== "string") fail(`Bad value in numeric range: ${String(op2)}`);
  if (!UPPER.has(op2 as string)) fail(`Bad numeric range operator: ${String(op2)}`);
  if (typeof second !== "number") fail(`Value of ${op2} must be numeric`);
  if ((second as number) <= (first as number)) fail("Bottom must be less than top");
  if (terms.length > 4) fail("Too many terms in numeric range expression");
}
