import { randomInt } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** 13 random upper-case letters and digits, as CloudFormation's generated names end. */
export function randomSuffix(length = 13): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/**
 * `<stack>-<logicalId>-<suffix>` cut to `maxLength`: as CloudFormation does, the stack name and
 * the logical id are shortened (the longer first) so the random suffix always stays whole.
 */
export function physicalName(
  stackName: string,
  logicalId: string,
  options: { maxLength?: number; lowerCase?: boolean; suffix?: string } = {},
): string {
  const suffix = options.suffix ?? randomSuffix();
  const max = options.maxLength ?? 64;
  const room = Math.max(0, max - suffix.length - 2);
  let stack = stackName;
  let logical = logicalId;
  while (stack.length + logical.length > room && (stack.length > 0 || logical.length > 0)) {
    if (stack.length >= logical.length) stack = stack.slice(0, -1);
    else logical = logical.slice(0, -1);
  }
  const parts = [stack, logical, suffix].filter((p) => p.length > 0);
  const name = parts.join("-").slice(0, max);
  return options.lowerCase ? name.toLowerCase() : name;
}
